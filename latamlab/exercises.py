"""Autocomprobaciones de los ejercicios de los cuadernos (🐢 / 🐕 / 🦁).

Cada función imprime ``✅`` o ``❌`` con una pista y devuelve ``True``/``False``; nunca lanza un
error, para que el cuaderno siga corriendo mientras practicas.
"""

from __future__ import annotations

import math

from latamlab.catalog import catalog
from latamlab.memory import GIB, weights_bytes

__all__ = ["check_00_pesos", "check_00_capas_4bit", "check_00_mayor_con_espanol", "check_01_bits",
           "check_01_absmax_int8", "check_01_proporcion"]


def _report(ok: bool, hint: str) -> bool:
    print("✅ ¡Correcto!" if ok else f"❌ Todavía no. Pista: {hint}")
    return ok


def check_00_pesos(bf16_gib: float, nf4_gib: float, n_params: float = 1.54e9) -> bool:
    """🐢 Cuaderno 00: GiB de los pesos de un modelo de `n_params` en bf16 y en nf4 (receta QLoRA)."""
    want_bf16 = weights_bytes(n_params, "bf16") / GIB
    want_nf4 = weights_bytes(n_params, "nf4") / GIB
    ok = math.isclose(bf16_gib, want_bf16, rel_tol=0.02) and math.isclose(nf4_gib, want_nf4, rel_tol=0.02)
    return _report(ok, "bf16 usa 16 bits por parámetro; nf4 con doble cuantización, unos 4,127 bits. "
                       "Divide los bytes entre 2**30 para obtener GiB.")


def check_00_capas_4bit(model, answer: int) -> bool:
    """🐕 Cuaderno 00: cuántas capas `bnb.nn.Linear4bit` tiene `model`."""
    import bitsandbytes as bnb

    want = sum(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
    return _report(answer == want, "recorre model.modules() y cuenta las que son bnb.nn.Linear4bit.")


def check_00_mayor_con_espanol(name: str) -> bool:
    """🦁 Cuaderno 00: el modelo más grande del catálogo que declara español y cabe en una T4."""
    fits = [c for c in catalog().values() if c.cabe_en_t4 and "es" in c.idiomas and c.parametros]
    want = max(fits, key=lambda c: c.parametros).nombre
    return _report(name == want, "filtra las fichas con cabe_en_t4 y 'es' en idiomas, y toma la de más parámetros.")


def check_01_bits(bits: float, block_size: int = 64, double_quant: bool = True) -> bool:
    """🐢 Cuaderno 01: bits por parámetro de nf4 con bloques de `block_size`."""
    from latamlab.quantize import bits_per_parameter

    want = bits_per_parameter(4, block_size, double_quant)
    return _report(math.isclose(bits, want, rel_tol=1e-3),
                   "4 bits del código + las constantes repartidas entre los parámetros del bloque.")


def check_01_absmax_int8(codes, x) -> bool:
    """🐕 Cuaderno 01: códigos int8 absmax (redondeo al más cercano) del tensor `x`."""
    import torch

    want = torch.round(x / x.abs().max() * 127).to(torch.int8)
    got = torch.as_tensor(codes).to(torch.int8)
    return _report(got.shape == want.shape and torch.equal(got, want),
                   "escala = 127 / max(|x|); código = round(x · escala).")


def check_01_proporcion(ratio: float, footprints: dict[str, float]) -> bool:
    """🦁 Cuaderno 01: proporción de memoria nf4 / bf16 medida."""
    want = footprints["nf4"] / footprints["bf16"]
    return _report(math.isclose(ratio, want, rel_tol=1e-3), "divide la memoria medida en nf4 entre la de bf16.")
