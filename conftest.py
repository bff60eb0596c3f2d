"""Cómo se reparte la suite entre los núcleos (``make test`` usa ``pytest -n 2``): grupos por archivo de pruebas o por
capítulo de cuadernos, los largos primero, y el 05 y el 06 esperando al 04.

Va en la raíz del repositorio, no en ``tests/``: pytest solo llama a los ganchos de un ``conftest.py`` para las pruebas
de su carpeta, y las celdas de ``notebooks/`` también los necesitan.
"""

from __future__ import annotations

import re

import pytest

#: Capítulos que leen lo que otro deja en ``notebooks/salidas/``: el 05 evalúa y el 06 fusiona el adaptador que
#: entrena el 04. Van en su propio grupo, al final de la cola, y antes de su primera celda esperan a que el 04 termine
#: (en el otro núcleo, si es ahí donde corre): así el 04, el 05 y el 06 no se encadenan en un solo trabajador.
_AFTER = {"05": "04", "06": "04"}
#: Cuánto espera un capítulo de `_AFTER` al que necesita antes de correr igual (y decir que falta el adaptador).
_WAIT_S = 60 * 60

#: Grupos que empiezan antes que todo lo demás, por largos (ver `pytest_xdist_make_scheduler`), y los que van al final.
_FIRST = ("tests/test_colab_simulado.py", "cuaderno-04")
_LAST = tuple(f"cuaderno-{c}" for c in _AFTER)


def _chapter_of(nodeid: str) -> str | None:
    """El capítulo (``"04"``) de una celda de cuaderno, o ``None`` si `nodeid` no es de un cuaderno."""
    found = re.match(r"(?:.*/)?(\d\d)_[^/]*\.ipynb$", nodeid.split("::", 1)[0])
    return found.group(1) if found else None


def _scope(nodeid: str) -> str:
    """Grupo de pytest-xdist: un archivo de pruebas, o un capítulo de cuadernos (lección y soluciones).

    La lección y sus soluciones van juntas y en orden: las soluciones reutilizan lo que la lección dejó
    en ``notebooks/salidas/`` (p. ej., los adaptadores del cuaderno 04).
    """
    chapter = _chapter_of(nodeid)
    return f"cuaderno-{chapter}" if chapter else nodeid.split("::", 1)[0]


def _chapter(item) -> str | None:
    return _chapter_of(item.nodeid)


def _done_marker(chapter: str):
    """El archivo que deja un capítulo al terminar su última celda (lección y soluciones), para los que lo esperan."""
    from pathlib import Path

    return Path(__file__).resolve().parent / "notebooks" / "salidas" / f".capitulo-{chapter}-terminado"


def pytest_sessionstart(session):
    """El proceso principal borra las marcas de una sesión anterior (los trabajadores de xdist no)."""
    if hasattr(session.config, "workerinput"):
        return
    for chapter in set(_AFTER.values()):
        _done_marker(chapter).unlink(missing_ok=True)


def pytest_runtest_setup(item):
    """Antes de la primera celda de un capítulo de `_AFTER`, espera a que termine aquel del que depende."""
    import time

    chapter = _chapter(item)
    needed = _AFTER.get(chapter or "")
    if not needed or getattr(item.session, "_esperado", set()) >= {needed}:
        return
    item.session._esperado = getattr(item.session, "_esperado", set()) | {needed}
    if not any(_chapter(other) == needed for other in item.session.items):
        return  # el capítulo que necesita no está en esta sesión: el cuaderno usa lo que haya en salidas/
    deadline = time.monotonic() + _WAIT_S
    while not _done_marker(needed).exists() and time.monotonic() < deadline:
        time.sleep(2)


def pytest_runtest_teardown(item, nextitem):
    """La última celda de un capítulo del que otros dependen deja su marca (pase o falle)."""
    chapter = _chapter(item)
    if chapter in set(_AFTER.values()) and (nextitem is None or _chapter(nextitem) != chapter):
        _done_marker(chapter).parent.mkdir(parents=True, exist_ok=True)
        _done_marker(chapter).touch()


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
            # El Colab simulado (los 18 cuadernos, uno tras otro) y el 04 son los grupos más largos: van primero, así
            # no quedan solos al final mientras el otro núcleo espera. El 05 y el 06, que esperan al 04, van al final.
            for scope in reversed(_FIRST):
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            for scope in _LAST:
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=True)
            super()._assign_work_unit(node)

    return ChapterScheduling(config, log)
