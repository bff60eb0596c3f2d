"""Configuración común de las pruebas: sin hub, modelos locales preparados una vez por sesión."""

from __future__ import annotations

import os
import re
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


#: Capítulos que leen lo que otro deja en ``notebooks/salidas/``: van en su grupo, después de él.
_AFTER = {"05": "04", "06": "04"}  # el 05 evalúa y el 06 fusiona el adaptador que entrena el 04


#: Grupos que empiezan antes que todo lo demás, por largos (ver `pytest_xdist_make_scheduler`).
_FIRST = ("tests/test_colab_simulado.py",)


def _scope(nodeid: str) -> str:
    """Grupo de pytest-xdist: un archivo de pruebas, o un capítulo de cuadernos (lección y soluciones).

    La lección y sus soluciones van juntas y en orden: las soluciones reutilizan lo que la lección dejó
    en ``notebooks/salidas/`` (p. ej., los adaptadores del cuaderno 04).
    Un capítulo de `_AFTER` va en el grupo del que necesita, y corre después (orden de los archivos).
    """
    path = nodeid.split("::", 1)[0]
    chapter = re.match(r"(?:.*/)?(\d\d)_[^/]*\.ipynb$", path)
    return f"cuaderno-{_AFTER.get(chapter.group(1), chapter.group(1))}" if chapter else path


@pytest.hookimpl(optionalhook=True)  # sin pytest-xdist (`-p no:xdist`) el gancho no existe
def pytest_xdist_make_scheduler(config, log):
    """Con ``--dist loadscope``, reparte grupos de `_scope` (los más grandes primero) entre los trabajadores.

    (``--dist loadgroup`` no sirve aquí: pytest-xdist 3.8 renombra el nodo en un atributo que pytest 9.2 ya
    no lee, así que cada celda de un cuaderno podría ir a otro núcleo de Jupyter.)
    """
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ChapterScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

        def _assign_work_unit(self, node) -> None:  # noqa: ANN001 — firma de pytest-xdist
            # El Colab simulado es el grupo más largo (los 18 cuadernos, uno tras otro) aunque tenga pocas pruebas:
            # va primero, así no queda solo al final mientras el otro núcleo espera.
            for scope in _FIRST:
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return ChapterScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    """Las pruebas marcadas `gpu` se saltan, con el motivo, donde PyTorch no ve una GPU CUDA."""
    from latamlab.runtime.device import cuda_available

    if cuda_available():
        return
    skip = pytest.mark.skip(reason="necesita una GPU CUDA (marca `gpu`); aquí PyTorch no ve ninguna")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
