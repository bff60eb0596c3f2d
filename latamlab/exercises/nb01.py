"""Autocomprobaciones del cuaderno 01 (precisión y cuantización en 4 bits)."""

from __future__ import annotations

import math

from latamlab.exercises._report import report
from latamlab.quant.formats import bits_per_param

__all__ = ["check_bits", "check_absmax_int8", "check_ratio"]


def check_bits(bits: float, block_size: int = 64, double_quant: bool = True) -> bool:
    """🐢 Bits por parámetro de nf4 con bloques de `block_size`."""
    want = bits_per_param("nf4", block_size, double_quant)
    return report(math.isclose(bits, want, rel_tol=1e-3),
                  "4 bits del código + las constantes repartidas entre los parámetros del bloque.")


def check_absmax_int8(codes, x) -> bool:
    """🐕 Códigos int8 absmax (redondeo al más cercano) del tensor `x`."""
    import torch

    want = torch.round(x / x.abs().max() * 127).to(torch.int8)
    got = torch.as_tensor(codes).to(torch.int8)
    return report(got.shape == want.shape and torch.equal(got, want),
                  "la escala es 127 / max(|x|) y cada código es round(x · escala): redondea al entero "
                  "más cercano, no trunques.")


def check_ratio(ratio: float, footprints: dict[str, float]) -> bool:
    """🦁 Proporción de memoria nf4 / bf16 medida."""
    want = footprints["nf4"] / footprints["bf16"]
    return report(math.isclose(ratio, want, rel_tol=1e-3), "divide la memoria medida en nf4 entre la de bf16.")
