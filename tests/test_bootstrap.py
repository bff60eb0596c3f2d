"""Intervalos bootstrap: contienen la media, son reproducibles por semilla y se angostan con más datos."""

from __future__ import annotations

import numpy as np
import pytest

from latamlab.errors import ConfigError
from latamlab.evaluation import MetricSummary, bootstrap_ci, summarize_scores

RNG = np.random.default_rng(123)
SMALL = RNG.binomial(1, 0.4, size=30).astype(float)
LARGE = RNG.binomial(1, 0.4, size=3000).astype(float)
F1_SCORES = RNG.uniform(0, 1, size=30)  # continuos: los percentiles no caen en una grilla de fracciones


def test_interval_contains_the_mean_and_lies_in_the_data_range():
    mean, low, high = bootstrap_ci(SMALL)
    assert mean == pytest.approx(SMALL.mean())
    assert 0.0 <= low < mean < high <= 1.0


def test_interval_is_deterministic_by_seed():
    assert bootstrap_ci(F1_SCORES, seed=7) == bootstrap_ci(list(F1_SCORES), seed=7)
    assert bootstrap_ci(F1_SCORES, seed=7)[1:] != bootstrap_ci(F1_SCORES, seed=8)[1:]
    assert bootstrap_ci(F1_SCORES, seed=7)[0] == bootstrap_ci(F1_SCORES, seed=8)[0]  # la media no se remuestrea


def test_interval_narrows_with_more_data_and_widens_with_confidence():
    _, low_small, high_small = bootstrap_ci(SMALL)
    _, low_large, high_large = bootstrap_ci(LARGE)
    assert (high_large - low_large) < (high_small - low_small) / 5  # ≈ 1/√100 del ancho
    _, low_90, high_90 = bootstrap_ci(SMALL, confidence=0.90)
    assert (high_90 - low_90) < (high_small - low_small)


def test_interval_matches_the_normal_approximation_on_large_data():
    mean, low, high = bootstrap_ci(LARGE, n_resamples=2000)
    half_width = 1.96 * LARGE.std() / np.sqrt(LARGE.size)
    assert (high - low) / 2 == pytest.approx(half_width, rel=0.1)


def test_summary_prints_in_spanish():
    summary = MetricSummary("token_f1", 0.3124, 0.2468, 0.3712, n=40)
    assert str(summary) == "F1 de tokens: 0,312 (IC 95 %: 0,25–0,37; n = 40)"
    chrf = MetricSummary("chrf", 41.27, 35.01, 47.9, n=1200, confidence=0.9, group="Chile")
    assert str(chrf) == "chrF [Chile]: 41,3 (IC 90 %: 35,0–47,9; n = 1 200)"


def test_summarize_scores_overall_then_by_group():
    scores = {"accuracy": [1, 1, 0, 1, 0, 0], "token_f1": [1.0, 0.5, 0.0, 1.0, 0.25, 0.0]}
    groups = ["Perú", "Chile", "Perú", "Chile", "México", "México"]
    summaries = summarize_scores(scores, groups=groups, n_resamples=200)
    assert [(s.group, s.metric) for s in summaries] == [
        (None, "accuracy"), (None, "token_f1"), ("Chile", "accuracy"), ("Chile", "token_f1"),
        ("México", "accuracy"), ("México", "token_f1"), ("Perú", "accuracy"), ("Perú", "token_f1")]
    by_key = {(s.group, s.metric): s for s in summaries}
    assert by_key[("Chile", "accuracy")].mean == 1.0 and by_key[("Chile", "accuracy")].n == 2
    assert by_key[("México", "token_f1")].mean == pytest.approx(0.125)
    assert by_key[(None, "accuracy")].n == 6
    assert str(by_key[("Perú", "accuracy")]).startswith("Exactitud [Perú]: 0,500")


@pytest.mark.parametrize("call", [
    lambda: bootstrap_ci([]),
    lambda: bootstrap_ci([0.5, float("nan")]),
    lambda: bootstrap_ci([1, 0], n_resamples=0),
    lambda: bootstrap_ci([1, 0], confidence=95),
    lambda: summarize_scores({"accuracy": [1, 0], "token_f1": [1.0]}),
    lambda: summarize_scores({"accuracy": [1, 0]}, groups=["Chile"]),
])
def test_bad_inputs_give_one_spanish_line(call):
    with pytest.raises(ConfigError) as info:
        call()
    assert "\n" not in str(info.value) and "recibí" in str(info.value)


def test_weights_give_the_ratio_of_sums_and_a_ratio_interval():
    nll, tokens = np.array([30.0, 4.0, 50.0, 9.0]), np.array([10, 2, 20, 3])
    mean, low, high = bootstrap_ci(nll / tokens, weights=tokens, n_resamples=500)
    assert mean == pytest.approx(nll.sum() / tokens.sum())
    assert mean != pytest.approx((nll / tokens).mean())  # no es la media simple por texto
    assert low <= mean <= high
    assert bootstrap_ci([1.0, 0.0, 1.0], weights=[1, 1, 1], n_resamples=300) == pytest.approx(
        bootstrap_ci([1.0, 0.0, 1.0], n_resamples=300))
    with pytest.raises(ConfigError, match="`weights`"):
        bootstrap_ci([1.0, 2.0], weights=[1.0])
