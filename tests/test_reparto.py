"""El reparto de la suite entre núcleos (``conftest.py`` de la raíz): grupos por capítulo y el 05/06 esperando al 04."""

from __future__ import annotations

import importlib.util
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def reparto(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("reparto_raiz", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "_done_marker", lambda chapter: tmp_path / f".capitulo-{chapter}-terminado")
    monkeypatch.setattr(module, "_WAIT_S", 5)
    return module


def _items(*nodeids: str) -> list[SimpleNamespace]:
    session = SimpleNamespace(items=[])
    session.items = [SimpleNamespace(nodeid=n, session=session) for n in nodeids]
    return session.items


def test_lessons_and_solutions_share_a_group_and_tests_go_by_file(reparto):
    assert reparto._scope("notebooks/04_qlora_finanzas_soluciones.ipynb::Cell 5") == "cuaderno-04"
    assert reparto._scope("notebooks/05_evaluacion.ipynb::Cell 0") == "cuaderno-05"
    assert reparto._scope("tests/test_mask.py::test_x[gemma]") == "tests/test_mask.py"


def test_chapter_05_waits_for_04_to_finish(reparto, tmp_path):
    last_04, first_05, other = _items("notebooks/04_qlora_finanzas_soluciones.ipynb::Cell 9",
                                      "notebooks/05_evaluacion.ipynb::Cell 0", "tests/test_mask.py::t")
    reparto.pytest_runtest_teardown(last_04, nextitem=last_04)  # aún quedan celdas del 04: sin marca
    assert not (tmp_path / ".capitulo-04-terminado").exists()
    threading.Timer(1.0, reparto.pytest_runtest_teardown, args=(last_04, other)).start()
    start = time.monotonic()
    reparto.pytest_runtest_setup(first_05)
    waited = time.monotonic() - start
    assert (tmp_path / ".capitulo-04-terminado").exists()
    assert 0.9 < waited < 4.5, f"esperó {waited:.1f} s"


def test_no_wait_when_04_is_not_in_the_session(reparto):
    (first_05,) = _items("notebooks/05_evaluacion.ipynb::Cell 0")
    start = time.monotonic()
    reparto.pytest_runtest_setup(first_05)
    assert time.monotonic() - start < 0.5
