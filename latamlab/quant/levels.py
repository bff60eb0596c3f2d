"""Tablas de niveles de los formatos de 4 y 8 bits, construidas a mano (cuaderno 01).

`tests/test_quantize.py` fija cada tabla a la de bitsandbytes.
"""

from __future__ import annotations

from typing import Callable, Literal

import torch

from latamlab.errors import ConfigError

__all__ = ["Method", "METHODS", "NF4_OFFSET", "nf4_levels", "fp4_levels", "int4_levels", "int8_levels",
           "dynamic8_levels", "levels_for"]

Method = Literal["int8", "int4", "fp4", "nf4"]
METHODS: tuple[str, ...] = ("int8", "int4", "fp4", "nf4")

NF4_OFFSET = 0.9677083
"""Cuantil más externo de NF4: el promedio de 1 - 1/(2·15) y 1 - 1/(2·16) (artículo de QLoRA)."""


# --- Tablas de niveles: todas en [-1, 1], ordenadas de menor a mayor, float32 ------------


def _normal_quantiles(probs: torch.Tensor) -> torch.Tensor:
    """Devuelve cuantiles de N(0, 1) en float64 (con scipy si está instalado, si no con torch)."""
    try:
        from scipy.stats import norm
    except ImportError:
        return torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64), 1.0).icdf(probs.double())
    return torch.from_numpy(norm.ppf(probs.double().numpy()))


def nf4_levels(offset: float = NF4_OFFSET) -> torch.Tensor:
    """Los 16 niveles de NF4 (*NormalFloat*), cuantiles de la normal (cuaderno 01).

    Receta de QLoRA y de `bitsandbytes.functional.create_normal_map(offset, use_extra_value=True)`:
    8 cuantiles positivos, el cero (así es exacto) y 7 negativos, divididos por el máximo.

    Args:
        offset: probabilidad del cuantil más externo; por omisión, la de QLoRA.

    Returns:
        Tensor float32 de 16 niveles ordenados, de -1 a 1.
    """
    positive = _normal_quantiles(torch.linspace(offset, 0.5, 9)[:-1])  # 8 valores > 0
    negative = -_normal_quantiles(torch.linspace(offset, 0.5, 8)[:-1])  # 7 valores < 0
    levels = torch.cat([negative, torch.zeros(1, dtype=torch.float64), positive]).float().sort().values
    return levels / levels.max()


def fp4_levels() -> torch.Tensor:
    """Devuelve los 16 niveles de FP4 (E2M1) tal como los define bitsandbytes (cuaderno 01).

    Un bit de signo, dos de exponente y uno de mantisa. Los normales son 2**e · (1 + m/2) con
    e = 1, 2, 3 y m = 0, 1 (2, 3, 4, 6, 8, 12); con exponente 0, bitsandbytes usa 0 y 0.0625.
    Todo se divide por 12 y se ordena por valor (bitsandbytes guarda los códigos en orden de
    bits). Fíjate en el costo: un código se gasta en -0 y dos en ±0.0052, casi cero.
    """
    normals = [2.0**e * (1 + m / 2) for e in (1, 2, 3) for m in (0, 1)]
    magnitudes = torch.tensor([0.0, 0.0625] + normals)
    levels = torch.cat([magnitudes, -magnitudes]).sort().values
    return levels / levels.max()


def int4_levels() -> torch.Tensor:
    """Devuelve los 15 niveles float32 de Int4 simétrico, (-7..7)/7; el cero es exacto (cuaderno 01)."""
    return torch.arange(-7, 8, dtype=torch.float32) / 7


def int8_levels() -> torch.Tensor:
    """Devuelve los 255 niveles float32 de Int8 simétrico, (-127..127)/127 (cuaderno 01)."""
    return torch.arange(-127, 128, dtype=torch.float32) / 127


def dynamic8_levels() -> torch.Tensor:
    """Devuelve la tabla «dinámica» de 8 bits de bitsandbytes, `create_dynamic_map()` (cuaderno 01).

    La doble cuantización de QLoRA guarda las escalas con ella. La década 10**(i-6), con
    i = 0..6, recibe 2**i puntos medios de una rejilla en [0.1, 1], con ambos signos; se
    agregan el 0 y el 1: 256 niveles float32 ordenados en [-1, 1].
    """
    positive: list[float] = []
    for i in range(7):
        grid = torch.linspace(0.1, 1, 2**i + 1)
        positive += (10.0 ** (i - 6) * (grid[:-1] + grid[1:]) / 2).tolist()
    return torch.tensor(sorted(positive + [-v for v in positive] + [0.0, 1.0]))


_LEVELS: dict[str, Callable[[], torch.Tensor]] = {
    "int8": int8_levels, "int4": int4_levels, "fp4": fp4_levels, "nf4": nf4_levels,
}


def levels_for(method: str) -> torch.Tensor:
    """Devuelve la tabla de niveles de un método (cuaderno 01).

    Args:
        method: ``int8``, ``int4``, ``fp4`` o ``nf4``.

    Returns:
        La tabla de niveles, ordenada y en [-1, 1].

    Raises:
        ConfigError: (un `ValueError`) si `method` no es uno de los permitidos.
    """
    if method not in _LEVELS:
        raise ConfigError(f"`method` debe ser uno de {', '.join(METHODS)}; recibí {method!r}.")
    return _LEVELS[method]()
