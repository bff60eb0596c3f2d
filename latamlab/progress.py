"""Barras de progreso que funcionan igual en una terminal y en un cuaderno."""

from __future__ import annotations

import os

from tqdm.auto import tqdm

__all__ = ["ENV_PROGRESS", "progress", "progress_enabled"]

ENV_PROGRESS = "LATAMLAB_PROGRESO"


def progress_enabled() -> bool:
    """``False`` si ``LATAMLAB_PROGRESO=0`` (así lo pone `setup` para que nbval compare salidas)."""
    return os.environ.get(ENV_PROGRESS, "1") != "0"


def progress(**kwargs) -> tqdm:
    """Crea una barra `tqdm` (widget en cuadernos, texto en terminal) que respeta ``LATAMLAB_PROGRESO``."""
    kwargs.setdefault("disable", not progress_enabled())
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(**kwargs)
