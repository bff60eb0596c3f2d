"""Modos del curso: el mismo cuaderno corre en una GPU de Colab o sin internet en una CPU.

Una sola variable, ``LATAMLAB_MODO``, elige el modo (y con él el modelo por defecto):

- ``gpu``: un modelo real del hub que cabe en una T4 gratuita.
- ``cpu``: SmolLM2-135M-Instruct, que viene en un paquete de PyPI y funciona sin internet.
- ``diminuto``: modelos diminutos construidos aquí en segundos (para pruebas).

Se enseña en el cuaderno 00.
"""

from __future__ import annotations

import os
from typing import Literal, get_args

import torch

from latamlab.errors import ConfigError

__all__ = ["Mode", "MODES", "ENV_MODE", "resolve_mode"]

Mode = Literal["gpu", "cpu", "diminuto"]
MODES: tuple[str, ...] = get_args(Mode)
ENV_MODE = "LATAMLAB_MODO"


def resolve_mode(mode: str | None = None) -> Mode:
    """Decide el modo en vigor.

    Args:
        mode: modo pedido explícitamente; si es ``None`` se lee ``LATAMLAB_MODO`` y, si tampoco
            está, se usa ``gpu`` cuando hay CUDA y ``cpu`` en otro caso.

    Returns:
        El modo elegido.

    Raises:
        ConfigError: si el modo no es uno de gpu, cpu, diminuto.
    """
    source = "`mode`"
    if mode is None:
        mode = os.environ.get(ENV_MODE) or None
        source = f"`{ENV_MODE}`"
    if mode is None:
        return "gpu" if torch.cuda.is_available() else "cpu"
    value = mode.strip().lower()
    if value not in MODES:
        raise ConfigError(
            f"{source} debe ser uno de {', '.join(MODES)}; recibí {mode!r}. "
            f"Ejemplo: export {ENV_MODE}=cpu"
        )
    return value  # type: ignore[return-value]
