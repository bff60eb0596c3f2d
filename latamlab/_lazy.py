"""Exportaciones perezosas: un paquete ofrece nombres que se importan la primera vez que se usan.

Así ``import latamlab`` (y sus subpaquetes) no carga torch, transformers ni llama.cpp hasta que un
cuaderno pide algo que los necesita.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` y `__dir__` para el módulo `package` (PEP 562).

    Args:
        package: ``__name__`` del módulo que exporta.
        exports: nombre exportado → módulo donde vive. Cada nombre se guarda en el módulo al resolverlo.

    Returns:
        ``(__getattr__, __dir__)``, para asignarlos en el módulo.
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        if name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(namespace.get("__all__", exports))

    return __getattr__, __dir__
