"""Intervalos de confianza *bootstrap* y desgloses por grupo (cuaderno 05, comando `latamlab evaluar`).

Sirven para cualquier puntaje por pregunta: los de `latamlab.evaluation.metrics` (coincidencia exacta, F1 de
tokens, ROUGE-L, chrF) y la exactitud por pregunta de `lm-eval` (0 o 1). Con pocas preguntas la media cambia
mucho de una muestra a otra: el intervalo dice cuánto, y así cuánto confiar en una diferencia.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from latamlab.errors import ConfigError
from latamlab.evaluation.metrics import check_lengths
from latamlab.numbers import fmt_number

__all__ = ["METRIC_LABELS", "bootstrap_ci", "MetricSummary", "summarize_scores"]

#: Nombre en español de cada métrica (tablas, gráficos y `MetricSummary`).
METRIC_LABELS = {"exact_match": "Coincidencia exacta", "token_f1": "F1 de tokens", "rouge_l": "ROUGE-L",
                 "chrf": "chrF", "accuracy": "Exactitud", "acc": "Exactitud",
                 "acc_norm": "Exactitud normalizada por largo", "perplexity": "Perplejidad",
                 "bits_per_byte": "Bits por byte"}


def bootstrap_ci(values: Sequence[float], *, n_resamples: int = 1000, confidence: float = 0.95,
                 seed: int = 0, weights: Sequence[float] | None = None) -> tuple[float, float, float]:
    """Media e intervalo de confianza *bootstrap* por percentiles (cuaderno 05).

    Remuestrea las preguntas con reemplazo `n_resamples` veces, calcula la media de cada muestra y toma los
    percentiles ``(1 - confidence) / 2`` y ``1 - (1 - confidence) / 2``. Con la misma `seed` da lo mismo.
    Para comparar antes y después con las mismas preguntas, pásale las diferencias por pregunta.

    Args:
        values: un puntaje por pregunta (0/1 para exactitud).
        n_resamples: cuántas muestras *bootstrap*; confidence: nivel del intervalo (0–1); seed: semilla.
        weights: opcional, un peso por pregunta: cada muestra da ``Σ peso·valor / Σ peso`` (p. ej., la pérdida
            por *token* de cada texto pesada por sus *tokens* da la pérdida media de todos los *tokens*).

    Returns:
        ``(media, límite inferior, límite superior)``.

    Raises:
        ConfigError: si `values` está vacío o no es finito, o si `n_resamples` o `confidence` no son válidos.
    """
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 1 or data.size == 0 or not np.isfinite(data).all():
        raise ConfigError(f"`values` debe ser una lista no vacía de números finitos; recibí {values!r:.60}.")
    if not isinstance(n_resamples, int) or n_resamples < 1:
        raise ConfigError(f"`n_resamples` debe ser un entero positivo; recibí {n_resamples!r}. Prueba con 1000.")
    if not 0 < confidence < 1:
        raise ConfigError(f"`confidence` debe estar entre 0 y 1 (sin incluirlos); recibí {confidence!r}. "
                          "Prueba con 0.95.")
    w = np.ones_like(data) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != data.shape or (w < 0).any() or w.sum() <= 0:
        raise ConfigError(f"`weights` debe tener un peso ≥ 0 por valor ({data.size}) y sumar más que 0; "
                          f"recibí {weights!r:.60}.")
    rng = np.random.default_rng(seed)
    means = np.empty(n_resamples)
    step = max(1, 2_000_000 // data.size)  # muestras por bloque: así la memoria no crece con n × n_resamples
    for start in range(0, n_resamples, step):
        stop = min(n_resamples, start + step)
        picks = rng.integers(0, data.size, size=(stop - start, data.size))
        if weights is None:
            means[start:stop] = data[picks].mean(axis=1)
        else:  # una muestra que solo tomó pesos 0 no tiene media: cuenta como 0
            totals = w[picks].sum(axis=1)
            means[start:stop] = (data[picks] * w[picks]).sum(axis=1) / np.where(totals > 0, totals, 1)
    alpha = 1 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    center = data.mean() if weights is None else (data * w).sum() / w.sum()
    return float(center), float(low), float(high)


@dataclass(frozen=True)
class MetricSummary:
    """Una métrica resumida: media, intervalo *bootstrap* y tamaño, para todo el conjunto o un grupo.

    Al imprimirla: «F1 de tokens: 0,312 (IC 95 %: 0,25–0,37; n = 40)».
    """

    metric: str
    mean: float
    low: float
    high: float
    n: int
    confidence: float = 0.95
    group: str | None = None

    def __str__(self) -> str:
        label = METRIC_LABELS.get(self.metric, self.metric) + (f" [{self.group}]" if self.group is not None else "")
        mean_dec, bound_dec = (1, 1) if self.metric in ("chrf", "perplexity") else (3, 2)
        level = self.confidence * 100
        level_text = fmt_number(level, 0 if abs(level - round(level)) < 1e-9 else 1)
        return (f"{label}: {fmt_number(self.mean, mean_dec)} (IC {level_text} %: {fmt_number(self.low, bound_dec)}"
                f"–{fmt_number(self.high, bound_dec)}; n = {fmt_number(self.n, 0)})")


def summarize_scores(scores: Mapping[str, Sequence[float]], *, groups: Sequence[str] | None = None,
                     n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0) -> list[MetricSummary]:
    """Resume cada métrica con :func:`bootstrap_ci`, en total y por grupo (cuaderno 05).

    Args:
        scores: puntajes por pregunta, por ejemplo lo que devuelve :func:`score_answers` o
            ``{"accuracy": [1, 0, ...]}``.
        groups: opcional, el grupo de cada pregunta (país, tema), en el mismo orden.
        n_resamples, confidence, seed: como en :func:`bootstrap_ci`.

    Returns:
        Primero un :class:`MetricSummary` por métrica para todo el conjunto; luego, si hay `groups`, uno por
        grupo (en orden alfabético) y métrica.

    Raises:
        ConfigError: si `scores` está vacío o sus listas (o `groups`) tienen largos distintos.
    """
    if not scores:
        raise ConfigError("`scores` está vacío: pasa un diccionario {métrica: [un puntaje por pregunta]}.")
    size = len(next(iter(scores.values())))
    for name, values in scores.items():
        check_lengths(f"scores[{name!r}]", values, size, "las demás métricas")
    options = {"n_resamples": n_resamples, "confidence": confidence, "seed": seed}
    summaries = [MetricSummary(name, *bootstrap_ci(values, **options), n=size, confidence=confidence)
                 for name, values in scores.items()]
    if groups is None:
        return summaries
    check_lengths("groups", groups, size, "los puntajes")
    for group in sorted(set(groups), key=str):
        rows = [i for i, g in enumerate(groups) if g == group]
        for name, values in scores.items():
            picked = [values[i] for i in rows]
            summaries.append(MetricSummary(name, *bootstrap_ci(picked, **options), n=len(rows),
                                           confidence=confidence, group=str(group)))
    return summaries
