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


def _encode_pair(tokenizer, context: str, continuation: str) -> tuple[list[int], int]:
    """``(tokens de enunciado + continuación, cuántos son del enunciado)``, tokenizados como lo hace lm-eval.

    Los espacios finales de `context` pasan al inicio de `continuation`; se tokeniza el texto completo y la
    continuación son los *tokens* que siguen a los del contexto solo.
    """
    if not context:
        raise ConfigError("`context` está vacío: la verosimilitud de una continuación necesita un enunciado.")
    spaces = len(context) - len(context.rstrip())
    if spaces:
        context, continuation = context[:-spaces], context[-spaces:] + continuation
    whole = tokenizer(context + continuation)["input_ids"]
    n_context = len(tokenizer(context)["input_ids"])
    if len(whole) <= n_context:
        raise ConfigError(f"La continuación {continuation!r} no agrega tokens al contexto; revisa las opciones.")
    return whole, n_context


def _score(logits: torch.Tensor, target: list[int]) -> tuple[float, bool]:
    """Suma de log-probabilidades de `target` bajo `logits` (una fila por *token*) y si cada uno era el más probable."""
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    wanted = torch.tensor(target, device=logits.device)
    total = logprobs.gather(1, wanted[:, None]).sum().item()
    return float(total), bool((logprobs.argmax(dim=-1) == wanted).all())


def _keeps_cache(model) -> bool:
    """Si `model` acepta una caché (``cache=``) (transformers o peft); `LlamaCppLM` y otros envoltorios, no."""
    from transformers import PreTrainedModel

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return isinstance(base, PreTrainedModel)


@torch.no_grad()
def _pairs_logprobs(model, pairs: Sequence[tuple[list[int], int]]) -> list[tuple[float, bool]]:
    """:func:`continuation_logprob` de varias continuaciones del mismo enunciado, con el enunciado leído una vez.

    El modelo lee una sola vez el comienzo que todas comparten. Si las continuaciones son de un *token* (las letras
    A–D), ese comienzo es todo lo que hace falta: una pasada por pregunta en lugar de cuatro. Si no, lo que resta
    de cada una pasa en un lote sobre la caché del comienzo (relleno a la derecha, que no toca a los *tokens*
    reales). Mismas cifras que una pasada por opción (una prueba las fija a lm-eval a 1e-4); solo el último
    redondeo cambia.
    """
    device = model_device(model)
    inputs = [whole[:-1] for whole, _ in pairs]
    shared = 0
    while all(len(x) > shared for x in inputs) and len({x[shared] for x in inputs}) == 1:
        shared += 1
    longest = max(map(len, inputs))
    first = min(n for _, n in pairs) - 1  # la primera posición cuyos logits hacen falta
    if shared < 1 or (shared < longest and not _keeps_cache(model)):
        results = []
        for whole, n in pairs:  # sin comienzo común, o un modelo sin caché: una pasada por continuación
            logits = model(input_ids=torch.tensor([whole[:-1]], device=device), logits_to_keep=len(whole) - n)
            results.append(_score(logits.logits[0], whole[n:]))
        return results
    # Solo las posiciones que se puntúan pasan por la capa de salida: con el vocabulario de Gemma (262 144),
    # calcularla en todo el enunciado costaba tanto como el resto del modelo.
    keep = max(shared - first, 1)
    prefix = model(input_ids=torch.tensor([inputs[0][:shared]], device=device), logits_to_keep=keep,
                   use_cache=shared < longest)
    by_position = {shared - keep + j: prefix.logits[0, j] for j in range(keep)}
    rest = [x[shared:] for x in inputs]
    width = max(map(len, rest))
    rest_logits = None
    if width:
        cache = prefix.cache
        cache.batch_repeat_interleave(len(rest))
        ids = torch.tensor([r + [0] * (width - len(r)) for r in rest], device=device)
        mask = torch.tensor([[1] * (shared + len(r)) + [0] * (width - len(r)) for r in rest], device=device)
        rest_logits = model(input_ids=ids, attention_mask=mask, cache=cache, use_cache=False).logits
    results = []
    for i, (whole, n) in enumerate(pairs):
        rows = [by_position[p] if p < shared else rest_logits[i, p - shared] for p in range(n - 1, len(whole) - 1)]
        results.append(_score(torch.stack(rows), whole[n:]))
    return results


def continuation_logprob(model, tokenizer, context: str, continuation: str) -> tuple[float, bool]:
    """Log-verosimilitud de `continuation` tras `context`, tokenizadas como lo hace lm-eval.

    Los espacios finales de `context` pasan al inicio de `continuation`; se tokeniza el texto completo y la
    continuación son los *tokens* que siguen a los del contexto solo.

    Returns:
        ``(suma de log-probabilidades, si cada token de la continuación era el más probable)``.

    Raises:
        ConfigError: si `context` está vacío o la continuación no agrega *tokens*.
    """
    return _pairs_logprobs(model, [_encode_pair(tokenizer, context, continuation)])[0]


def choice_logprobs(model, tokenizer, context: str, choices: Sequence[str], delimiter: str = " ") -> list[float]:
    """La log-verosimilitud de cada opción (precedida de `delimiter`, como el ``target_delimiter`` de lm-eval).

    El enunciado se lee una vez para todas las opciones (ver :func:`_pairs_logprobs`).
    """
    was_training = model.training
    model.eval()
    try:
        pairs = [_encode_pair(tokenizer, context, delimiter + c) for c in choices]
        return [total for total, _ in _pairs_logprobs(model, pairs)]
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
