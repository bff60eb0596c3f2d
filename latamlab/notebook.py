"""Preparación de un cuaderno en una sola llamada (primera celda de cada cuaderno)."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from latamlab.catalog import default_model_name
from latamlab.modes import ENV_MODE, resolve_mode
from latamlab.quiet import quiet_libraries

__all__ = ["setup", "seed_everything"]


def seed_everything(seed: int) -> None:
    """Fija las semillas de `random`, NumPy y PyTorch."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup(mode: str | None = None, seed: int = 0, quiet: bool = True) -> str:
    """Deja el cuaderno listo: modo, semillas, gráficos y salida silenciosa.

    Args:
        mode: ``gpu``, ``cpu`` o ``diminuto``; ``None`` lo lee de ``LATAMLAB_MODO`` (o lo deduce).
        seed: semilla para `random`, NumPy y PyTorch.
        quiet: silencia avisos y barras de las bibliotecas que varían entre máquinas.

    Returns:
        El modo en vigor.
    """
    chosen = resolve_mode(mode)
    os.environ[ENV_MODE] = chosen
    if quiet:
        quiet_libraries()
    seed_everything(seed)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})
    print(f"Modo: {chosen} · modelo por defecto: {default_model_name(chosen)} · semilla: {seed}")
    return chosen
