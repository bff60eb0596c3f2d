"""Caché de modelos preparados: escritura atómica y detección de carpetas a medio escribir.

Una carpeta solo cuenta como lista si tiene su marca ``latamlab_completo.json`` y cada archivo
registrado allí existe con el tamaño anotado. Se construye en una carpeta temporal que se renombra
al final, así que una interrupción nunca deja una carpeta "lista" a medias.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["ENV_CACHE", "MARKER", "cache_root", "model_dir", "is_complete", "building"]

ENV_CACHE = "LATAMLAB_CACHE"
MARKER = "latamlab_completo.json"


def cache_root() -> Path:
    """Carpeta raíz de la caché: ``LATAMLAB_CACHE`` o ``~/.cache/latamlab``."""
    return Path(os.environ.get(ENV_CACHE) or Path.home() / ".cache" / "latamlab").expanduser()


def model_dir(name: str) -> Path:
    """Carpeta donde vive el modelo preparado `name`."""
    return cache_root() / "modelos" / name


def is_complete(folder: Path) -> bool:
    """Dice si `folder` es una carpeta completa (marca presente y tamaños correctos)."""
    marker = folder / MARKER
    if not marker.is_file():
        return False
    try:
        files = json.loads(marker.read_text(encoding="utf-8"))["archivos"]
    except (ValueError, KeyError, OSError):
        return False
    return all((folder / rel).is_file() and (folder / rel).stat().st_size == size for rel, size in files.items())


def _write_marker(folder: Path, meta: dict) -> None:
    files = {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
    payload = {**meta, "archivos": files}
    (folder / MARKER).write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")


@contextmanager
def building(folder: Path, meta: dict | None = None) -> Iterator[Path]:
    """Construye `folder` de forma atómica.

    Entrega una carpeta temporal vacía; si el bloque termina bien, escribe la marca y la renombra
    como `folder` (reemplazando una versión dañada). Si falla o se interrumpe, borra lo temporal.

    Args:
        folder: carpeta final.
        meta: datos que se guardan en la marca (origen, versión…).
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        _write_marker(tmp, meta or {})
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
