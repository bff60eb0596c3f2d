"""¿Hay acceso al hub de modelos? Se decide una vez por sesión."""

from __future__ import annotations

import os
import socket
from functools import lru_cache

__all__ = ["HUB_HOST", "is_offline"]

HUB_HOST = "huggingface.co"


@lru_cache(maxsize=1)
def is_offline() -> bool:
    """``True`` si ``HF_HUB_OFFLINE=1`` o si el hub no responde en 2 segundos."""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return True
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=2):
            return False
    except OSError:
        return True
