"""Líneas base de opción múltiple que no miran la pregunta (validador y fichas técnicas).

Si elegir siempre la opción más larga acierta mucho más que el azar (25 %), las opciones delatan la
respuesta. El validador exige ≤ 35 %; la ficha de variantes (``data/variantes/README.md``) publica estas
cifras y el cuaderno 05 las compara con la exactitud de un modelo.

La línea base «descarta la opción de otro país» imita a quien sabe qué palabras son de qué país, pero no
la respuesta: descarta las opciones que son la respuesta correcta de otro país y elige al azar entre las
que quedan. Mide cuánto se puede acertar por eliminación, no por conocer el uso del país preguntado.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from latamlab.data.dedup import normalize

__all__ = ["option_length_accuracy", "longest_option_accuracy", "other_country_options",
           "other_country_accuracy"]


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


def _answers(item: dict[str, Any]) -> set[str]:
    """La opción correcta y las ``respuestas_aceptadas`` de un ítem, normalizadas con tildes."""
    forms = [item["opciones"][item["respuesta"]], *item["respuestas_aceptadas"]]
    return {normalize(f, keep_accents=True) for f in forms}


def other_country_options(items: Sequence[dict[str, Any]]) -> list[set[int]]:
    """Índices de las opciones «de otro país» de cada ítem.

    Regla (reproducible, sin mirar la clave del propio ítem): una opción de un ítem del país P y la
    categoría C es «de otro país» si, normalizada (minúsculas, sin puntuación, con tildes), es la respuesta
    correcta o una respuesta aceptada de algún ítem de la misma categoría C de **otro** país, y de ningún
    ítem de C del país P. Así «guagua» en una pregunta de Argentina se descarta porque es la clave de un
    ítem de léxico de Cuba, y «vos» en una pregunta de Guatemala no, porque también es la clave de un ítem
    de gramática de Guatemala. La clave del ítem nunca es «de otro país»: es la respuesta de este ítem.

    Args:
        items: ítems de variantes (todo el archivo: la regla cruza ítems).

    Returns:
        Una lista paralela a ``items`` con el conjunto de índices descartables de cada uno.
    """
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)  # (categoría, forma) → países
    for item in items:
        for form in _answers(item):
            owners[item["categoria"], form].add(item["pais"])
    out = []
    for item in items:
        countries = [owners.get((item["categoria"], normalize(o, keep_accents=True)), set())
                     for o in item["opciones"]]
        out.append({i for i, found in enumerate(countries) if found and item["pais"] not in found})
    return out


def other_country_accuracy(items: Sequence[dict[str, Any]]) -> float:
    """Exactitud de «descarta las opciones de otro país y elige al azar entre las que quedan».

    Las opciones descartables las da :func:`other_country_options`. La correcta nunca se descarta (es la
    respuesta de este ítem, del propio país), así que el ítem suma ``1/k`` con ``k`` las opciones que
    quedan: 1 si los tres distractores son de otro país, 1/4 si ninguno lo es.

    Args:
        items: ítems de variantes con ``pais``, ``categoria``, ``opciones``, ``respuesta`` y
            ``respuestas_aceptadas``.

    Returns:
        La exactitud esperada entre 0 y 1 (0.0 si no hay ítems).
    """
    if not items:
        return 0.0
    total = 0.0
    for item, dropped in zip(items, other_country_options(items)):
        kept = [i for i in range(len(item["opciones"])) if i not in dropped]
        total += (item["respuesta"] in kept) / len(kept)
    return total / len(items)
