"""Cargadores de los conjuntos de datos del curso como ``datasets.Dataset`` / ``DatasetDict``.

Todo se lee de archivos locales (sin red) y de forma estricta: si una línea está mal, se
lanza ``DataError`` con archivo y línea y no se carga nada. Se usa desde el capítulo de
datos en adelante; :func:`format_variant_prompt` también la usa la tarea de lm-evaluation-harness
en ``data/variantes/lm_eval/``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict, Features, List, Value

from latamlab.errors import ConfigError, DataError, DataNotFoundError, DataProblem
from latamlab.data.jsonl import read_jsonl
from latamlab.data.schemas import FILES, PAISES, Schema, check_record

__all__ = [
    "ENV_VAR", "LETTERS", "data_root", "installed_data_root", "load_records", "load_finance", "load_finance_reference",
    "load_variants", "load_corpus", "load_parallel", "load_indigenous", "load_consumer", "format_variant_prompt",
]

#: Variable de entorno que cambia la carpeta de datos.
ENV_VAR = "LATAMLAB_DATOS"
#: Letras de las opciones en los enunciados de opción múltiple.
LETTERS = "ABCD"


def data_root(root: str | Path | None = None) -> Path:
    """Devuelve la carpeta de datos.

    Args:
        root: carpeta explícita; si es ``None`` se usa la variable ``LATAMLAB_DATOS`` y, si tampoco
            existe, la que trae el paquete instalado (``latamlab/course_data``, p. ej. en Colab) o, en
            un clon del repositorio (``make lab``), la carpeta ``data/`` junto al paquete.

    Returns:
        La ruta absoluta de la carpeta. Las tareas de lm-eval están en ``variantes/lm_eval/`` dentro de ella.

    Raises:
        DataNotFoundError: si no se da ``root``, no hay ``LATAMLAB_DATOS`` y no se encuentra ninguna de las dos.
    """
    if root is None:
        root = os.environ.get(ENV_VAR) or installed_data_root(Path(__file__).resolve().parents[1])
    return Path(root).expanduser().resolve()


def installed_data_root(package: Path) -> Path:
    """Busca los datos del curso junto a la carpeta del paquete ``latamlab``.

    Args:
        package: carpeta del paquete ``latamlab`` (la que contiene ``__init__.py``).

    Returns:
        ``package/course_data`` si existe (instalación normal, con los datos como datos del paquete);
        si no, ``data/`` al lado de ``package`` (clon del repositorio o instalación editable).

    Raises:
        DataNotFoundError: si no existe ninguna de las dos.
    """
    for candidate in (package / "course_data", package.parent / "data"):
        if (candidate / "finanzas").is_dir():
            return candidate
    raise DataNotFoundError(
        f"No encontré los datos del curso: busqué {package / 'course_data'} y {package.parent / 'data'}. "
        f"Reinstala el curso (en Colab, vuelve a ejecutar la primera celda) o define `{ENV_VAR}` con la "
        "carpeta de datos."
    )


def _features(schema: Schema) -> Features:
    kinds = {str: Value("string"), int: Value("int64"), bool: Value("bool"), list: List(Value("string"))}
    return Features({name: kinds[spec.kind] for name, spec in schema.fields.items()})


def load_records(path: str | Path, schema: Schema) -> list[dict[str, Any]]:
    """Lee un archivo JSON Lines y revisa cada línea contra su esquema.

    Args:
        path: archivo ``.jsonl``.
        schema: esquema de ``latamlab.schemas`` que debe cumplir cada línea.

    Returns:
        Los registros, en orden, con las claves en el orden del esquema.

    Raises:
        DataError: si el archivo falta, está vacío, no es UTF-8/NFC o una línea no cumple el
            esquema (campo que falta o sobra, tipo equivocado, índice fuera de rango...).
    """
    rows = []
    for record in read_jsonl(path):
        issues = check_record(schema, record.data)
        if issues:
            what, fix = issues[0]
            raise DataError(DataProblem(Path(path), record.line, what, fix))
        rows.append({name: record.data[name] for name in schema.fields})
    return rows


def _load_file(folder: str, name: str, root: str | Path | None) -> Dataset:
    schema = FILES[folder][name]
    rows = load_records(data_root(root) / folder / name, schema)
    return Dataset.from_list(rows, features=_features(schema))


def _load_splits(folder: str, splits: tuple[str, ...], root: str | Path | None) -> DatasetDict:
    loaded = {split: _load_file(folder, f"{split}.jsonl", root) for split in splits}
    return DatasetDict(loaded)


def load_finance(root: str | Path | None = None) -> DatasetDict:
    """Carga las instrucciones de finanzas personales con sus divisiones.

    Args:
        root: carpeta de datos (ver :func:`data_root`).

    Returns:
        ``DatasetDict`` con ``train``, ``validation`` y ``test``.

    Raises:
        DataError: si algún archivo falta o está mal formado.
    """
    return _load_splits("finanzas", ("train", "validation", "test"), root)


def load_finance_reference(root: str | Path | None = None) -> Dataset:
    """Carga las preguntas de referencia de finanzas (respuestas cortas de oro).

    Devuelve un ``Dataset`` con ``id``, ``pais``, ``tema``, ``pregunta``, ``respuesta``, ``alternativas``,
    ``fuente``, ``valid_as_of``, ``rule_in_flux`` y ``seen_in_train``.
    `root` y los errores (`DataError`), como en :func:`load_finance`.
    """
    return _load_file("finanzas", "referencia.jsonl", root)


def load_variants(root: str | Path | None = None) -> Dataset:
    """Carga las preguntas de opción múltiple sobre variantes del español.

    Devuelve un ``Dataset`` con todos los ítems (la división ``test`` de la tarea de evaluación); un
    ``respuesta`` fuera de 0..3 es un `DataError`.
    `root` y los errores (`DataError`), como en :func:`load_finance`.
    """
    return _load_file("variantes", "variantes.jsonl", root)


def load_corpus(root: str | Path | None = None) -> DatasetDict:
    """Carga el corpus de oraciones en español latinoamericano.

    Args:
        root: carpeta de datos (ver :func:`data_root`).

    Returns:
        ``DatasetDict`` con ``train`` y ``test``.

    Raises:
        DataError: si algún archivo falta o está mal formado.
    """
    return _load_splits("corpus", ("train", "test"), root)


def load_parallel(root: str | Path | None = None) -> Dataset:
    """Carga las oraciones paralelas español–portugués–inglés.

    Devuelve un ``Dataset`` con ``id``, ``tema``, ``es``, ``pt``, ``en``.
    `root` y los errores (`DataError`), como en :func:`load_finance`.
    """
    return _load_file("corpus", "paralelo.jsonl", root)


def load_indigenous(root: str | Path | None = None) -> Dataset:
    """Carga los textos en lenguas originarias con su glosa en español.

    Devuelve un ``Dataset`` con ``id``, ``lengua``, ``pais`` (lista), ``texto``, ``glosa_es``, ``fuente``.
    `root` y los errores (`DataError`), como en :func:`load_finance`.
    """
    return _load_file("corpus", "originarias.jsonl", root)


def format_variant_prompt(item: Mapping[str, Any], *, options: bool = True, answer: bool = False) -> str:
    """Escribe un ítem de variantes como enunciado para un modelo.

    Con ``options=True`` es opción múltiple (letras A–D, termina en ``"Respuesta:"``); con
    ``options=False`` es una pregunta abierta para la tarea generativa.

    Args:
        item: un ítem de :func:`load_variants` (necesita ``pais``, ``pregunta``, ``opciones``,
            ``respuesta``).
        options: si se listan las opciones con letras.
        answer: si se agrega la respuesta correcta al final (para ejemplos *few-shot* o para
            ajuste fino).

    Returns:
        El texto del enunciado.

    Raises:
        ConfigError: si ``item["opciones"]`` no tiene 4 elementos.
    """
    choices = list(item["opciones"])
    if len(choices) != len(LETTERS):
        raise ConfigError(f"`opciones` debe tener {len(LETTERS)} elementos; recibí {len(choices)}. "
                          f"Cada pregunta lleva una opción por letra ({', '.join(LETTERS)}).")
    country = PAISES.get(item["pais"], item["pais"])
    lines = [f"País: {country}", f"Pregunta: {item['pregunta']}"]
    if options:
        lines += [f"{letter}. {text}" for letter, text in zip(LETTERS, choices)]
    prompt = "\n".join(lines) + "\nRespuesta:"
    if answer:
        correct = item["respuesta"]
        prompt += f" {LETTERS[correct]}" if options else f" {choices[correct]}"
    return prompt


def load_consumer(root: str | Path | None = None) -> DatasetDict:
    """Carga las instrucciones de derechos del consumidor con sus divisiones (el segundo dominio).

    Sirve para entrenar el segundo adaptador y comparar dominios en el cuaderno 04.

    Args:
        root: carpeta de datos (ver :func:`data_root`).

    Returns:
        Las divisiones ``train``, ``validation`` y ``test`` de ``data/consumo`` con el esquema ``CONSUMO``.

    Raises:
        DataError: si falta uno de los tres archivos o una línea no cumple el esquema.
    """
    return _load_splits("consumo", ("train", "validation", "test"), root)

