"""Cuantización por bloques hecha a mano: Int8, Int4, FP4 y NF4 (cuaderno 01).

El cuaderno 01, «precisión y cuantización en 4 bits», construye aquí cada pieza de QLoRA:
las tablas de niveles, la cuantización por bloques con `absmax`, la doble cuantización de
las constantes (la cuenta de bits por parámetro está en `latamlab.quant.formats`). `tests/test_quantize.py` fija este código
a bitsandbytes numéricamente.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
import torch
from torch import nn

from latamlab.errors import ConfigError
from latamlab.quant.formats import check_block_size
from latamlab.quant.levels import Method, dynamic8_levels, levels_for
from latamlab.runtime.notebook import progress as progress_bar

__all__ = ["QuantizedTensor", "quantize_blockwise", "dequantize", "double_quantize", "dequantize_absmax",
           "quantize_dequantize", "reconstruction_mse", "fake_quantize_model"]

# --- Cuantizar y decuantizar por bloques -------------------------------------------------


@dataclass
class QuantizedTensor:
    """Un tensor cuantizado por bloques: lo que de verdad se guarda (cuaderno 01).

    Args:
        codes: índices uint8 en `levels`, forma (número de bloques, `block_size`).
        absmax: float32, el máximo valor absoluto de cada bloque (su escala).
        shape: forma del tensor original.
        levels: tabla de niveles ordenada, en [-1, 1].
        block_size: cuántos valores comparten un `absmax`.
        dtype: tipo del tensor original; `dequantize` devuelve este tipo.
    """

    codes: torch.Tensor
    absmax: torch.Tensor
    shape: torch.Size
    levels: torch.Tensor
    block_size: int
    dtype: torch.dtype = torch.float32


def quantize_blockwise(
    w: torch.Tensor, levels: torch.Tensor, block_size: int = 64, pad: bool = False
) -> QuantizedTensor:
    """Cuantiza `w` por bloques con escala `absmax` y redondeo al nivel más cercano (cuaderno 01).

    Cada bloque se multiplica por 1/`absmax` (queda en [-1, 1]) y cada valor se cambia por el
    índice del nivel más cercano. Las fronteras son los puntos medios entre niveles vecinos y
    un empate exacto va al nivel menor, como en bitsandbytes. Multiplicar por el inverso en vez
    de dividir también es de bitsandbytes: en bf16 hay muchos empates exactos (p. ej. 7/24, a
    medio camino entre 1/4 y 1/3 en FP4) y la división los redondea al otro lado.

    Args:
        w: tensor float (fp32, bf16 o fp16) de cualquier forma.
        levels: tabla de a lo sumo 256 niveles en [-1, 1], p. ej. `nf4_levels()`.
        block_size: cuántos valores comparten una escala; QLoRA usa 64.
        pad: si es True, completa el último bloque con ceros (no cambian su máximo), como
            bitsandbytes; si es False, `block_size` debe dividir `w.numel()`.

    Returns:
        Un `QuantizedTensor` con los códigos y las escalas.

    Raises:
        ConfigError: (un `ValueError`) si `block_size` no es válido o `levels` tiene más de 256.
    """
    check_block_size(block_size, None if pad else w.numel())
    if levels.numel() > 256:
        raise ConfigError(
            f"`levels` debe tener a lo sumo 256 niveles; recibí {levels.numel()}. "
            "Usa una tabla de 8 bits o menos."
        )
    levels = levels.to(w.device, torch.float32).sort().values
    flat = w.detach().reshape(-1).float()
    padding = flat.new_zeros(-flat.numel() % block_size)  # vacío si block_size divide a w.numel()
    blocks = torch.cat([flat, padding]).reshape(-1, block_size)
    absmax = blocks.abs().amax(dim=1)  # una escala por bloque
    inverse = 1.0 / absmax.clamp(min=torch.finfo(torch.float32).tiny)  # un bloque de ceros no divide por 0
    scaled = (blocks * inverse[:, None]).clamp(-1, 1)
    boundaries = (levels[:-1] + levels[1:]) / 2  # puntos medios entre niveles vecinos
    codes = torch.bucketize(scaled, boundaries).to(torch.uint8)  # índice del nivel más cercano
    return QuantizedTensor(codes, absmax, w.shape, levels, block_size, w.dtype)


def dequantize(q: QuantizedTensor) -> torch.Tensor:
    """Devuelve la reconstrucción de `q`: nivel · `absmax` de su bloque (cuaderno 01).

    La cuenta se hace en float32 y al final se vuelve a la forma y al tipo originales, como en
    bitsandbytes.
    """
    values = q.levels[q.codes.long()] * q.absmax[:, None]
    return values.reshape(-1)[: math.prod(q.shape)].reshape(q.shape).to(q.dtype)


def double_quantize(absmax: torch.Tensor, block_size: int = 256) -> tuple[QuantizedTensor, torch.Tensor]:
    """Doble cuantización de QLoRA: guarda las escalas `absmax` en 8 bits (cuaderno 01).

    Se resta la media (las escalas son positivas; así se aprovechan ambos signos) y se
    cuantiza por bloques de 256 con `dynamic8_levels()`, como
    `bitsandbytes.functional.quantize_4bit(..., compress_statistics=True)`.

    Args:
        absmax: escalas float32 de un `QuantizedTensor`.
        block_size: bloque de la segunda cuantización; QLoRA usa 256.

    Returns:
        Las escalas cuantizadas y la media restada (`offset`).
    """
    offset = absmax.mean()
    return quantize_blockwise(absmax - offset, dynamic8_levels(), block_size, pad=True), offset


def dequantize_absmax(qabsmax: QuantizedTensor, offset: torch.Tensor) -> torch.Tensor:
    """Devuelve las escalas float32 recuperadas de `double_quantize`: 8 bits + media (cuaderno 01)."""
    return dequantize(qabsmax) + offset


def quantize_dequantize(
    w: torch.Tensor, method: Method, block_size: int = 64, double_quant: bool = False
) -> torch.Tensor:
    """Cuantiza y decuantiza `w`: lo que «ve» la red después de cuantizarla (cuaderno 01).

    Args:
        w: tensor float.
        method: ``int8``, ``int4``, ``fp4`` o ``nf4``.
        block_size: tamaño de bloque de la primera cuantización.
        double_quant: si las escalas pasan además por `double_quantize`.

    Returns:
        La reconstrucción, con la forma y el tipo de `w`.

    Raises:
        ConfigError: (un `ValueError`) si `method` o `block_size` no son válidos.
    """
    q = quantize_blockwise(w, levels_for(method), block_size)
    if double_quant:
        q = replace(q, absmax=dequantize_absmax(*double_quantize(q.absmax)))
    return dequantize(q)


def reconstruction_mse(
    w: torch.Tensor, method: Method, block_size: int = 64, double_quant: bool = False
) -> float:
    """Error cuadrático medio entre `w` y su reconstrucción cuantizada (cuaderno 01).

    Args:
        w: tensor float, p. ej. el peso de una proyección del modelo.
        method: ``int8``, ``int4``, ``fp4`` o ``nf4``.
        block_size: tamaño de bloque.
        double_quant: si las escalas pasan por `double_quantize`.

    Returns:
        El error cuadrático medio.

    Raises:
        ConfigError: (un `ValueError`) si `method` o `block_size` no son válidos.
    """
    approx = quantize_dequantize(w, method, block_size, double_quant)
    return torch.mean((approx.float() - w.detach().float()) ** 2).item()


def fake_quantize_model(
    model: nn.Module,
    method: Method,
    block_size: int = 64,
    double_quant: bool = False,
    skip: tuple[str, ...] = ("lm_head",),
    progress: bool = True,
) -> nn.Module:
    """Copia el modelo con cada `nn.Linear` cuantizado y decuantizado (cuaderno 01).

    Sirve para medir la perplejidad de cada método en un modelo real: la copia calcula en su
    tipo original, pero sus pesos solo toman valores que el método puede representar. El
    original no se toca.

    Args:
        model: el modelo, p. ej. un `AutoModelForCausalLM`.
        method: ``int8``, ``int4``, ``fp4`` o ``nf4``.
        block_size: tamaño de bloque.
        double_quant: si las escalas pasan por `double_quantize`.
        skip: nombres de capas que quedan intactas (bitsandbytes tampoco cuantiza `lm_head`).
        progress: si es True, muestra una barra de progreso.

    Returns:
        Una copia profunda del modelo con los pesos reconstruidos.

    Raises:
        ConfigError: (un `ValueError`) si `method` no es válido o `block_size` no divide el
            tamaño de alguna capa (el mensaje nombra la capa).
    """
    levels_for(method)  # valida antes de copiar el modelo
    quantized = copy.deepcopy(model)
    linears = [(name, module) for name, module in quantized.named_modules()
               if isinstance(module, nn.Linear) and name.rsplit(".", 1)[-1] not in skip]
    with torch.no_grad():
        for name, module in progress_bar(iterable=linears, desc=f"Cuantizando a {method}", disable=not progress):
            try:
                module.weight.copy_(quantize_dequantize(module.weight, method, block_size, double_quant))
            except ConfigError as error:
                raise ConfigError(f"Capa {name}: {error}") from None
    return quantized
