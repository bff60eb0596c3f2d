"""Preparación de un cuaderno en una sola llamada, salida silenciosa y barras de progreso.

`setup` es la segunda celda de cada cuaderno. nbval compara la salida de los cuadernos (stderr
incluido): un aviso que aparece solo en algunas máquinas, o una barra con tiempos distintos, rompería
esa comparación; por eso `setup` silencia las bibliotecas y apaga las barras.
"""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager

from latamlab.runtime.device import ENV_MODE, resolve_mode

__all__ = ["ENV_PROGRESS", "TRACEBACK_HINT", "setup", "seed_everything", "quiet_libraries", "progress",
           "progress_enabled", "progress_off", "set_threads", "show_errors_in_one_line"]

ENV_PROGRESS = "LATAMLAB_PROGRESO"
#: La línea que sigue al error de latamlab en un cuaderno: dónde está el *traceback* que no se muestra.
TRACEBACK_HINT = "(Para ver el traceback completo, de dónde vino el error, ejecuta %tb en una celda nueva.)"


def quiet_libraries() -> None:
    """Baja a ERROR los registros de transformers, bitsandbytes, datasets y del hub, y apaga sus barras."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Los avisos que salen al importar (torchao, torch.utils._pytree, bitsandbytes en CPU) ya los filtra
    # `latamlab.runtime.noise` al importar latamlab, cada uno con su razón; aquí se baja el resto a ERROR.
    # llama-cpp-python (cuaderno 06) copia a stderr todo el registro de llama.cpp (carga, cuantización) salvo que
    # su registro "llama-cpp-python" esté por encima de ese nivel.
    for name in ("bitsandbytes", "transformers", "datasets", "huggingface_hub", "accelerate", "peft", "trl",
                 "torchao", "llama-cpp-python"):
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


def progress_enabled() -> bool:
    """``False`` si ``LATAMLAB_PROGRESO=0`` (así lo pone `setup` para que nbval compare salidas)."""
    return os.environ.get(ENV_PROGRESS, "1") != "0"


@contextmanager
def progress_off() -> Iterator[None]:
    """Apaga las barras de `progress` dentro del bloque (p. ej., al volver a medir en una autocomprobación)."""
    previous = os.environ.get(ENV_PROGRESS)
    os.environ[ENV_PROGRESS] = "0"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[ENV_PROGRESS]
        else:
            os.environ[ENV_PROGRESS] = previous


def progress(**kwargs):
    """Crea una barra `tqdm` (widget en cuadernos, texto en terminal) que respeta ``LATAMLAB_PROGRESO``."""
    from tqdm.auto import tqdm

    kwargs.setdefault("disable", not progress_enabled())
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(**kwargs)


def seed_everything(seed: int) -> None:
    """Fija las semillas de `random`, NumPy y PyTorch."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def set_threads(threads: int | None = None) -> int:
    """Fija los hilos de PyTorch en CPU: por defecto, los núcleos que este proceso puede usar.

    Las rutinas de 4 bits y bf16 en CPU se vuelven muy lentas si hay más hilos que núcleos libres.

    Returns:
        Los hilos en vigor.
    """
    import torch

    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    torch.set_num_threads(max(1, threads))
    return torch.get_num_threads()


def _one_line(shell, etype: type, value: BaseException, tb, tb_offset: int | None = None) -> None:
    """Manejador de IPython para `LatamlabError`: su línea en español en lugar del *traceback*."""
    shell._get_exc_info((etype, value, tb))  # lo guarda en sys.last_*: así %tb muestra el traceback completo
    shell._showtraceback(etype, value, [f"error: {value}", TRACEBACK_HINT])


def show_errors_in_one_line() -> bool:
    """En un cuaderno (IPython), muestra cada `LatamlabError` como su línea en español, sin el *traceback*.

    El mensaje ya dice qué recibió, qué se permite y cómo arreglarlo; el *traceback* de 11 líneas que IPython
    pone antes lo tapa. Queda a una celda de distancia: ``%tb``. Las demás excepciones se muestran como siempre.

    Returns:
        ``True`` si se instaló (hay un IPython activo); ``False`` fuera de un cuaderno.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    from latamlab.errors import LatamlabError

    shell.set_custom_exc((LatamlabError,), _one_line)
    return True


def setup(mode: str | None = None, seed: int = 0, quiet: bool = True) -> str:
    """Deja el cuaderno listo: modo, semillas, hilos, gráficos, salida silenciosa y errores de una línea.

    Un `LatamlabError` se muestra como su línea en español (``%tb`` muestra el *traceback*); ver
    `show_errors_in_one_line`.

    Args:
        mode: ``gpu``, ``cpu`` o ``diminuto``; ``None`` lo lee de ``LATAMLAB_MODO`` (o lo deduce).
        seed: semilla para `random`, NumPy y PyTorch.
        quiet: silencia avisos y barras de las bibliotecas que varían entre máquinas.

    Returns:
        El modo en vigor.
    """
    from latamlab.models.catalog import default_model_name

    chosen = resolve_mode(mode)
    os.environ[ENV_MODE] = chosen
    if quiet:
        quiet_libraries()
    seed_everything(seed)
    set_threads()
    show_errors_in_one_line()
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.figsize": (7, 4), "figure.dpi": 100, "axes.grid": True, "grid.alpha": 0.3})
    print(f"Modo: {chosen} · modelo por defecto: {default_model_name(chosen)} · semilla: {seed}")
    return chosen
