"""Gráficos con etiquetas en español y unidades (cuadernos 01 en adelante)."""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import torch

__all__ = ["bar_chart", "interval_chart", "grouped_bar_chart", "stacked_bar_chart", "levels_over_histogram",
           "to_numpy", "code_usage_chart", "loss_mask_chart", "training_curves"]


def to_numpy(values: torch.Tensor):
    """Arreglo de NumPy float32 de un tensor en cualquier dispositivo (CUDA incluida) y con gradiente o sin él.

    `.numpy()` solo acepta tensores en la CPU y sin gradiente: en el modo gpu los pesos viven en la GPU,
    por eso aquí se separan (`detach`) y se copian a la CPU antes de convertirlos.
    """
    return torch.as_tensor(values).detach().cpu().float().numpy()


def bar_chart(values: Mapping[str, float], ylabel: str, title: str, fmt: Callable[[float], str] | None = None,
              ax=None):
    """Barras con su valor escrito encima.

    Args:
        values: etiqueta → valor, en el orden en que se dibujan.
        ylabel: nombre del eje Y con su unidad, p. ej. ``"Memoria (MiB)"``.
        title: título del gráfico.
        fmt: función que escribe el número sobre cada barra; por defecto `fmt_number` con un decimal
            (coma decimal, como todo número que lees en el curso).
        ax: ejes donde dibujar; por defecto crea una figura nueva.

    Returns:
        Los ejes de matplotlib.
    """
    if ax is None:
        _, ax = plt.subplots()
    from latamlab.numbers import fmt_number

    fmt = fmt or fmt_number
    bars = ax.bar(list(values), list(values.values()), color="#2a9d8f")
    ax.bar_label(bars, labels=[fmt(v) for v in values.values()], padding=2)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.margins(y=0.15)
    return ax


def interval_chart(summaries: Sequence, metric: str, title: str, *, ylabel: str | None = None,
                   chance: float | None = None, labels: Mapping[str, str] | None = None, decimals: int = 2, ax=None):
    """Barras por grupo con su intervalo de confianza como bigote (cuaderno 05).

    Args:
        summaries: resúmenes por grupo (`latamlab.evaluation.bootstrap.MetricSummary` o sus diccionarios, como
            los guarda ``latamlab evaluar``); se dibujan los de `metric` que tienen grupo, en su orden.
        metric: la métrica a dibujar (``acc``, ``token_f1``…).
        title: título del gráfico.
        ylabel: eje Y; por defecto el nombre en español de la métrica.
        chance: si se da, una línea horizontal punteada «al azar» en ese valor.
        labels: nombre a mostrar de cada grupo (p. ej., `latamlab.data.schemas.PAISES` para los códigos de país).
        decimals: decimales del valor escrito sobre cada barra.
        ax: ejes donde dibujar; por defecto crea una figura nueva.

    Returns:
        Los ejes de matplotlib.

    Raises:
        ConfigError: si ningún resumen es de `metric` con grupo.
    """
    from latamlab.evaluation.bootstrap import METRIC_LABELS
    from latamlab.numbers import fmt_number

    rows = [s if isinstance(s, Mapping) else vars(s) for s in summaries]
    rows = [r for r in rows if r["metric"] == metric and r.get("group") is not None]
    if not rows:
        from latamlab.errors import ConfigError

        raise ConfigError(f"No hay resúmenes por grupo de `{metric}` en `summaries`: pasa los de `breakdown` o "
                          "`summarize_scores` con `groups`.")
    labels = labels or {}
    names = [f"{labels.get(r['group'], r['group'])}\n(n = {fmt_number(r['n'], 0)})" for r in rows]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 0.6 * len(rows) + 1.5), 3.8))
    bar_chart(dict(zip(names, (r["mean"] for r in rows))), ylabel or METRIC_LABELS.get(metric, metric), title,
              fmt=lambda v: fmt_number(v, decimals), ax=ax)
    means = [r["mean"] for r in rows]
    errors = [[m - r["low"] for m, r in zip(means, rows)], [r["high"] - m for m, r in zip(means, rows)]]
    level = fmt_number(rows[0].get("confidence", 0.95) * 100, 0)
    ax.errorbar(range(len(rows)), means, yerr=errors, fmt="none", ecolor="#264653", capsize=4,
                label=f"intervalo de confianza del {level} %")
    if chance is not None:
        ax.axhline(chance, color="#e76f51", linestyle="--", linewidth=1, label=f"al azar ({fmt_number(chance, 2)})")
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, decimals)))
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=8)
    return ax


def levels_over_histogram(weights: torch.Tensor, levels: Mapping[str, torch.Tensor], title: str, ax=None):
    """Histograma de pesos normalizados a [-1, 1] con los niveles de cada formato de 4 bits debajo.

    Args:
        weights: pesos ya divididos por su `absmax` (valores en [-1, 1]).
        levels: nombre del formato → sus 16 niveles.
        title: título del gráfico.
        ax: ejes donde dibujar.
    """
    if ax is None:
        _, ax = plt.subplots()
    ax.hist(to_numpy(weights).ravel(), bins=200, range=(-1, 1), density=True, color="#bbbbbb",
            label="pesos normalizados")
    top = ax.get_ylim()[1]
    for i, (name, lv) in enumerate(levels.items()):
        y = -top * (0.08 + 0.08 * i)
        ax.scatter(to_numpy(lv), [y] * len(lv), marker="|", s=200, label=f"niveles {name}")
    ax.set_xlabel("valor del peso / absmax del bloque")
    ax.set_ylabel("densidad")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    return ax


def code_usage_chart(frequencies: Mapping[str, torch.Tensor], title: str, ax=None):
    """Barras agrupadas: qué fracción de los pesos recibe cada código de 4 bits (cuaderno 01).

    La línea punteada marca el uso parejo, 1/16 de los pesos por código: el ideal de NF4.

    Args:
        frequencies: nombre del formato → fracción de los pesos por código (suma 1), en el orden de
            sus niveles, de menor a mayor.
        title: título del gráfico.
        ax: ejes donde dibujar; por defecto crea una figura nueva.

    Returns:
        Los ejes de matplotlib.
    """
    from matplotlib.ticker import FuncFormatter

    from latamlab.numbers import fmt_number

    if ax is None:
        _, ax = plt.subplots()
    width = 0.8 / max(1, len(frequencies))
    for i, (name, freq) in enumerate(frequencies.items()):
        values = freq.detach().float().cpu() * 100
        ax.bar(torch.arange(len(values)) + i * width, values.tolist(), width=width, label=name)
    ax.axhline(100 / 16, color="black", linestyle="--", linewidth=1, label="uso parejo (1/16)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, 1)))
    ax.set_xlabel("código (de menor a mayor nivel)")
    ax.set_ylabel("pesos que reciben el código (%)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def grouped_bar_chart(values: Mapping[str, Mapping[str, float]], ylabel: str, title: str,
                      fmt: Callable[[float], str] | None = None, ax=None):
    """Barras agrupadas con su valor escrito encima: un grupo por clave, una barra (y un color) por serie.

    Args:
        values: grupo (en el eje X) → serie → valor; p. ej., idioma → tokenizador → fertilidad. Una serie
            que falta en un grupo deja su hueco vacío.
        ylabel: nombre del eje Y con su unidad.
        title: título del gráfico.
        fmt: función que escribe el número sobre cada barra; por defecto `fmt_number` con un decimal.
        ax: ejes donde dibujar; por defecto crea una figura nueva.

    Returns:
        Los ejes de matplotlib.
    """
    from latamlab.numbers import fmt_number

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    fmt = fmt or fmt_number
    groups = list(values)
    series = list(dict.fromkeys(name for group in values.values() for name in group))
    width = 0.8 / max(1, len(series))
    for i, name in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width for g, group in enumerate(groups) if name in values[group]]
        ys = [values[group][name] for group in groups if name in values[group]]
        bars = ax.bar(xs, ys, width=width, label=name)
        ax.bar_label(bars, labels=[fmt(v) for v in ys], padding=1, fontsize=7)
    return _label_axes(ax, groups, ylabel, title, fontsize=8)


def _label_axes(ax, ticks: Sequence[str], ylabel: str, title: str, **legend):
    """Lo común de las barras agrupadas y apiladas: una marca por grupo, eje Y con coma decimal, leyenda."""
    from matplotlib.ticker import FuncFormatter

    from latamlab.numbers import fmt_number

    ax.set_xticks(range(len(ticks)), ticks)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, 1)))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.margins(y=0.12)
    ax.legend(**legend)
    return ax


def stacked_bar_chart(values: Mapping[str, Mapping[str, float]], ylabel: str, title: str,
                      fmt: Callable[[float], str] | None = None, line: tuple[float, str] | None = None, ax=None):
    """Barras apiladas con el total escrito encima: una barra por clave, un tramo (y un color) por partida.

    Sirve para desgloses, p. ej., la memoria de un entrenamiento por partida (cuaderno 07). Las partidas
    que son 0 en todas las barras no van en la leyenda, que queda a la derecha del gráfico.

    Args:
        values: barra (en el eje X) → partida → valor, con las partidas en el orden en que se apilan
            (de abajo hacia arriba).
        ylabel: nombre del eje Y con su unidad, p. ej. ``"Memoria (GiB)"``.
        title: título del gráfico.
        fmt: escribe el total de cada barra; por defecto `fmt_number` con un decimal.
        line: una línea horizontal punteada ``(valor, etiqueta)``, p. ej., la memoria usable de una GPU.
        ax: ejes donde dibujar; si no los das, una figura nueva.

    Returns:
        Los ejes de matplotlib.
    """
    from latamlab.numbers import fmt_number

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    bars = list(values)
    every = list(dict.fromkeys(name for bar in values.values() for name in bar))
    colors = plt.get_cmap("tab10").colors  # el color va con la partida: el mismo en todos los gráficos
    bottom = [0.0] * len(bars)
    for i, part in enumerate(every):
        heights = [values[bar].get(part, 0.0) for bar in bars]
        if not any(heights):
            continue
        ax.bar(range(len(bars)), heights, bottom=bottom, label=part, color=colors[i % len(colors)])
        bottom = [b + h for b, h in zip(bottom, heights)]
    for x, total in enumerate(bottom):
        ax.annotate((fmt or fmt_number)(total), (x, total), xytext=(0, 2), textcoords="offset points",
                    ha="center", va="bottom", fontsize=8)
    if line is not None:
        ax.axhline(line[0], color="black", linestyle="--", linewidth=1, label=line[1])
    return _label_axes(ax, bars, ylabel, title, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))

#: Ancho de un carácter de DejaVu Sans Mono, en fracciones del tamaño de la letra.
_MONO_ADVANCE = 0.602


def loss_mask_chart(pieces: Sequence[str], loss: Sequence[bool], title: str, width: int = 90,
                    fontsize: float = 8.5):
    """Dibuja cada *token* en una caja: verde si lleva pérdida, gris si no (cuaderno 02).

    Los saltos de línea se ven como «↵» y cortan la línea, como en el texto. Cada caja es un *token* (dos
    tonos que se alternan marcan dónde termina uno y empieza el siguiente), así que también se ve dónde
    parte el tokenizador las palabras.

    Args:
        pieces: el texto de cada *token* (p. ej., ``LossMask.pieces``).
        loss: para cada *token*, si lleva pérdida (``LossMask.loss``).
        title: título del gráfico.
        width: caracteres por línea.
        fontsize: tamaño de la letra, en puntos.

    Returns:
        Los ejes de matplotlib (en una figura nueva, del ancho justo para `width` caracteres).
    """
    from matplotlib.patches import Patch, Rectangle

    from latamlab.numbers import fmt_number

    if len(pieces) != len(loss):
        from latamlab.errors import ConfigError

        raise ConfigError(f"`pieces` y `loss` deben tener el mismo largo; recibí {len(pieces)} y {len(loss)}.")
    colors = {True: ("#8fd3a8", "#b9e6c9"), False: ("#cfcfcf", "#e6e6e6")}
    cells, row, col = [], 0, 0
    for piece, flag in zip(pieces, loss):
        text = piece.replace("\n", "↵")
        size = max(1, len(text))
        if col and col + size > width:
            row, col = row + 1, 0
        cells.append((row, col, text, size, bool(flag)))
        col += size
        if piece.endswith("\n"):
            row, col = row + 1, 0
    rows = row + 1
    line = 1.5 * fontsize / 72  # alto de una línea, en pulgadas
    height = rows * line + 0.7  # las líneas, el título y la leyenda
    fig = plt.figure(figsize=(width * _MONO_ADVANCE * fontsize / 72 + 0.2, height))
    ax = fig.add_axes((0.01, 0.35 / height, 0.98, rows * line / height))
    for i, (row, col, text, size, flag) in enumerate(cells):
        ax.add_patch(Rectangle((col, -row - 0.9), size, 0.8, facecolor=colors[flag][i % 2], edgecolor="none"))
        ax.text(col, -row - 0.5, text, family="DejaVu Sans Mono", fontsize=fontsize, va="center", ha="left")
    ax.set_xlim(0, width)
    ax.set_ylim(-rows, 0)
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    kept = sum(map(bool, loss))
    handles = [Patch(color=colors[True][0], label=f"lleva pérdida ({fmt_number(kept, 0)} tokens)"),
               Patch(color=colors[False][0], label=f"sin pérdida ({fmt_number(len(loss) - kept, 0)} tokens)")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), ncol=2, fontsize=8, frameon=False)
    return ax


def training_curves(rows: Sequence[Mapping[str, float]], title: str, resumed_at: int | None = None, ax=None):
    """Pérdida de entrenamiento por paso y de validación donde se evaluó, leídas del registro ``log.jsonl``.

    Args:
        rows: filas de `latamlab.train.callbacks.read_log` (``step`` y ``loss`` o ``eval_loss``).
        title: título del gráfico.
        resumed_at: paso desde el que se continuó tras una desconexión (se marca con una línea vertical).
        ax: ejes donde dibujar; por defecto crea una figura nueva.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.5))
    from matplotlib.ticker import FuncFormatter

    from latamlab.numbers import fmt_number

    train = [(r["step"], r["loss"]) for r in rows if "loss" in r]
    evals = [(r["step"], r["eval_loss"]) for r in rows if "eval_loss" in r]
    if train:
        ax.plot(*zip(*train), color="#2a9d8f", linewidth=1.2, label="entrenamiento (cada paso)")
    if evals:
        ax.plot(*zip(*evals), color="#e76f51", marker="o", label="validación")
    if resumed_at is not None:
        ax.axvline(resumed_at, color="gray", linestyle="--", linewidth=1, label=f"continuado desde el paso {resumed_at}")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, 1)))
    ax.set_xlabel("paso de entrenamiento")
    ax.set_ylabel("pérdida (nats por token)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax
