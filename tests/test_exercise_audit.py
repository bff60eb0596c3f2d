"""Auditoría de los ejercicios: cada lección tiene al menos 3, en los tres niveles (🐢 🐕 🦁), y cada uno se revisa
con una autocomprobación de `latamlab.exercises.nbNN` que su cuaderno de soluciones también llama.

Que cada autocomprobación rechace una respuesta incorrecta lo prueba tests/test_exercises.py con sus `CASES`; aquí
se comprueba que cada función del `__all__` de nbNN tiene su caso allí y que algún ejercicio la usa.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from test_exercises import CASES

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb") if not p.stem.endswith("_soluciones"))
TIERS = ("🐢", "🐕", "🦁")
EXERCISE = re.compile(r"\*\*(🐢|🐕|🦁) (\d+)\.\*\*")
CALL = re.compile(r"\bnb(\d\d)\.(check_\w+)\(")


def exercises(path: Path) -> dict[int, tuple[str, list[str]]]:
    """Los ejercicios de un cuaderno: número → (nivel, autocomprobaciones ``nbNN.check_*`` que llaman sus celdas).

    Un ejercicio empieza en su encabezado «**🐢 1.**» y abarca las celdas hasta el encabezado del siguiente o hasta
    «## ¿Qué sigue?».
    """
    found: dict[int, tuple[str, list[str]]] = {}
    current = None
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            if "## ¿Qué sigue?" in text:
                break
            for tier, number in EXERCISE.findall(text):
                current = int(number)
                assert current not in found, f"{path.name}: el ejercicio {current} aparece dos veces"
                found[current] = (tier, [])
        elif current is not None:
            found[current][1].extend(f"nb{nn}.{name}" for nn, name in CALL.findall(text))
    return found


def checkers(number: str) -> dict[str, str]:
    """Las autocomprobaciones de ``latamlab.exercises.nbNN``: nombre → nivel que declara su docstring."""
    module = importlib.import_module(f"latamlab.exercises.nb{number}")
    return {f"nb{number}.{name}": (getattr(module, name).__doc__ or " ")[0]
            for name in module.__all__ if name.startswith("check_")}


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_has_three_tiers_and_each_exercise_is_checked(path):
    found = exercises(path)
    assert len(found) >= 3, f"{path.name}: tiene {len(found)} ejercicios; el curso pide al menos 3"
    assert sorted(found) == list(range(1, len(found) + 1)), f"{path.name}: ejercicios numerados {sorted(found)}"
    assert {tier for tier, _ in found.values()} == set(TIERS), f"{path.name}: faltan niveles de {TIERS}"
    tiers = [TIERS.index(tier) for _, (tier, _) in sorted(found.items())]
    assert tiers == sorted(tiers), f"{path.name}: los ejercicios van de 🐢 a 🦁"
    for number, (tier, calls) in found.items():
        assert calls, f"{path.name}: el ejercicio {tier} {number} no llama a ninguna `nb{path.name[:2]}.check_*`"
        assert {c[2:4] for c in calls} == {path.name[:2]}, f"{path.name}: el ejercicio {number} usa otro módulo: {calls}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_checker_is_used_by_its_tier_and_has_a_rejecting_case(path):
    declared = checkers(path.name[:2])
    used = {call: tier for tier, calls in exercises(path).values() for call in calls}
    assert set(declared) == set(used), (f"{path.name}: autocomprobaciones sin ejercicio: {sorted(set(declared) - set(used))}"
                                       f"; llamadas que nb{path.name[:2]} no exporta: {sorted(set(used) - set(declared))}")
    for name, tier in declared.items():
        assert tier == used[name], f"{name}: su docstring dice {tier} y el ejercicio que la usa es {used[name]}"
        right, wrong = CASES[name]  # tests/test_exercises.py comprueba que acepta `right` y rechaza `wrong`
        assert callable(right) and callable(wrong)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_solutions_solve_the_same_exercises_with_the_same_checkers(path):
    solutions = path.with_name(f"{path.stem}_soluciones.ipynb")
    assert solutions.is_file(), f"falta {solutions.name}"
    lesson = {n: (tier, sorted(set(calls))) for n, (tier, calls) in exercises(path).items()}
    solved = {n: (tier, sorted(set(calls))) for n, (tier, calls) in exercises(solutions).items()}
    assert solved == lesson, f"{solutions.name} no resuelve los mismos ejercicios con las mismas autocomprobaciones"


def test_exercises_splits_cells_by_heading(tmp_path):
    cells = [{"cell_type": "markdown", "source": "## Ejercicios\n\n**🐢 1.** Uno."},
             {"cell_type": "code", "source": "nb09.check_a(x)\nprint(nb09.check_b)"},
             {"cell_type": "markdown", "source": "**🦁 2.** Dos."},
             {"cell_type": "code", "source": ["x = 1\n", "nb09.check_c(x, y)"]},
             {"cell_type": "markdown", "source": "## ¿Qué sigue?\n\n**🐕 3.** no es un ejercicio"}]
    path = tmp_path / "09_prueba.ipynb"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert exercises(path) == {1: ("🐢", ["nb09.check_a"]), 2: ("🦁", ["nb09.check_c"])}
