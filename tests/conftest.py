"""Configuración común de las pruebas: sin hub, modelos locales preparados una vez por sesión."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _pin_xdist_worker() -> None:
    """Con pytest-xdist (`make test` usa ``-n 2``), cada trabajador queda en su propio núcleo.

    Los núcleos de 4 bits y bf16 en CPU se vuelven muy lentos con más hilos que núcleos libres: dos
    procesos de dos hilos cada uno en 2 núcleos tardan más que uno solo. Fijar la afinidad antes de
    importar torch hace que el trabajador, los núcleos de Jupyter que abre nbval y los subprocesos que
    lanzan las pruebas (todos la heredan) usen un hilo cada uno (`set_threads` la lee).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if not worker.startswith("gw") or not hasattr(os, "sched_setaffinity"):
        return
    cores = sorted(os.sched_getaffinity(0))
    if count > len(cores):
        return
    mine = set(cores[int(worker[2:]) % count::count])
    os.sched_setaffinity(0, mine)
    os.environ["OMP_NUM_THREADS"] = str(len(mine))
    if "torch" in sys.modules:  # algún complemento de pytest ya lo importó
        sys.modules["torch"].set_num_threads(len(mine))


_pin_xdist_worker()

import pytest  # noqa: E402

from latamlab.runtime.notebook import quiet_libraries  # noqa: E402

quiet_libraries()


@pytest.fixture(scope="session")
def smol_dir():
    """Carpeta de SmolLM2-135M-Instruct convertido desde GGUF: un modelo real y chico (la mitad de Gemma 3 270M, el del
    modo cpu) para las pruebas que no dependen del modelo."""
    from latamlab.models.offline import local_model_path

    return local_model_path("smollm2-135m-instruct")


@pytest.fixture(scope="session")
def tiny_dir():
    """Carpeta del modelo diminuto de arquitectura Llama."""
    from latamlab.models.offline import local_model_path

    return local_model_path("diminuto-llama")


def pytest_collection_modifyitems(config, items):
    """Las pruebas marcadas `gpu` se saltan, con el motivo, donde PyTorch no ve una GPU CUDA."""
    from latamlab.runtime.device import cuda_available

    if cuda_available():
        return
    skip = pytest.mark.skip(reason="necesita una GPU CUDA (marca `gpu`); aquí PyTorch no ve ninguna")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
