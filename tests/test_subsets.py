"""`stratified_subset`: ningún subconjunto es «las primeras N filas» de un archivo ordenado por país."""

from __future__ import annotations

import pytest

from latamlab.data.subsets import stratified_positions, stratified_subset
from latamlab.errors import ConfigError


def test_eight_from_a_file_sorted_by_country_span_many_countries():
    from latamlab.data.loaders import load_finance

    validation = load_finance()["validation"]
    assert len(set(validation.select(range(8))["pais"])) < 4  # lo que hacían las primeras 8 filas
    subset = stratified_subset(validation, 8)
    assert len(subset) == 8 and len(set(subset["pais"])) >= 4


def test_round_robin_before_repeating_and_deterministic():
    rows = [{"id": f"{c}{i}", "pais": c} for c in "ABCD" for i in range(5)]
    picked = stratified_subset(rows, 8)
    assert sorted(r["pais"] for r in picked) == list("AABBCCDD")
    assert picked == stratified_subset(rows, 8)  # misma semilla, mismo subconjunto
    assert [r["id"] for r in stratified_subset(rows, 4, seed=None)] == ["A0", "B0", "C0", "D0"]
    assert stratified_positions(rows, 3) == sorted(stratified_positions(rows, 3))  # en el orden del archivo


def test_n_at_least_the_total_returns_everything():
    rows = [{"pais": "CO"}, {"pais": "MX"}, {}]
    assert stratified_subset(rows, 3) == rows and stratified_subset(rows, 10) == rows
    with pytest.raises(ConfigError, match="`n`"):
        stratified_subset(rows, -1)


def test_load_chat_splits_takes_validation_by_country():
    from latamlab.train.config import TrainConfig
    from latamlab.train.hardware import load_chat_splits

    _, validation = load_chat_splits(TrainConfig(dataset="finanzas", max_train_examples=1, max_eval_examples=8))
    systems = {r["prompt"][0]["content"] for r in validation}
    assert len(validation) == 8 and len(systems) >= 4
