"""Opción múltiple por verosimilitud, a mano (cuaderno 05): lo que hace lm-eval, paso a paso.

Para cada opción se calcula la log-verosimilitud de su texto como continuación del enunciado,
``log P(" A" | enunciado)``, sumando la log-probabilidad de cada uno de sus *tokens*. La respuesta del modelo
es la opción más verosímil (**acc**). Una opción larga suma más *tokens* negativos y sale perjudicada; por eso
lm-eval también informa **acc_norm**, que divide cada log-verosimilitud por el número de **caracteres** de la
opción (no de *tokens*), así no depende del tokenizador. Con opciones de una letra (A–D) ambas coinciden.

Una prueba fija estas funciones a las log-verosimilitudes por pregunta de lm-eval (iguales a 1e-4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from latamlab.errors import ConfigError
from latamlab.runtime.device import model_device

__all__ = ["continuation_logprob", "choice_logprobs", "pick_choice", "variant_context", "score_variant_items"]


@torch.no_grad()
def continuation_logprob(model, tokenizer, context: str, continuation: str) -> tuple[float, bool]:
    """Log-verosimilitud de `continuation` tras `context`, tokenizadas como lo hace lm-eval.

    Los espacios finales de `context` pasan al inicio de `continuation`; se tokeniza el texto completo y la
    continuación son los *tokens* que siguen a los del contexto solo.

    Returns:
        ``(suma de log-probabilidades, si cada token de la continuación era el más probable)``.

    Raises:
        ConfigError: si `context` está vacío o la continuación no agrega *tokens*.
    """
    if not context:
        raise ConfigError("`context` está vacío: la verosimilitud de una continuación necesita un enunciado.")
    spaces = len(context) - len(context.rstrip())
    if spaces:
        context, continuation = context[:-spaces], context[-spaces:] + continuation
    whole = tokenizer(context + continuation)["input_ids"]
    n_context = len(tokenizer(context)["input_ids"])
    target = whole[n_context:]
    if not target:
        raise ConfigError(f"La continuación {continuation!r} no agrega tokens al contexto; revisa las opciones.")
    device = model_device(model)
    ids = torch.tensor([whole[:-1]], device=device)
    # Solo las posiciones de la continuación pasan por la capa de salida: con el vocabulario de Gemma (262 144),
    # calcularla en todo el contexto costaba tanto como el resto del modelo.
    logits = model(input_ids=ids, logits_to_keep=len(target)).logits[0].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    wanted = torch.tensor(target, device=device)
    total = logprobs.gather(1, wanted[:, None]).sum().item()
    return float(total), bool((logprobs.argmax(dim=-1) == wanted).all())


def choice_logprobs(model, tokenizer, context: str, choices: Sequence[str], delimiter: str = " ") -> list[float]:
    """La log-verosimilitud de cada opción (precedida de `delimiter`, como el ``target_delimiter`` de lm-eval)."""
    was_training = model.training
    model.eval()
    try:
        return [continuation_logprob(model, tokenizer, context, delimiter + c)[0] for c in choices]
    finally:
        model.train(was_training)


def pick_choice(logprobs: Sequence[float], choices: Sequence[str]) -> tuple[int, int]:
    """``(elegida por acc, elegida por acc_norm)``: la de mayor log-verosimilitud, sin y con división por caracteres.

    Como ``numpy.argmax``, un empate se resuelve por la primera opción.
    """
    if len(logprobs) != len(choices) or not choices:
        raise ConfigError(f"`logprobs` y `choices` deben tener el mismo largo (> 0); recibí {len(logprobs)} y "
                          f"{len(choices)}.")
    normalized = [lp / len(c) for lp, c in zip(logprobs, choices)]
    return (max(range(len(choices)), key=lambda i: (logprobs[i], -i)),
            max(range(len(choices)), key=lambda i: (normalized[i], -i)))


def variant_context(item: Mapping[str, Any], description: str | None = None) -> str:
    """El enunciado que lm-eval da al modelo en ``variantes_latam_mc``: descripción de la tarea + pregunta."""
    from latamlab.data.loaders import format_variant_prompt
    from latamlab.evaluation.harness import task_yaml

    if description is None:
        description = task_yaml()["description"]
    return description + format_variant_prompt(item, options=True)


def score_variant_items(model, tokenizer, items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Puntúa preguntas de variantes a mano, con las letras A–D como opciones (como ``variantes_latam_mc``).

    Returns:
        Una fila por pregunta, como las de `latamlab.evaluation.harness.item_rows`: ``id``, ``pais``,
        ``categoria``, ``acc``, ``acc_norm`` y ``loglik``.
    """
    from latamlab.data.loaders import LETTERS

    from latamlab.evaluation.harness import task_yaml

    description = task_yaml()["description"]  # se lee una vez para todas las preguntas
    rows = []
    for item in items:
        logprobs = choice_logprobs(model, tokenizer, variant_context(item, description), list(LETTERS))
        pred, pred_norm = pick_choice(logprobs, list(LETTERS))
        rows.append({"id": item["id"], "pais": item["pais"], "categoria": item["categoria"],
                     "acc": float(pred == item["respuesta"]), "acc_norm": float(pred_norm == item["respuesta"]),
                     "loglik": logprobs})
    return rows
