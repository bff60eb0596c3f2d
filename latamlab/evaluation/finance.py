"""La tarea de finanzas: respuestas generadas contra las de referencia, con hechos vistos y no vistos aparte.

Se usa en el cuaderno 05 y en ``latamlab evaluar --task finance``. Cada pregunta de ``referencia.jsonl`` trae
su respuesta corta y sus ``alternativas`` (otras formas aceptadas): el puntaje de una respuesta es el mejor
contra cualquiera de ellas. ``seen_in_train`` dice si el dato aparece en el entrenamiento
(`latamlab.data.seen`): un modelo ajustado puede acertar lo visto de memoria y seguir sin saber lo demás, así
que las dos partes se informan por separado.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from latamlab.errors import ConfigError

__all__ = ["FINANCE_SPLITS", "load_finance_split", "best_scores", "finance_rows", "seen_label"]

#: Divisiones de ``data/finanzas`` que se pueden evaluar (``referencia`` es la única con ``seen_in_train``).
FINANCE_SPLITS = ("referencia", "test", "validation", "train")


def load_finance_split(split: str = "referencia", root: str | Path | None = None) -> list[dict[str, Any]]:
    """Las preguntas de una división de finanzas con ``pregunta`` y ``respuestas`` (todas las formas aceptadas).

    Raises:
        ConfigError: si `split` no es una división de :data:`FINANCE_SPLITS`.
        DataError: si el archivo falta o está mal formado.
    """
    from latamlab.config import closest
    from latamlab.data.loaders import load_finance, load_finance_reference

    if split not in FINANCE_SPLITS:
        raise ConfigError(f"`split` debe ser una de {', '.join(FINANCE_SPLITS)}; recibí {split!r}."
                          f"{closest(split, FINANCE_SPLITS)}")
    if split == "referencia":
        return [{**r, "respuestas": list(dict.fromkeys([r["respuesta"], *r["alternativas"]]))}
                for r in load_finance_reference(root)]
    return [{**r, "pregunta": r["instruccion"], "respuestas": [r["respuesta"]]} for r in load_finance(root)[split]]


def best_scores(preds: Sequence[str], accepted: Sequence[Sequence[str]]) -> dict[str, list[float]]:
    """Como `latamlab.evaluation.metrics.score_answers`, pero cada pregunta tiene varias formas aceptadas.

    Args:
        preds: una respuesta del modelo por pregunta.
        accepted: para cada pregunta, la lista de respuestas aceptadas (al menos una).

    Returns:
        ``{métrica: [puntaje por pregunta]}``, el mejor de cada pregunta entre sus formas aceptadas.
    """
    from latamlab.evaluation.metrics import check_lengths, score_answers

    check_lengths("accepted", accepted, len(preds), "preds")
    pairs = [(i, form) for i, forms in enumerate(accepted) for form in forms]
    if {i for i, _ in pairs} != set(range(len(preds))):
        raise ConfigError("Cada pregunta necesita al menos una respuesta aceptada en `accepted`.")
    flat = score_answers([preds[i] for i, _ in pairs], [form for _, form in pairs])
    best: dict[str, list[float]] = {name: [float("-inf")] * len(preds) for name in flat}
    for name, values in flat.items():
        for (i, _), value in zip(pairs, values):
            best[name][i] = max(best[name][i], value)
    return best


def seen_label(seen: bool | None) -> str:
    """El nombre del grupo de una pregunta: «vistos», «no vistos» o «sin marca» (divisiones sin el campo)."""
    return "sin marca" if seen is None else "vistos" if seen else "no vistos"


def finance_rows(model, tokenizer, items: Sequence[Mapping[str, Any]], *, max_new_tokens: int = 48,
                 batch_size: int = 8, system_prompt: str | None = None) -> list[dict[str, Any]]:
    """Genera la respuesta a cada pregunta y la puntúa: una fila por pregunta (cuaderno 05).

    Args:
        model, tokenizer: el modelo (con o sin adaptador) y su tokenizador con plantilla de chat.
        items: preguntas de :func:`load_finance_split`.
        max_new_tokens, batch_size, system_prompt: como en `latamlab.evaluation.generate.generate_answers`.
            El prompt de cada pregunta nombra su país (``pais``) en el mensaje de sistema, como en el entrenamiento.

    Returns:
        Filas con ``id``, ``pais``, ``tema``, ``vistos`` (:func:`seen_label`), ``pregunta``, ``respuesta``
        (la del modelo) y un puntaje por métrica (``exact_match``, ``token_f1``, ``rouge_l``, ``chrf``).

    Raises:
        ConfigError: si `items` está vacío o el tokenizador no tiene plantilla de chat.
    """
    from latamlab.evaluation.generate import generate_answers

    if not items:
        raise ConfigError("No hay preguntas de finanzas que evaluar (`items` vacío): revisa `limit` y la división.")
    if not getattr(tokenizer, "chat_template", None):
        raise ConfigError(f"El tokenizador de {getattr(tokenizer, 'name_or_path', 'este modelo')} no tiene plantilla "
                          "de chat (`chat_template`) y la tarea de finanzas responde en formato de chat: usa un "
                          "modelo -Instruct o las tareas perplexity y variants.")
    answers = generate_answers(model, tokenizer, [it["pregunta"] for it in items],
                               countries=[it.get("pais") for it in items], max_new_tokens=max_new_tokens,
                               batch_size=batch_size, system_prompt=system_prompt)
    scores = best_scores(answers, [it["respuestas"] for it in items])
    return [{"id": it["id"], "pais": it["pais"], "tema": it["tema"], "vistos": seen_label(it.get("seen_in_train")),
             "pregunta": it["pregunta"], "respuesta": answer, **{m: v[i] for m, v in scores.items()}}
            for i, (it, answer) in enumerate(zip(items, answers))]
