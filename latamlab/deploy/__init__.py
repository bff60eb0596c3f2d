"""Despliegue (cuaderno 06): fusionar adaptadores (`merge`), GGUF con llama.cpp (`gguf`), la tabla medida de
formatos (`table`) y la poda por magnitud (`prune`).

Importar este paquete no carga torch ni llama.cpp: cada nombre se importa al usarse.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "merge_adapter": "latamlab.deploy.merge",
    "merge_gap": "latamlab.deploy.merge",
    "is_quantized": "latamlab.deploy.merge",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'latamlab.deploy' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
