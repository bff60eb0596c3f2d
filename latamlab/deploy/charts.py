"""Gráficos del cuaderno 06: la tabla de despliegue en barras y la curva de poda (etiquetas en español)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

__all__ = ["deployment_chart", "pruning_chart"]

#: Columnas de `latamlab.deploy.table.DeployRow` que se dibujan, con su eje.
PANELS = (("size_mb", "Tamaño en disco (MiB)"), ("generate_tps", "Generación (tokens/s, lote de 1)"),
          ("perplexity", "Perplejidad (menos es mejor)"))


def deployment_chart(rows: Sequence, panels: Sequence[tuple[str, str]] = PANELS):
    """Una fila de barras por columna de la tabla (solo los formatos medidos).

    Returns:
        La figura de matplotlib.
    """
    import matplotlib.pyplot as plt

    from latamlab.deploy.table import FORMAT_LABELS
    from latamlab.plots import bar_chart

    measured = [r for r in rows if r.missing is None]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 4), squeeze=False)
    for ax, (column, label) in zip(axes[0], panels):
        bar_chart({FORMAT_LABELS[r.format]: getattr(r, column) for r in measured}, label, label, ax=ax)
        ax.tick_params(axis="x", labelrotation=35)
    fig.tight_layout()
    return fig


def pruning_chart(curve: Sequence[Mapping[str, Any]], ax=None):
    """Perplejidad (escala logarítmica) según el porcentaje de pesos en cero, de `pruning_curve`."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from latamlab.numbers import fmt_number

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for kind, style in (("no estructurada", "o-"), ("2:4", "s")):
        points = [p for p in curve if p["kind"] == kind]
        if points:
            ax.plot([100 * p["sparsity"] for p in points], [p["perplexity"] for p in points], style, label=kind)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, 0)))
    ax.set_xlabel("Pesos en cero en las capas lineales (%)")
    ax.set_ylabel("Perplejidad (escala logarítmica)")
    ax.set_title("Poda por magnitud sin reentrenar")
    ax.legend(title="poda")
    return ax
