"""Distractores que delatan la respuesta en los ítems de variantes (validador y ficha técnica).

Un distractor delata la respuesta si ninguna persona de América Latina lo elegiría: un modelo lo
descarta sin saber nada del país preguntado. Aquí se detectan dos clases, que el validador rechaza:

- **formas de vosotros** («sabéis», «tenéis», «venid», «sentaos», «vosotros», «os», «vuestra»): en
  América el plural es «ustedes», y las terminaciones ``-áis``/``-éis`` solo aparecen en el voseo del
  Zulia, donde son la **clave** de su ítem, nunca un distractor;
- **rellenos muertos**: formas inventadas o arcaicas que nadie usa («vusted», «voses», «vuecencia»,
  «vuestra merced») y palabras de otra lengua («morango», «chimarrão», «avocado»).

Además hay pistas que no rechaza el esquema, pero que cuenta :func:`leak_report` (y el validador):

- **concordancia de número**: la clave es la única opción en plural y el enunciado pide plural;
- **respuesta en el enunciado**: las palabras de la clave están en la pregunta y las de los distractores no;
- **distractor comodín**: una opción que es distractor en muchos ítems y casi nunca clave («sumercé»);
- **aceptada en el enunciado**: una de ``respuestas_aceptadas`` repite una palabra de la pregunta.

Se presenta con los datos del curso (capítulo de datos) y la usa ``latamlab.data.schemas``.
"""

from __future__ import annotations

import re
from typing import Any

from latamlab.data.dedup import normalize

__all__ = ["DEAD_FILLERS", "PATTERNS", "EXCUSED", "vosotros_form", "dead_filler", "giveaway_issues",
           "number_leak", "answer_in_stem", "accepted_in_stem", "stock_distractors", "leak_report",
           "leak_counts"]

#: Rellenos muertos conocidos, ya normalizados (minúsculas, sin puntuación, con tildes).
DEAD_FILLERS: frozenset[str] = frozenset({
    "vusted", "voses", "vuesas", "vuesas mercedes", "vuestra merced", "vuestras mercedes", "sus mercedes",
    "vuecencia", "usía", "su señoría", "morango", "madroño", "chimarrão", "pamonha",
    # Palabras de otra lengua sin letras que las delaten: portugués e inglés.
    "abacate", "pipoca", "avocado", "popcorn", "strawberry", "peanut", "straw",
})
_PRONOUN = re.compile(r"\b(vosotr[oa]s|os|vuestr[oa]s?)\b")
_VERB = re.compile(r"\b(\w+(?:áis|éis|steis)|sois|vais|veis|dais)\b")
#: Imperativo de vosotros («venid», «mirad») o con «os» pegado («sentaos»); solo en opciones de una palabra
#: de gramática, porque «verdad» o «pared» también terminan así.
_IMPERATIVE = re.compile(r"\w+(?:ad|ed|id|aos|eos|íos)")
#: Letras y terminaciones del portugués (el guaraní también usa «ã» y «õ», así que no bastan solas).
_PORTUGUESE = re.compile(r"ç|[âêô]|ão\b|ões\b|inh[ao]s?\b")


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


#: Nombre de cada pista en los informes, en el orden en que se cuentan.
PATTERNS: dict[str, str] = {
    "numero": "concordancia de número", "enunciado": "respuesta en el enunciado",
    "comodin": "distractor comodín", "relleno": "relleno de otra lengua o inventado",
    "aceptada": "aceptada en el enunciado",
}
#: Excepciones justificadas: (pista, id) → por qué no delata la respuesta. Vacío mientras no haga falta.
EXCUSED: dict[tuple[str, str], str] = {}

#: Palabras vacías que no cuentan al comparar opción y enunciado.
_STOPWORDS = frozenset("el la los las un una unos unas de del a al en y o que con por para se su sus mi mis "
                       "lo le les es".split())
#: Verbo en tercera persona del plural («tienen», «vengan», «hicieron»), con enclítico o no («siéntense»).
_PLURAL_VERB = re.compile(r"\w\w+[aeoá]n(?:se|le|les|lo|la|los|las|nos|me)?")
#: Palabras del enunciado que piden plural: «ustedes», posesivo o cuantificador plural, grupo o clase.
_PLURAL_CUE = re.compile(r"\b(ustedes|sus|todos|todas|grupo|clase|niños|ellos|ellas)\b")


#: Terminaciones que derivan un nombre del pronombre: «voseo», «vosea», «ustedeo», «voseante».
_DERIVED = ("eo", "ea", "ear", "ean", "ante", "antes")


def _plain(text: str) -> str:
    return normalize(text)


def _words(text: str) -> list[str]:
    return normalize(text, keep_accents=True).split()


def _content(text: str) -> set[str]:
    return {w for w in _words(text) if _plain(w) not in _STOPWORDS}


def _same_word(a: str, b: str) -> bool:
    """Si dos palabras son la misma salvo tilde, género o número («jopará» y «jopara», «shuco» y «shuca») o si
    ``b`` es un derivado del pronombre ``a`` («vos» y «voseo»)."""
    def root(w: str) -> str:
        w = w[:-1] if len(w) > 4 and w.endswith("s") else w
        return w[:-1] if len(w) >= 4 and w[-1] in "aeiou" else w
    return (a == b or _plain(a) == _plain(b) or root(a) == root(b)
            or (len(a) >= 3 and b.startswith(a) and b[len(a):] in _DERIVED))


def _share(words: set[str], stem: list[str]) -> float:
    return sum(any(_same_word(w, s) for s in stem) for w in words) / len(words) if words else 0.0


def number_leak(item: dict[str, Any]) -> str | None:
    """Motivo, si la clave es la única opción en plural (una o dos palabras con un verbo en «-n»: «tienen», «se
    portaron») y el enunciado pide plural; si no, ``None``."""
    plural = [i for i, o in enumerate(item["opciones"])
              if len(words := _words(o)) <= 2 and any(_PLURAL_VERB.fullmatch(w) for w in words)]
    if plural != [item["respuesta"]] or not _PLURAL_CUE.search(normalize(item["pregunta"], keep_accents=True)):
        return None
    return (f"{item['id']}: la clave {item['opciones'][item['respuesta']]!r} es la única opción en plural y el "
            "enunciado pide plural; se acierta por concordancia, sin saber nada del país")


def answer_in_stem(item: dict[str, Any]) -> str | None:
    """Motivo, si la mitad o más de las palabras propias de la clave (las que no tiene otra opción) están en el
    enunciado y las de cada distractor en menor proporción; si no, ``None``."""
    stem = _words(item["pregunta"])
    words = [_content(o) for o in item["opciones"]]
    scores = [_share(w - set().union(*(v for j, v in enumerate(words) if j != i)), stem) for i, w in enumerate(words)]
    key = scores.pop(item["respuesta"])
    if key < 0.5 or key <= max(scores):
        return None
    return (f"{item['id']}: las palabras de la clave {item['opciones'][item['respuesta']]!r} ya están en el "
            "enunciado y las de los distractores no; se acierta copiando la pregunta")


def accepted_in_stem(item: dict[str, Any]) -> str | None:
    """Motivo, si una de ``respuestas_aceptadas`` distinta de la clave está seguida en la pregunta (salvo tilde,
    género o número: «shuca» en «¿qué significa «shuco»?»); si no, ``None``."""
    stem = _words(item["pregunta"])
    key = normalize(item["opciones"][item["respuesta"]], keep_accents=True)
    for answer in item["respuestas_aceptadas"]:
        words = _words(answer)
        if not words or " ".join(words) == key:
            continue
        if any(all(_same_word(w, s) for w, s in zip(words, stem[i:i + len(words)]))
               for i in range(len(stem) - len(words) + 1)):
            return (f"{item['id']}: `respuestas_aceptadas` acepta {answer!r}, que repite el enunciado; la tarea "
                    "generativa da por buena una copia de la pregunta")
    return None


def stock_distractors(items: list[dict[str, Any]], min_items: int = 10, max_key_share: float = 0.1
                      ) -> dict[str, list[str]]:
    """Opciones que son distractor en ``min_items`` ítems o más y clave en menos de ``max_key_share`` de sus apariciones.

    Args:
        items: todos los ítems del archivo (la pista es de archivo entero, no de un ítem).
        min_items: cuántos ítems como distractor hacen falta para que se reconozca.
        max_key_share: fracción de apariciones como clave por debajo de la cual «nunca es la respuesta».

    Returns:
        Opción normalizada → ids de los ítems donde es distractor; vacío si no hay ninguna.
    """
    wrong: dict[str, list[str]] = {}
    keys: dict[str, int] = {}
    for item in items:
        for i, option in enumerate(item["opciones"]):
            text = normalize(option, keep_accents=True)
            if i == item["respuesta"]:
                keys[text] = keys.get(text, 0) + 1
            else:
                wrong.setdefault(text, []).append(item["id"])
    return {text: ids for text, ids in wrong.items()
            if len(ids) >= min_items and keys.get(text, 0) < max_key_share * (len(ids) + keys.get(text, 0))}


def leak_report(items: list[dict[str, Any]], excused: dict[tuple[str, str], str] | None = None
                ) -> dict[str, list[str]]:
    """Pistas que delatan la respuesta en todo el archivo: clave de :data:`PATTERNS` → motivos (uno por ítem).

    Args:
        items: los ítems de variantes, ya válidos según el esquema.
        excused: excepciones ``(pista, id)`` que no se cuentan; ``None`` usa :data:`EXCUSED`.

    Returns:
        Para cada pista, la lista de motivos en español, cada uno con el id del ítem.
    """
    excused = EXCUSED if excused is None else excused
    report: dict[str, list[str]] = {name: [] for name in PATTERNS}
    checks = {"numero": number_leak, "enunciado": answer_in_stem, "aceptada": accepted_in_stem}
    stock = stock_distractors(items)
    for item in items:
        found = {name: check(item) for name, check in checks.items()}
        fillers = [o for i, o in enumerate(item["opciones"]) if i != item["respuesta"] and dead_filler(o)]
        found["relleno"] = f"{item['id']}: relleno que nadie elegiría: {fillers!r}" if fillers else None
        common = [t for t, ids in stock.items() if item["id"] in ids]
        found["comodin"] = (f"{item['id']}: el distractor {common[0]!r} se repite en {len(stock[common[0]])} ítems "
                            "y casi nunca es la clave; se descarta sin saber nada del país") if common else None
        for name, reason in found.items():
            if reason and (name, item["id"]) not in excused:
                report[name].append(reason)
    return report


def leak_counts(report: dict[str, list[str]]) -> str:
    """Una línea con cuántos ítems tiene cada pista, por ejemplo ``"concordancia de número 0, …"``."""
    return ", ".join(f"{PATTERNS[name]} {len(reasons)}" for name, reasons in report.items())
