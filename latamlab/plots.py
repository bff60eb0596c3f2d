"""Gráficos con etiquetas en español y unidades (cuadernos 01 en adelante)."""

from __future__ import annotations

from typing import Callable, Mapping

import matplotlib.pyplot as plt
import torch

__all__ = ["bar_chart", "levels_over_histogram", "to_numpy", "code_usage_chart"]


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
