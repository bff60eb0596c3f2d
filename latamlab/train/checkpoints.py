"""Puntos de control: cuál es el último *completo* de una carpeta, para continuar tras una desconexión.

`Trainer` escribe en ``checkpoint-N/`` el adaptador, el optimizador, el calendario, los estados
aleatorios y, al final, ``trainer_state.json``. Si la sesión se corta a mitad (Colab se desconecta, el
proceso muere), la carpeta queda a medias: le falta un archivo o uno está truncado. Aquí se detecta y
se salta con un aviso; nunca se borra nada de la carpeta del usuario.
"""

from __future__ import annotations

import json
import re
import struct
import warnings
import zipfile
from pathlib import Path

from latamlab.errors import ConfigError

__all__ = ["REQUIRED", "checkpoint_problem", "latest_complete_checkpoint", "IncompleteCheckpointWarning"]

#: Archivos que debe tener un punto de control LoRA completo (``trainer_state.json`` se escribe el último).
#: Con varios procesos (DDP), en vez de ``rng_state.pth`` hay uno por proceso: ``rng_state_0.pth``, ``rng_state_1.pth``…
REQUIRED = ("adapter_config.json", "adapter_model.safetensors", "optimizer.pt", "scheduler.pt", "rng_state.pth",
            "trainer_state.json")
_NAME = re.compile(r"^checkpoint-(\d+)$")
_RNG = "rng_state.pth"


class IncompleteCheckpointWarning(UserWarning):
    """Un punto de control a medias se saltó al continuar un entrenamiento."""


def _safetensors_ok(path: Path) -> bool:
    """¿El archivo tiene todos los bytes que declara su encabezado?"""
    size = path.stat().st_size
    with path.open("rb") as f:
        raw = f.read(8)
        if len(raw) < 8:
            return False
        (header_len,) = struct.unpack("<Q", raw)
        if 8 + header_len > size:
            return False
        try:
            header = json.loads(f.read(header_len))
        except ValueError:
            return False
    ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"]
    return 8 + header_len + max(ends, default=0) == size


def _zip_ok(path: Path) -> bool:
    """¿Se lee el índice del zip que escribe `torch.save`? Un archivo truncado pierde el índice del final."""
    try:
        with zipfile.ZipFile(path) as z:
            return bool(z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def _rng_files(folder: Path) -> list[str]:
    """``rng_state.pth`` (un proceso) o ``rng_state_0.pth`` … ``rng_state_{N-1}.pth`` (N procesos), si están todos."""
    if (folder / _RNG).is_file():
        return [_RNG]
    tails = (p.stem.rsplit("_", 1)[1] for p in folder.glob("rng_state_*.pth"))
    found = sorted(int(t) for t in tails if t.isdigit())
    return [f"rng_state_{i}.pth" for i in found] if found and found == list(range(len(found))) else []


def checkpoint_problem(folder: Path) -> str | None:
    """Qué le falta a `folder` para ser un punto de control completo, o ``None`` si está completo."""
    rng = _rng_files(folder)
    for name in REQUIRED:
        if not (folder / name).is_file() and not (name == _RNG and rng):
            return f"falta {name}"
    if not _safetensors_ok(folder / "adapter_model.safetensors"):
        return "adapter_model.safetensors está truncado"
    for name in ("optimizer.pt", "scheduler.pt", *rng):
        if not _zip_ok(folder / name):
            return f"{name} está truncado"
    try:
        step = json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))["global_step"]
    except (ValueError, KeyError):
        return "trainer_state.json está incompleto"
    if f"checkpoint-{step}" != folder.name:
        return f"trainer_state.json dice el paso {step}"
    return None


def latest_complete_checkpoint(output_dir: str | Path) -> Path:
    """El punto de control completo con más pasos en `output_dir`; avisa por cada uno a medias que salta.

    Raises:
        ConfigError: si no hay ninguno completo (para empezar de cero, quita `resume`).
    """
    output_dir = Path(output_dir)
    found = sorted((int(m.group(1)), p) for p in (output_dir.iterdir() if output_dir.is_dir() else [])
                   if p.is_dir() and (m := _NAME.match(p.name)))
    for _, folder in reversed(found):
        problem = checkpoint_problem(folder)
        if problem is None:
            return folder
        warnings.warn(f"Salto {folder.name}: está a medias ({problem}); probablemente la sesión se cortó mientras "
                      "se guardaba. No lo borro; uso el anterior.", IncompleteCheckpointWarning, stacklevel=2)
    what = f"ninguno de los {len(found)} puntos de control está completo" if found else "no hay puntos de control"
    raise ConfigError(f"Pediste `resume` pero en {output_dir} {what}. Revisa `output_dir` o quita `resume` "
                      "para empezar de cero.")
