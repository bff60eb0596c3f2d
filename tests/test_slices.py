"""Porciones del banco y cambio base → adaptador por porción (proyecto final, cuaderno 08)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest

from latamlab.data.loaders import load_variants
from latamlab.errors import ConfigError
from latamlab.evaluation.bootstrap import bootstrap_ci
from latamlab.evaluation.slices import change_chart, country_slices, results_table, slice_change

ITEMS = list(load_variants())


def _rows(values, metric="acc"):
    return [{"id": f"q{i}", metric: v} for i, v in enumerate(values)]


def test_slices_take_the_whole_country_and_a_stratified_sample_of_the_rest():
    slices = country_slices(ITEMS, "CO", per_other=2, seed=0)
    assert [ITEMS[i]["id"] for i in slices["pais"]] == [it["id"] for it in ITEMS if it["pais"] == "CO"]
    others = [ITEMS[i]["pais"] for i in slices["otros"]]
    assert "CO" not in others and sorted(set(others)) == sorted({it["pais"] for it in ITEMS} - {"CO"})
    assert all(others.count(c) == 2 for c in set(others)) and slices["otros"] == sorted(slices["otros"])
    assert country_slices(ITEMS, "CO", seed=0) == slices != country_slices(ITEMS, "CO", seed=1)
    with pytest.raises(ConfigError, match="`country`='ES'"):
        country_slices(ITEMS, "ES")


def test_slice_change_is_the_paired_difference_with_its_interval():
    base, adapter = [0, 1, 0, 0, 1, 0, 1, 0], [1, 1, 0, 1, 1, 0, 1, 1]
    change = slice_change("Colombia", _rows(base), _rows(adapter))
    assert (change.base.mean, change.adapter.mean) == (3 / 8, 6 / 8)
    assert (change.change.mean, change.change.low, change.change.high) == bootstrap_ci([1, 0, 0, 1, 0, 0, 0, 1])
    assert change.change.n == 8 and change.change.group == "Colombia"
    assert change.clear is (change.change.low > 0)
    same = slice_change("otros", _rows(base), _rows(base))
    assert not same.clear and "el 0 está dentro del intervalo" in str(same)
    assert "0,375 → adaptador 0,750" in str(change)


def test_slice_change_refuses_different_questions():
    with pytest.raises(ConfigError, match="mismas preguntas"):
        slice_change("x", _rows([0, 1]), _rows([0, 1])[::-1])
    with pytest.raises(ConfigError, match="mismas preguntas"):
        slice_change("x", [], [])


def test_table_has_one_row_per_slice_intervals_and_empty_student_columns():
    changes = [slice_change("Colombia", _rows([0, 1, 1, 0]), _rows([1, 1, 1, 0])),
               slice_change("finanzas", _rows([10.0, 30.0], "chrf"), _rows([12.5, 31.0], "chrf"), "chrf")]
    table = results_table(changes, "Colombia")
    assert list(table["porción"]) == ["Colombia", "finanzas"]
    assert table.loc[0, "base"] == "0,500 (0,000 a 1,000)"
    assert table.loc[1, "métrica"] == "chrF" and table.loc[1, "diferencia"].startswith("1,8 (")
    assert (table[["tu país: base", "tu país: adaptador", "tu país: diferencia"]] == "").all().all()
    assert "tu país: base" not in results_table(changes, "Colombia", student_columns=False)
    ax = change_chart(changes, "prueba")
    assert len(ax.patches) == 4 and ax.patches[2].get_height() == pytest.approx(0.75)  # adaptador, Colombia
    assert ax.patches[3].get_height() == pytest.approx(21.75 / 100)  # chrF en la escala de 0 a 1


def test_markdown_table_has_a_header_a_rule_and_one_line_per_slice():
    from latamlab.evaluation.slices import markdown_table

    table = results_table([slice_change("Colombia", _rows([0, 1]), _rows([1, 1]))], "Colombia")
    lines = markdown_table(table).splitlines()
    assert lines[0].startswith("| porción | métrica | n | base |") and lines[1].startswith("|---|")
    assert len(lines) == 3 and lines[2].startswith("| Colombia | Exactitud | 2 |") and lines[2].endswith("|  |  |  |")
