"""Lectura estricta y escritura atómica de JSON Lines (UTF-8, NFC, un objeto por línea).

Lo usan los cargadores de ``latamlab.data``, el validador de ``latamlab.validate`` y el
script ``scripts/construir_datos.py``; se explica en el capítulo de datos del curso.
"""

from __future__ import annotations

import json
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from latamlab.errors import DataError, DataProblem

__all__ = ["Record", "scan_jsonl", "read_jsonl", "write_jsonl", "to_nfc"]


@dataclass(frozen=True)
class Record:
    """Un objeto JSON leído de un archivo, con su número de línea.

    Args:
        line: número de línea (1 en adelante) dentro del archivo.
        data: el objeto JSON ya decodificado.
    """

    line: int
    data: dict[str, Any]


class _DuplicateKey(ValueError):
    """Un objeto JSON repite una clave."""


#: Mensajes del módulo ``json`` traducidos (los demás se muestran tal cual).
_JSON_MESSAGES = {
    "Expecting value": "se esperaba un valor",
    "Unterminated string starting at": "un texto abre comillas y no las cierra",
    "Expecting ',' delimiter": "falta una coma",
    "Expecting ':' delimiter": "faltan los dos puntos después de una clave",
    "Expecting property name enclosed in double quotes": "las claves van entre comillas dobles",
    "Extra data": "sobra texto después del objeto",
    "Invalid control character at": "hay un salto de línea o tabulador sin escapar dentro de un texto",
    "Invalid \\escape": "hay una barra invertida \\ que no forma un escape válido",
}


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _first_non_nfc(value: Any) -> str | None:
    """Devuelve la primera cadena (clave o valor) que no está en NFC, o ``None``."""
    if isinstance(value, str):
        return None if unicodedata.is_normalized("NFC", value) else value
    if isinstance(value, Mapping):
        for key, item in value.items():
            bad = _first_non_nfc(key) or _first_non_nfc(item)
            if bad is not None:
                return bad
    if isinstance(value, list):
        for item in value:
            bad = _first_non_nfc(item)
            if bad is not None:
                return bad
    return None


def _parse_line(path: Path, number: int, raw: bytes) -> Record | DataProblem | None:
    """Decodifica una línea; devuelve el registro, un problema o ``None`` si es el final vacío."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 4].hex(" ")
        return DataProblem(path, number, f"bytes que no son UTF-8 en el byte {exc.start + 1} de la línea ({bad})",
                           "guarda el archivo como UTF-8 (en tu editor: «Guardar con codificación UTF-8»)")
    if number == 1 and text.startswith("\ufeff"):
        return DataProblem(path, number, "el archivo empieza con una marca BOM",
                           "guárdalo como UTF-8 sin BOM")
    if not text.strip():
        return DataProblem(path, number, "línea vacía en medio del archivo",
                           "borra la línea: cada línea debe ser un objeto JSON")
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        return DataProblem(path, number, f"la clave `{exc}` aparece dos veces en el objeto",
                           "deja una sola vez cada clave")
    except json.JSONDecodeError as exc:
        return DataProblem(path, number, f"JSON inválido en la columna {exc.colno}: "
                           f"{_JSON_MESSAGES.get(exc.msg, exc.msg)}",
                           "corrige la línea para que sea un objeto JSON completo en una sola línea")
    if not isinstance(data, dict):
        return DataProblem(path, number, f"se esperaba un objeto JSON {{...}}; recibí {type(data).__name__}",
                           "escribe un objeto por línea, con sus claves entre llaves")
    bad = _first_non_nfc(data)
    if bad is not None:
        return DataProblem(path, number, f"texto que no está en Unicode NFC: {bad[:40]!r}",
                           "normaliza a NFC, por ejemplo con `latamlab.jsonl.write_jsonl`")
    return Record(number, data)


def scan_jsonl(path: str | Path) -> tuple[list[Record], list[DataProblem]]:
    """Lee un archivo JSON Lines y reúne todos sus problemas sin detenerse en el primero.

    Args:
        path: archivo ``.jsonl`` que se va a leer.

    Returns:
        Los registros válidos (con su línea) y la lista de problemas encontrados:
        archivo inexistente o vacío, bytes que no son UTF-8, BOM, líneas vacías,
        JSON inválido, claves repetidas, líneas que no son objetos y texto fuera de NFC.
    """
    path = Path(path)
    if not path.is_file():
        return [], [DataProblem(path, None, "el archivo no existe",
                                "créalo o revisa la ruta (por ejemplo con `LATAMLAB_DATOS`)")]
    content = path.read_bytes()
    if not content.strip():
        return [], [DataProblem(path, None, "el archivo está vacío",
                                "agrega al menos un objeto JSON por línea")]
    lines = content.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    records: list[Record] = []
    problems: list[DataProblem] = []
    for number, raw in enumerate(lines, start=1):
        result = _parse_line(path, number, raw.removesuffix(b"\r"))
        if isinstance(result, Record):
            records.append(result)
        elif result is not None:
            problems.append(result)
    return records, problems


def read_jsonl(path: str | Path) -> list[Record]:
    """Lee un archivo JSON Lines de forma estricta: o todo está bien, o nada se carga.

    Args:
        path: archivo ``.jsonl`` que se va a leer.

    Returns:
        Los registros, en orden, cada uno con su número de línea.

    Raises:
        DataError: con el primer problema del archivo (nombra archivo y línea).
    """
    records, problems = scan_jsonl(path)
    if problems:
        raise DataError(problems[0])
    return records


def to_nfc(value: Any) -> Any:
    """Normaliza a NFC todas las cadenas de un valor JSON (claves incluidas).

    Args:
        value: cadena, número, lista o diccionario anidados.

    Returns:
        Una copia con cada cadena en forma NFC.
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, Mapping):
        return {to_nfc(k): to_nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_nfc(v) for v in value]
    return value


def write_jsonl(path: str | Path, rows: Iterable[Mapping[str, Any]]) -> int:
    """Escribe objetos como JSON Lines UTF-8 en NFC, de forma atómica.

    Escribe primero a un archivo temporal en la misma carpeta y luego lo renombra con
    ``os.replace``: si algo falla a mitad de camino, el archivo anterior queda intacto.

    Args:
        path: archivo de destino; su carpeta se crea si no existe.
        rows: objetos que se escriben, uno por línea, en el orden recibido.

    Returns:
        El número de líneas escritas.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as tmp:
            for row in rows:
                tmp.write(json.dumps(to_nfc(dict(row)), ensure_ascii=False) + "\n")
                count += 1
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return count
