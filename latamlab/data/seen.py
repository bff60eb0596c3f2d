"""¿Vio el modelo la respuesta al entrenar? La regla que llena ``seen_in_train`` en ``referencia.jsonl``.

Una pregunta de referencia cuenta como *vista* si su dato (la respuesta de oro o una de sus
``alternativas``) aparece en la ``respuesta`` de algún par de ``train`` **del mismo país**:

* Una forma *específica* basta con aparecer: una sigla (``DIAN``, se compara con mayúsculas
  para que ``SIN`` no coincida con la preposición «sin»), un nombre de al menos tres letras
  (``unidad de fomento``, ``Colpensiones``) o una cifra con al menos tres dígitos significativos
  (``49.799``, ``6,96``, ``1904``).
* Una forma *corta* (``3``, ``19``, ``8.000``, ``no``, ``la mitad``) aparece por azar en muchas
  respuestas, así que además ese mismo par debe tratar el tema de la pregunta: al menos
  ``TOPIC_MIN`` de las palabras de contenido de la pregunta están en la instrucción o la
  respuesta del par.

Las formas se comparan como palabras completas tras :func:`latamlab.data.dedup.normalize`
(«6,96» → «6 96»). Sirve para que la evaluación del cuaderno 05 informe la exactitud en preguntas
vistas y no vistas por separado; ``scripts/construir_datos.py`` la aplica y ``latamlab datos
validar`` comprueba que el campo coincida.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from latamlab.data.dedup import normalize

__all__ = ["TOPIC_MIN", "is_specific", "seen_by", "mark_seen"]

#: Fracción mínima de palabras de contenido de la pregunta que debe contener el par (formas cortas).
TOPIC_MIN = 0.5
_STOP = frozenset(
    "que cual cuales como cuanto cuantos cuantas se el la los las lo un una unos unas de del en y o a al por "
    "para con su sus es son mas si esta este esa ese sigla significa llama nombre porcentaje tasa responde".split())
_GENERIC = _STOP | frozenset("anos ano ciento mitad pesos dolares soles colones quetzales bolivianos udis uno "
                             "dos tres cuatro cinco seis siete ocho nueve diez doce dieciocho veintidos".split())


def is_specific(form: str) -> bool:
    """Dice si una forma de respuesta es lo bastante rara como para contar sola.

    Args:
        form: la forma tal como está en ``respuesta`` o ``alternativas``.

    Returns:
        ``True`` para siglas, nombres o cifras con tres dígitos significativos o más.
    """
    words = normalize(form).split()
    significant = "".join(w for w in words if w.isdigit()).rstrip("0")
    return len(significant) >= 3 or any(len(w) >= 3 and not w.isdigit() and w not in _GENERIC for w in words)


def _appears(form: str, answer: str) -> bool:
    if len(form) >= 2 and form.isupper() and form.isalpha():  # sigla: con mayúsculas y palabra completa
        return re.search(rf"(?<!\w){re.escape(form)}(?!\w)", answer) is not None
    needle = normalize(form)
    return bool(needle) and f" {needle} " in f" {normalize(answer)} "


def _topic(question: str, pair: Mapping[str, Any]) -> float:
    content = {w for w in normalize(question).split() if w not in _STOP and len(w) > 2}
    found = set(normalize(f"{pair['instruccion']} {pair['respuesta']}").split())
    return len(content & found) / len(content) if content else 0.0


def seen_by(item: Mapping[str, Any], train: Sequence[Mapping[str, Any]]) -> str | None:
    """Busca el primer par de ``train`` del mismo país cuya respuesta contiene el dato de ``item``.

    Args:
        item: una pregunta de referencia (``pais``, ``pregunta``, ``respuesta``, ``alternativas``).
        train: los pares de la división ``train`` de finanzas.

    Returns:
        El ``id`` de ese par, o ``None`` si ninguno lo contiene.
    """
    forms = list(dict.fromkeys([item["respuesta"], *item["alternativas"]]))
    for pair in train:
        if pair["pais"] != item["pais"]:
            continue
        hits = [f for f in forms if _appears(f, pair["respuesta"])]
        if any(is_specific(f) for f in hits) or (hits and _topic(item["pregunta"], pair) >= TOPIC_MIN):
            return pair["id"]
    return None


def mark_seen(reference: Sequence[Mapping[str, Any]], train: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Devuelve las preguntas de referencia con ``seen_in_train`` recalculado.

    Args:
        reference: las preguntas de ``referencia.jsonl``.
        train: los pares de ``train.jsonl`` de finanzas.

    Returns:
        Copias de las preguntas, en el mismo orden, con ``seen_in_train`` según :func:`seen_by`.
    """
    return [{**item, "seen_in_train": seen_by(item, train) is not None} for item in reference]
