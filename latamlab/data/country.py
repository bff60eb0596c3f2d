"""El corpus de un país para el proyecto final (cuaderno 08): sus oraciones y las explicaciones de sus ítems.

El proyecto adapta un modelo al español de un país con dos fuentes del curso: las oraciones de ese país en
``data/corpus`` y las **explicaciones** (``explicacion``) de sus ítems de ``data/variantes``. Nunca entran las
preguntas ni las opciones del banco: el modelo se evalúa después con ellas, y entrenar con el examen lo
dejaría sin medir nada. :func:`find_leaks` lo comprueba (y ``tests/test_country.py`` lo exige para cada país).

Cada ejemplo es una conversación ``{instruccion, respuesta}`` como las de finanzas, para `latamlab.train.train`:
la instrucción pide una oración o un rasgo del español del país y la respuesta es el texto del corpus.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latamlab.errors import ConfigError

if TYPE_CHECKING:
    from latamlab.train.config import TrainConfig

__all__ = ["SOURCES", "country_name", "country_corpus", "find_leaks", "write_country_dataset", "steps_for_epochs"]

#: De dónde sale cada ejemplo: una oración del corpus o la explicación de un ítem del banco.
SOURCES = ("oracion", "explicacion")

_SENTENCE = "Escribe una oración de tipo {registro} en el español de {pais}."
_EXPLANATION = "Cuéntame un rasgo del español de {pais} ({categoria})."
_CATEGORIES = {"lexico": "léxico", "gramatica": "gramática", "expresiones": "expresiones",
               "prestamos": "préstamos de lenguas indígenas"}
_REGISTERS = {"noticias": "noticia", "finanzas": "finanzas", "conversacional": "conversación",
              "academico": "texto académico"}


def country_name(country: str, items: Iterable[Mapping[str, Any]] | None = None) -> str:
    """El nombre en español de un país del banco (``"CO"`` → ``"Colombia"``).

    `items` son las preguntas del banco, si ya las cargaste (si no, se cargan aquí).

    Raises:
        ConfigError: si `country` no es un país con ítems en ``data/variantes``.
    """
    from latamlab.config import closest
    from latamlab.data.loaders import load_variants
    from latamlab.data.schemas import PAISES

    countries = sorted({item["pais"] for item in (load_variants() if items is None else items)})
    code = country.upper() if isinstance(country, str) else country
    if code not in countries:
        raise ConfigError(f"`country` debe ser un código de país del banco ({', '.join(countries)}); recibí "
                          f"{country!r}.{closest(str(country).upper(), countries)}")
    return PAISES[code]


def country_corpus(country: str, root: str | Path | None = None) -> dict[str, list]:
    """Los ejemplos de chat del país: ``train`` (oraciones de ``train`` + explicaciones) y ``validation``.

    Antes de devolverlos los pasa por :func:`find_leaks` contra **todo** el banco (los otros países también se
    evalúan) y deja fuera cada ejemplo que filtra un ítem: por ejemplo, una explicación que comenta las cuatro
    opciones («"che" es rioplatense, "pana" venezolano…») o una oración casi igual a una pregunta.

    Args:
        country: código del país en el banco (``"CO"``; también se acepta en minúsculas).
        root: carpeta de datos; por defecto la del curso (`latamlab.data.loaders.data_root`).

    Returns:
        ``{"train": [...], "validation": [...], "excluded": [...]}``; cada ejemplo tiene ``id``, ``pais``,
        ``fuente`` (una de :data:`SOURCES`), ``instruccion`` y ``respuesta``. ``validation`` son las oraciones de
        la división ``test`` del corpus, que el modelo no ve al entrenar; ``excluded``, las filtraciones que se
        quitaron, como las da :func:`find_leaks`.

    Raises:
        ConfigError: si `country` no está en el banco.
    """
    from latamlab.data.loaders import load_corpus, load_variants

    items = list(load_variants(root))
    name = country_name(country, items)
    code = country.upper()
    corpus = load_corpus(root)

    def sentences(split: str) -> list[dict[str, Any]]:
        return [{"id": r["id"], "pais": code, "fuente": "oracion", "respuesta": r["texto"],
                 "instruccion": _SENTENCE.format(registro=_REGISTERS[r["registro"]], pais=name)}
                for r in corpus[split] if r["pais"] == code]

    explanations = [{"id": f"exp-{it['id']}", "pais": code, "fuente": "explicacion", "respuesta": it["explicacion"],
                     "instruccion": _EXPLANATION.format(pais=name, categoria=_CATEGORIES[it["categoria"]])}
                    for it in items if it["pais"] == code]
    splits = {"train": sentences("train") + explanations, "validation": sentences("test")}
    excluded = find_leaks(splits["train"] + splits["validation"], items)
    dropped = {example_id for example_id, _, _ in excluded}
    return {**{name: [e for e in rows if e["id"] not in dropped] for name, rows in splits.items()},
            "excluded": excluded}


def _option_block(item: Mapping[str, Any]) -> str:
    """Las opciones del ítem como las ve el modelo en la tarea de opción múltiple («A. …» a «D. …»)."""
    from latamlab.data.loaders import format_variant_prompt

    prompt = format_variant_prompt(item, options=True)
    return prompt.split("\n", 2)[2].rsplit("\nRespuesta:", 1)[0]


def find_leaks(examples: Iterable[Mapping[str, Any]], items: Iterable[Mapping[str, Any]],
               threshold: float | None = None) -> list[tuple[str, str, str]]:
    """Busca texto del banco (preguntas u opciones) dentro de los ejemplos de entrenamiento.

    Un ejemplo filtra un ítem si su instrucción o su respuesta, normalizadas (`latamlab.data.dedup.normalize`):
    contienen la pregunta del ítem; son casi duplicadas de ella (similitud de trigramas ≥ `threshold`, la de
    `latamlab.data.dedup.THRESHOLD` si no la das); o contienen las cuatro opciones del ítem, con o sin las
    letras. Una opción suelta sí puede aparecer: la explicación de un ítem nombra su respuesta, y eso es lo que
    el proyecto quiere enseñar.

    Returns:
        Tuplas ``(id del ejemplo, id del ítem, qué filtró)``; vacía si no hay filtraciones.
    """
    from latamlab.data.dedup import THRESHOLD, cross_pairs, normalize

    examples = list(examples)
    items = list(items)
    texts = [f"{e['instruccion']}\n{e['respuesta']}" for e in examples]
    normalized = [f" {normalize(t)} " for t in texts]
    everything = "\n".join(normalized)  # un primer filtro rápido: casi ningún ítem aparece en ninguna parte
    leaks: list[tuple[str, str, str]] = []
    for item in items:
        question = normalize(item["pregunta"])
        block = normalize(_option_block(item))
        options = [normalize(o) for o in item["opciones"]]
        if question not in everything and not all(f" {o} " in everything for o in options):
            continue
        for example, text in zip(examples, normalized):
            if question and question in text:
                leaks.append((example["id"], item["id"], "pregunta"))
            elif block in text or all(f" {o} " in text for o in options):
                leaks.append((example["id"], item["id"], "opciones"))
    found = {(e, i) for e, i, _ in leaks}
    instructions = list(dict.fromkeys(e["instruccion"] for e in examples))  # unas pocas plantillas, no una por ejemplo
    owners = {text: [k for k, e in enumerate(examples) if e["instruccion"] == text] for text in instructions}
    questions = [it["pregunta"] for it in items]
    limit = THRESHOLD if threshold is None else threshold
    pairs = [(i, j, score) for i, j, score in cross_pairs([e["respuesta"] for e in examples], questions, limit)]
    pairs += [(k, j, score) for i, j, score in cross_pairs(instructions, questions, limit) for k in owners[instructions[i]]]
    for i, j, score in pairs:
        key = (examples[i]["id"], items[j]["id"])
        if key not in found:
            found.add(key)
            leaks.append((*key, f"casi duplicado de la pregunta ({score:.2f})"))
    return leaks


def write_country_dataset(corpus: Mapping[str, Sequence[Mapping[str, Any]]], folder: str | Path) -> Path:
    """Escribe ``train.jsonl`` y ``validation.jsonl`` en `folder`, la carpeta que recibe ``TrainConfig.dataset``.

    Returns:
        La carpeta, ya creada.
    """
    from latamlab.data.jsonl import write_jsonl

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for split in ("train", "validation"):
        write_jsonl(folder / f"{split}.jsonl", corpus[split])
    return folder


def steps_for_epochs(n_examples: int, config: "TrainConfig", epochs: float = 2.0) -> int:
    """Pasos de entrenamiento para recorrer ≈ `epochs` veces los ejemplos de un conjunto con la receta `config`
    (cuaderno 08).

    Con pocos datos, un número fijo de pasos pensado para un conjunto grande repite cada ejemplo decenas de veces
    (el preset `t4`: 200 pasos × 16 ejemplos son ≈ 28 épocas sobre ≈ 110 ejemplos) y el adaptador los memoriza.

    Args:
        n_examples: ejemplos de entrenamiento (si `config.max_train_examples` es menor, se usa ese).
        config: la receta; un paso procesa ``per_device_train_batch_size × gradient_accumulation_steps`` ejemplos.
        epochs: pasadas por los datos; entre 2 y 3 es lo habitual en un ajuste fino corto.

    Returns:
        Al menos 1 paso.

    Raises:
        ConfigError: si `n_examples` o `epochs` no son positivos.
    """
    if n_examples < 1 or epochs <= 0:
        raise ConfigError(f"`n_examples` y `epochs` deben ser positivos; recibí {n_examples} y {epochs}.")
    used = min(n_examples, config.max_train_examples or n_examples)
    per_step = config.per_device_train_batch_size * config.gradient_accumulation_steps
    return max(1, round(epochs * used / per_step))
