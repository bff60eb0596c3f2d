"""Autocomprobaciones del cuaderno 00 (bienvenida y entorno)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from latamlab.exercises._report import report
from latamlab.memory.weights import GIB, weights_bytes

__all__ = ["QWEN25_15B_UNQUANTIZED", "FORMATS", "check_weights", "check_4bit_layers", "check_int8_experiment"]

FORMATS = ("int8", "nf4")
"""Los dos formatos de bitsandbytes que compara el 🦁 3."""

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


def _bnb_format(model) -> str | None:
    """``int8``, ``nf4`` o ``fp4`` según las capas de bitsandbytes de `model`; ``None`` si no tiene."""
    import bitsandbytes as bnb

    for module in model.modules():
        if isinstance(module, bnb.nn.Linear8bitLt):
            return "int8"
        if isinstance(module, bnb.nn.Linear4bit):
            return module.weight.quant_type
    return None


def check_int8_experiment(memory_mib: Mapping[str, float], perplexities: Mapping[str, float],
                          models: Mapping[str, object], tokenizer, texts: Sequence[str], loses_more: str) -> bool:
    """🦁 Memoria (MiB) y perplejidad del modelo en int8 y en nf4 sobre `texts`, y cuál de los dos pierde más.

    Comprueba que cada modelo está de verdad en su formato y vuelve a medir con `get_memory_footprint()` y
    `latamlab.evaluation.perplexity.perplexity` (en CPU, tras la guarda de 4 bits `guard_cpu_4bit`).
    """
    from latamlab.evaluation.perplexity import perplexity
    from latamlab.models.load import guard_cpu_4bit
    from latamlab.runtime.notebook import progress_off

    if not all(sorted(d) == sorted(FORMATS) for d in (memory_mib, perplexities, models)):
        return report(False, f"usa las claves {list(FORMATS)} en `memory_mib`, `perplexities` y `models`.")
    wrong = [f for f in FORMATS if _bnb_format(models[f]) != f]
    if wrong:
        return report(False, f"el modelo de {wrong[0]} no está en ese formato: cárgalo con "
                             f"`ll.load_model(precision=\"{wrong[0]}\")`.")
    if not all(math.isclose(memory_mib[f], models[f].get_memory_footprint() / 2**20, rel_tol=0.01) for f in FORMATS):
        return report(False, "`get_memory_footprint()` devuelve bytes: divide entre 2**20 para obtener MiB.")
    with progress_off():
        measured = {}
        for f in FORMATS:
            if next(models[f].parameters()).device.type == "cpu":
                guard_cpu_4bit(models[f])  # `ll.load_model` ya la aplicó; repetirla no cambia nada
            measured[f] = perplexity(models[f], tokenizer, list(texts))
    if not all(math.isclose(perplexities[f], measured[f], rel_tol=1e-3) for f in FORMATS):
        return report(False, "mide cada perplejidad con `ll.perplexity(modelo, tokenizer, textos)` sobre los "
                             "mismos `texts` que le pasas a esta comprobación.")
    return report(loses_more == max(measured, key=measured.get),
                  "pierde más calidad el formato con la perplejidad más alta (más alta es peor).")
