"""Los cuadernos siguen el esqueleto del curso y se suben limpios (sin stderr ni metadatos de la máquina)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LESSONS = [p for p in NOTEBOOKS if not p.stem.endswith("_soluciones")]


def test_there_are_lessons_and_each_has_solutions():
    numbers = [p.name[:2] for p in LESSONS]
    assert numbers, "no encontré cuadernos NN_*.ipynb en notebooks/"
    course_map = {f"{i:02d}" for i in range(9)}  # 00–08, el mapa del curso del cuaderno 00 (los cuadernos llegan de a uno)
    assert len(set(numbers)) == len(numbers) and set(numbers) <= course_map, f"numeración repetida o fuera del mapa: {numbers}"
    assert not [p.name for p in (ROOT / "notebooks").glob("*.ipynb") if p not in NOTEBOOKS], \
        "todo cuaderno se llama NN_nombre.ipynb"
    for lesson in LESSONS:
        assert (lesson.parent / f"{lesson.stem}_soluciones.ipynb").is_file()
    assert len(NOTEBOOKS) == 2 * len(LESSONS), "cada solución corresponde a una lección"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_are_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert set(nb.metadata) <= {"kernelspec", "language_info"}
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs or "None  # tu respuesta" in c.source or "google.colab" in c.source for c in code), \
        "hay celdas sin ejecutar: corre scripts/ejecutar_cuadernos.py"
    for cell in code:
        assert not [o for o in cell.outputs if o.get("output_type") == "error"]
        assert not [o for o in cell.outputs if o.get("name") == "stderr"], f"salida en stderr en: {cell.source[:60]}"
        assert set(cell.metadata) <= {"tags"}
        # Las directivas de nbval van en las etiquetas de la celda (scripts/etiquetas_nbval.py), no en el código que
        # lee el estudiante.
        assert "NBVAL" not in cell.source, f"directiva de nbval en el código de: {cell.source[:60]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_second_code_cell_is_setup(path):
    # La insignia y la primera celda de código (instalación) se comparan exactas en tests/test_release.py.
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert "ll.setup(" in code[1]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_skeleton(path):
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    for heading in ("**Objetivos**", "**Requisitos previos:**", "**Tiempo estimado:**", "## Resumen",
                    "## Ejercicios", "## ¿Qué sigue?", "🐢", "🐕", "🦁"):
        assert heading in text, f"falta «{heading}» en {path.name}"


def test_every_notebook_is_listed_and_has_a_colab_badge_in_readme():
    listing = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for lesson in LESSONS:
        assert f"`{lesson.name}`" in listing
        assert re.search(rf"colab\.research\.google\.com/github/.+/notebooks/{lesson.name}", readme)
