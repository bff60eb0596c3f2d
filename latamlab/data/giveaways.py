"""Distractores que delatan la respuesta en los ítems de variantes (validador y ficha técnica).

Un distractor delata la respuesta si ninguna persona de América Latina lo elegiría: un modelo lo
descarta sin saber nada del país preguntado. Aquí se detectan dos clases, que el validador rechaza:

- **formas de vosotros** («sabéis», «tenéis», «venid», «sentaos», «vosotros», «os», «vuestra»): en
  América el plural es «ustedes», y las terminaciones ``-áis``/``-éis`` solo aparecen en el voseo del
  Zulia, donde son la **clave** de su ítem, nunca un distractor;
- **rellenos muertos**: formas inventadas o arcaicas que nadie usa («vusted», «voses», «vuecencia»,
  «vuestra merced») y palabras de otra lengua («morango», «chimarrão»).

Se presenta con los datos del curso (capítulo de datos) y la usa ``latamlab.data.schemas``.
"""

from __future__ import annotations

import re
from typing import Any

from latamlab.data.dedup import normalize

__all__ = ["DEAD_FILLERS", "vosotros_form", "dead_filler", "giveaway_issues"]

#: Rellenos muertos conocidos, ya normalizados (minúsculas, sin puntuación, con tildes).
DEAD_FILLERS: frozenset[str] = frozenset({
    "vusted", "voses", "vuesas", "vuesas mercedes", "vuestra merced", "vuestras mercedes", "sus mercedes",
    "vuecencia", "usía", "su señoría", "morango", "madroño", "chimarrão", "pamonha",
})
_PRONOUN = re.compile(r"\b(vosotr[oa]s|os|vuestr[oa]s?)\b")
_VERB = re.compile(r"\b(\w+(?:áis|éis|steis)|sois|vais|veis|dais)\b")
#: Imperativo de vosotros («venid», «mirad») o con «os» pegado («sentaos»); solo en opciones de una palabra
#: de gramática, porque «verdad» o «pared» también terminan así.
_IMPERATIVE = re.compile(r"\w+(?:ad|ed|id|aos|eos|íos)")
#: Letras y terminaciones del portugués (el guaraní también usa «ã» y «õ», así que no bastan solas).
_PORTUGUESE = re.compile(r"ç|ão\b|ões\b|inh[ao]s?\b")


def vosotros_form(option: str, grammar: bool = False) -> str | None:
    """Devuelve la forma de vosotros que contiene una opción, o ``None``.

    Args:
        option: texto de la opción.
        grammar: si el ítem es de gramática; entonces también cuenta un imperativo de una sola
            palabra («venid», «portaos»), salvo «usted» y sus variantes.

    Returns:
        La palabra encontrada, por ejemplo ``"sabéis"``; ``None`` si no hay ninguna.
    """
    text = normalize(option, keep_accents=True)
    found = _PRONOUN.search(text) or _VERB.search(text)
    if found:
        return found.group(0)
    if grammar and " " not in text and not text.endswith("usted") and _IMPERATIVE.fullmatch(text):
        return text
    return None


def dead_filler(option: str) -> str | None:
    """Devuelve el relleno muerto que es (o contiene, si es portugués) una opción, o ``None``.

    Args:
        option: texto de la opción.

    Returns:
        El texto normalizado del relleno; ``None`` si la opción es una forma viva del español.
    """
    text = normalize(option, keep_accents=True)
    if text in DEAD_FILLERS:
        return text
    found = _PORTUGUESE.search(text)
    return text if found else None


def giveaway_issues(item: dict[str, Any]) -> list[tuple[str, str]]:
    """Problemas ``(qué, arreglo)`` de los distractores de un ítem de variantes (la clave no se revisa).

    Args:
        item: un ítem con ``categoria``, ``opciones`` y ``respuesta`` válidos.

    Returns:
        Un problema por distractor que delata la respuesta; vacía si no hay ninguno.
    """
    issues = []
    grammar = item["categoria"] == "gramatica"
    for i, option in enumerate(item["opciones"]):
        if i == item["respuesta"]:
            continue
        if (form := vosotros_form(option, grammar)) is not None:
            issues.append((f"el distractor {option!r} usa la forma de vosotros «{form}», que ninguna respuesta "
                           "latinoamericana usaría: delata la respuesta",
                           "cámbialo por una forma que se use en algún país de la región y sea incorrecta aquí "
                           "(tuteo, voseo de otra zona, usted o ustedes, otro tiempo verbal)"))
        elif (filler := dead_filler(option)) is not None:
            issues.append((f"el distractor {option!r} es un relleno que nadie elegiría («{filler}»: forma inventada, "
                           "arcaica o de otra lengua)",
                           "cámbialo por una forma real que compita con la respuesta (la de otro país o región)"))
    return issues
