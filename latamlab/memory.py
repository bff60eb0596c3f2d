"""Cuentas de memoria: bytes por parámetro y estimaciones de ajuste fino (cuadernos 00, 01 y 07)."""

from __future__ import annotations

from latamlab.precision import Precision, check_precision
from latamlab.quantize import bits_per_parameter

__all__ = ["GIB", "GB", "bits_per_param", "weights_bytes", "full_finetune_bytes", "qlora_weights_bytes"]

GIB = 2**30
GB = 10**9


def bits_per_param(precision: Precision | str, block_size: int = 64, double_quant: bool = True) -> float:
    """Bits que ocupa cada parámetro en `precision`, contando las escalas de cuantización.

    En nf4/fp4 con bloques de 64 y doble cuantización (la receta QLoRA) son ≈ 4,127 bits;
    en int8 de bitsandbytes (LLM.int8) hay una escala float32 por fila, que aquí se desprecia.
    """
    precision = check_precision(precision)
    if precision in ("nf4", "fp4"):
        return bits_per_parameter(4, block_size, double_quant)
    return {"int8": 8.0, "bf16": 16.0, "fp16": 16.0, "fp32": 32.0}[precision]


def weights_bytes(n_params: float, precision: Precision | str) -> float:
    """Bytes de los pesos de un modelo de `n_params` parámetros en `precision`."""
    return n_params * bits_per_param(precision) / 8


def full_finetune_bytes(n_params: float) -> float:
    """Ajuste fino completo en 16 bits con Adam, sin contar activaciones.

    Pesos (2 B) + gradientes (2 B) + dos momentos de Adam en fp32 (8 B) = 12 bytes por parámetro:
    para 65 000 millones de parámetros, 780 GB; con activaciones, más (el artículo QLoRA dice «>780 GB»).
    """
    return 12 * n_params


def qlora_weights_bytes(n_params: float) -> float:
    """Pesos congelados en nf4 con doble cuantización (≈ 4,127 bits por parámetro)."""
    return weights_bytes(n_params, "nf4")
