"""Autocomprobaciones del cuaderno 01 (precisión y cuantización en 4 bits)."""

from __future__ import annotations

import math

from latamlab.exercises._report import report
from latamlab.quant.formats import bits_per_param

__all__ = ["check_bits", "check_absmax_int8", "check_ratio", "check_best_format"]


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


def check_ratio(ratio: float, footprints: dict[str, float], reference: str = "bf16") -> bool:
    """🐕 Proporción de memoria nf4 / `reference` (la precisión de 16 bits) medida."""
    want = footprints["nf4"] / footprints[reference]
    return report(math.isclose(ratio, want, rel_tol=1e-3),
                  f"divide la memoria medida en nf4 entre la de {reference}.")


def check_best_format(winner: str, errors: dict[str, float], weights, block_size: int = 64) -> bool:
    """🦁 ECM de int4, fp4 y nf4 en `weights` (bloques de `block_size`) y el formato con menos error."""
    from latamlab.quant.by_hand import reconstruction_mse

    want = {m: reconstruction_mse(weights, m, block_size) for m in ("int4", "fp4", "nf4")}
    same = set(errors) == set(want) and all(math.isclose(errors[m], want[m], rel_tol=1e-3) for m in want)
    if not same:
        return report(False, "calcula reconstruction_mse(pesos, metodo, 64) para int4, fp4 y nf4 y guárdalos en "
                             "un diccionario con esas tres claves.")
    return report(winner == min(want, key=want.get), "el ganador es el formato con el ECM más pequeño.")
