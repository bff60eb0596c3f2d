"""Silencia avisos y barras de las bibliotecas que cambian de una máquina a otra.

nbval compara la salida de los cuadernos (stderr incluido): un aviso que aparece solo en algunas
máquinas, o una barra de carga con tiempos distintos, rompería esa comparación.
"""

from __future__ import annotations

import logging
import os

__all__ = ["quiet_libraries"]


def quiet_libraries() -> None:
    """Baja a ERROR los registros de transformers, bitsandbytes, datasets y del hub, y apaga sus barras."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # bitsandbytes en CPU sin el paquete opcional `kernels` avisa al importarse ("Failed to load CPU
    # gemm_4bit_forward"); es inofensivo (usa su ruta propia) y por eso se baja su registro a ERROR.
    for name in ("bitsandbytes", "transformers", "datasets", "huggingface_hub", "accelerate", "peft"):
        logging.getLogger(name).setLevel(logging.ERROR)
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
