"""Porciones del banco y cambio base → adaptador por porción, con intervalos (cuaderno 08, proyecto final).

El proyecto mide un adaptador en tres porciones: las preguntas del país para el que se entrenó, una muestra
estratificada de los otros países (¿olvidó algo?) y la tarea de finanzas. Para cada porción, la base y el
adaptador se comparan **en las mismas preguntas**: la diferencia pregunta por pregunta y su intervalo *bootstrap*
(remuestreo pareado, como en el cuaderno 05).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from latamlab.errors import ConfigError
from latamlab.evaluation.bootstrap import METRIC_LABELS, MetricSummary, bootstrap_ci
from latamlab.numbers import fmt_number

__all__ = ["country_slices", "SliceChange", "slice_change", "results_table", "markdown_table", "change_chart"]


def country_slices(items: Sequence[Mapping[str, Any]], country: str, per_other: int = 2,
                   seed: int = 0) -> dict[str, list[int]]:
    """Las posiciones de las dos porciones del banco: todo `country` y `per_other` preguntas de cada otro país.

    Args:
        items: las preguntas del banco (`latamlab.data.loaders.load_variants`), en su orden.
        country: código del país del adaptador (``"CO"``).
        per_other: preguntas de cada otro país, sorteadas con `seed` (`latamlab.evaluation.harness.stratified_indices`).

    Returns:
        ``{"pais": [...], "otros": [...]}``, posiciones crecientes para el `samples` de `run_harness`.

    Raises:
        ConfigError: si `country` no tiene preguntas en `items`.
    """
    from latamlab.evaluation.harness import stratified_indices

    own = [i for i, item in enumerate(items) if item["pais"] == country]
    if not own:
        countries = ", ".join(sorted({item["pais"] for item in items}))
        raise ConfigError(f"`country`={country!r} no tiene preguntas en el banco; usa uno de {countries}.")
    rest = [i for i, item in enumerate(items) if item["pais"] != country]
    picked = stratified_indices([items[i] for i in rest], by="pais", per_group=per_other, seed=seed)
    return {"pais": own, "otros": [rest[i] for i in picked]}


def _digits(metric: str) -> int:
    """Decimales al mostrar una métrica: chrF va de 0 a 100, las demás de 0 a 1."""
    return 1 if metric == "chrf" else 3


@dataclass(frozen=True)
class SliceChange:
    """Una porción medida antes y después: la base, el adaptador y su diferencia pareada (adaptador − base)."""

    name: str
    base: MetricSummary
    adapter: MetricSummary
    change: MetricSummary

    @property
    def clear(self) -> bool:
        """Si el intervalo de la diferencia deja fuera el 0 (solo entonces se puede decir que cambió)."""
        return self.change.low > 0 or self.change.high < 0

    def __str__(self) -> str:
        digits = _digits(self.change.metric)
        return (f"{self.name}: base {fmt_number(self.base.mean, digits)} → adaptador "
                f"{fmt_number(self.adapter.mean, digits)} · diferencia {fmt_number(self.change.mean, digits)} "
                f"(IC 95 %: {fmt_number(self.change.low, digits)} a {fmt_number(self.change.high, digits)}; "
                f"n = {self.change.n}) · {'cambio claro' if self.clear else 'el 0 está dentro del intervalo'}")


def slice_change(name: str, base_rows: Sequence[Mapping[str, Any]], adapter_rows: Sequence[Mapping[str, Any]],
                 metric: str = "acc", *, n_resamples: int = 1000, seed: int = 0) -> SliceChange:
    """Compara la base y el adaptador en las mismas preguntas de una porción.

    Args:
        name: nombre de la porción («Colombia», «otros países», «finanzas»).
        base_rows, adapter_rows: una fila por pregunta con ``id`` y `metric` (de `item_rows` o `finance_rows`),
            de las mismas preguntas y en el mismo orden.
        metric: la métrica por pregunta (``acc`` en el banco, ``chrf`` o ``token_f1`` en finanzas).

    Returns:
        Un :class:`SliceChange` con los tres intervalos (base, adaptador y la diferencia pregunta por pregunta).

    Raises:
        ConfigError: si las filas están vacías o no son las mismas preguntas en el mismo orden.
    """
    ids = [r["id"] for r in base_rows]
    if not ids or ids != [r["id"] for r in adapter_rows]:
        raise ConfigError(f"`base_rows` y `adapter_rows` deben ser las mismas preguntas, en el mismo orden (y no "
                          f"vacías); recibí {len(ids)} y {len(adapter_rows)} filas. Evalúa los dos con el mismo "
                          "`samples`.")
    before = [float(r[metric]) for r in base_rows]
    after = [float(r[metric]) for r in adapter_rows]
    summaries = [MetricSummary(metric, *bootstrap_ci(values, n_resamples=n_resamples, seed=seed), n=len(values),
                               group=name) for values in (before, after, [a - b for a, b in zip(after, before)])]
    return SliceChange(name, *summaries)


def _cell(summary: MetricSummary, digits: int) -> str:
    return (f"{fmt_number(summary.mean, digits)} ({fmt_number(summary.low, digits)} a "
            f"{fmt_number(summary.high, digits)})")


def results_table(changes: Sequence[SliceChange], country: str, student_columns: bool = True):
    """La tabla del proyecto: una fila por porción con base, adaptador y diferencia, cada una con su IC 95 %.

    Args:
        changes: las porciones medidas (:func:`slice_change`).
        country: el nombre del país del adaptador, para el encabezado.
        student_columns: agrega las columnas vacías «tu país: …» que completa quien hace el proyecto.

    Returns:
        Un ``pandas.DataFrame`` de textos (``to_markdown()`` la da en Markdown).
    """
    import pandas as pd

    rows = []
    for c in changes:
        digits = _digits(c.change.metric)
        row = {"porción": c.name, "métrica": METRIC_LABELS.get(c.change.metric, c.change.metric), "n": c.change.n,
               "base": _cell(c.base, digits), f"adaptador ({country})": _cell(c.adapter, digits),
               "diferencia": _cell(c.change, digits), "¿cambio claro?": "sí" if c.clear else "no"}
        if student_columns:
            row.update({"tu país: base": "", "tu país: adaptador": "", "tu país: diferencia": ""})
        rows.append(row)
    return pd.DataFrame(rows)


def change_chart(changes: Sequence[SliceChange], title: str, ax=None):
    """Base y adaptador por porción, barra con barra, cada una con su intervalo como bigote.

    Las porciones pueden tener métricas distintas (exactitud de 0 a 1, chrF de 0 a 100): para que compartan el
    eje Y, chrF se divide por 100.

    Returns:
        Los ejes de matplotlib.
    """
    import matplotlib.pyplot as plt

    if not changes:
        raise ConfigError("`changes` está vacío: pasa las porciones que devuelve `slice_change`.")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.4 * len(changes) + 2, 3.8))
    width = 0.38
    for k, (label, pick, color) in enumerate((("base", lambda c: c.base, "#8ab17d"),
                                               ("adaptador", lambda c: c.adapter, "#2a9d8f"))):
        xs = [i + (k - 0.5) * width for i in range(len(changes))]
        scale = [100.0 if c.change.metric == "chrf" else 1.0 for c in changes]
        means = [pick(c).mean / s for c, s in zip(changes, scale)]
        low = [m - pick(c).low / s for m, c, s in zip(means, changes, scale)]
        high = [pick(c).high / s - m for m, c, s in zip(means, changes, scale)]
        bars = ax.bar(xs, means, width=width, color=color, label=label)
        ax.bar_label(bars, labels=[fmt_number(m, 2) for m in means], padding=2, fontsize=8)
        ax.errorbar(xs, means, yerr=[low, high], fmt="none", ecolor="#264653", capsize=4)
    from matplotlib.ticker import FuncFormatter

    ticks = [f"{c.name}\n{METRIC_LABELS.get(c.change.metric, c.change.metric)}"
             + (" / 100" if c.change.metric == "chrf" else "") + f" (n = {c.change.n})" for c in changes]
    ax.set_xticks(range(len(changes)), ticks, fontsize=8)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, 2)))
    ax.set_ylabel("puntaje (0 a 1)")
    ax.set_title(title)
    ax.margins(y=0.15)
    ax.legend(fontsize=8, title="bigote: IC 95 %", title_fontsize=8)
    return ax


def markdown_table(table) -> str:
    """La tabla de :func:`results_table` en Markdown, para pegarla en tu informe (sin depender de `tabulate`)."""
    header = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)
