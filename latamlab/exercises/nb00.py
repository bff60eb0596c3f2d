"""Autocomprobaciones del cuaderno 00 (bienvenida y entorno)."""

from __future__ import annotations

import math

from latamlab.exercises._report import report
from latamlab.memory.weights import GIB, weights_bytes
from latamlab.models.catalog import catalog

__all__ = ["QWEN25_15B_UNQUANTIZED", "check_weights", "check_4bit_layers", "check_largest_spanish"]

QWEN25_15B_UNQUANTIZED = 233_518_592
"""Parámetros de Qwen2.5-1.5B-Instruct que bitsandbytes no cuantiza: incrustaciones de 151 936 × 1536
(compartidas con `lm_head`), normas y sesgos de atención. Contados con
`latamlab.memory.weights.count_params` sobre su configuración (una prueba lo vuelve a contar)."""


def check_weights(bf16_gib: float, nf4_gib: float, n_params: float = 1.54e9,
                  unquantized_params: float = QWEN25_15B_UNQUANTIZED) -> bool:
    """🐢 GiB de los pesos de un modelo de `n_params` en bf16 y en nf4 (receta QLoRA) en una GPU.

    En nf4 los `unquantized_params` (incrustaciones, normas, sesgos) quedan en 16 bits, como hace
    bitsandbytes: así la respuesta coincide con lo que muestra `get_memory_footprint()` en una T4.
    Por defecto, Qwen2.5-1.5B-Instruct.
    """
    want_bf16 = weights_bytes(n_params, "bf16") / GIB
    want_nf4 = weights_bytes(n_params, "nf4", unquantized_params=unquantized_params, unquantized_bits=16) / GIB
    ok = math.isclose(bf16_gib, want_bf16, rel_tol=0.02) and math.isclose(nf4_gib, want_nf4, rel_tol=0.02)
    return report(ok, "bf16 usa 16 bits por parámetro; en nf4 con doble cuantización las capas lineales usan "
                      "unos 4,127 bits, pero las incrustaciones, normas y sesgos (`unquantized_params`) quedan "
                      "en 16 bits. Divide los bytes entre 2**30 para obtener GiB.")


def check_4bit_layers(model, answer: int) -> bool:
    """🐕 Cuántas capas `bnb.nn.Linear4bit` tiene `model`."""
    import bitsandbytes as bnb

    want = sum(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
    return report(answer == want, "recorre model.modules() y cuenta las que son bnb.nn.Linear4bit.")


def check_largest_spanish(name: str) -> bool:
    """🦁 El modelo más grande del catálogo que declara español y cabe en una T4."""
    fits = [c for c in catalog().values() if c.fits_t4 and "es" in c.languages and c.params]
    want = max(fits, key=lambda c: c.params).name
    return report(name == want, "filtra las fichas con fits_t4 y 'es' en languages, y toma la de más params.")
