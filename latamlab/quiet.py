"""Silencia avisos y barras de las bibliotecas que cambian de una máquina a otra.

nbval compara la salida de los cuadernos (stderr incluido): un aviso que aparece solo en algunas
máquinas, o una barra de carga con tiempos distintos, rompería esa comparación.
"""

from __future__ import annotations

import logging
import os
import warnings

__all__ = ["quiet_libraries"]

# Mensajes conocidos e inofensivos; cada uno con su motivo.
_HARMLESS = [
    # bitsandbytes en CPU sin el paquete opcional `kernels`: usa su ruta propia, igual de correcta.
    ("ignore", r".*gemm_4bit_forward.*"),
    # Aviso de bitsandbytes cuando `gemv_4bit` no tiene kernel de autograd (ver `guard_cpu_4bit`).
    ("ignore", r".*gemv_4bit.*"),
]


def quiet_libraries() -> None:
    """Baja a ERROR los registros de transformers, bitsandbytes, datasets y del hub, y apaga sus barras."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for name in ("bitsandbytes", "transformers", "datasets", "huggingface_hub", "accelerate", "peft"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for action, pattern in _HARMLESS:
        warnings.filterwarnings(action, message=pattern)
    try:
        import transformers

        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    except ImportError:
        pass
    try:
        import datasets

        datasets.utils.logging.set_verbosity_error()
        datasets.disable_progress_bars()
    except ImportError:
        pass
