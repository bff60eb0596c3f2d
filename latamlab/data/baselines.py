"""Líneas base de opción múltiple que no miran la pregunta (validador y fichas técnicas).

Si elegir siempre la opción más larga acierta mucho más que el azar (25 %), las opciones delatan la
respuesta. El validador exige ≤ 35 %; la ficha de variantes publica estas cifras.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["option_length_accuracy", "longest_option_accuracy"]


def option_length_accuracy(items: Sequence[dict[str, Any]], pick: Callable[[list[int]], int] = max) -> float:
    """Exactitud de la línea base «elige siempre la opción de largo `pick`» (empates: crédito 1/k).

    Args:
        items: ítems de variantes con ``opciones`` y ``respuesta``.
        pick: ``max`` para la opción más larga, ``min`` para la más corta.

    Returns:
        La exactitud esperada entre 0 y 1 (0.0 si no hay ítems).
    """
    if not items:
        return 0.0
    total = 0.0
    for item in items:
        lengths = [len(o) for o in item["opciones"]]
        chosen = [i for i, n in enumerate(lengths) if n == pick(lengths)]
        total += (item["respuesta"] in chosen) / len(chosen)
    return total / len(items)


def longest_option_accuracy(items: Sequence[dict[str, Any]]) -> float:
    """Exactitud de «elige siempre la opción más larga» (la que el issue limita a ≤ 35 %)."""
    return option_length_accuracy(items, max)
