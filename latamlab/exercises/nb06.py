"""Autocomprobaciones del cuaderno 06 (cuantización y despliegue)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from latamlab.exercises._report import report

__all__ = ["check_q8_0_bits", "check_pruned_layer", "check_block_pruning"]

#: Q8_0 de llama.cpp: bloques de 32 pesos de 8 bits con una escala en fp16 por bloque.
Q8_0_BLOCK, Q8_0_SCALE_BITS = 32, 16


def check_q8_0_bits(bits: float) -> bool:
    """🐢 Bits por peso de GGUF Q8_0 (bloques de 32 pesos de 8 bits, una escala fp16 por bloque)."""
    expected = 8 + Q8_0_SCALE_BITS / Q8_0_BLOCK
    if math.isclose(bits, 8):
        hint = "contaste solo los 8 bits de cada peso; cada bloque de 32 pesos guarda además su escala de 16 bits."
    elif math.isclose(bits, 8 + 32 / Q8_0_BLOCK):
        hint = "la escala de cada bloque está en fp16, es decir, 16 bits (no 32), repartidos entre sus 32 pesos."
    else:
        hint = "suma los 8 bits del peso y la parte de la escala que le toca: 16 bits divididos entre los 32 pesos."
    return report(math.isclose(bits, expected, rel_tol=1e-6), hint)


def check_pruned_layer(pruned: torch.Tensor, original: torch.Tensor, amount: float) -> bool:
    """🐕 Una matriz podada por magnitud a mano: la fracción `amount` de pesos de menor valor absoluto, en cero."""
    pruned, original = pruned.detach().float(), original.detach().float()
    if pruned.shape != original.shape:
        return report(False, f"la matriz podada tiene forma {tuple(pruned.shape)} y la original "
                             f"{tuple(original.shape)}; pon ceros en la misma matriz, sin quitar filas ni columnas.")
    zeros = pruned == 0
    target = round(amount * original.numel())
    if abs(int(zeros.sum()) - target) > max(1, original.numel() // 200):  # empates en el umbral (pesos repetidos)
        return report(False, f"hay {int(zeros.sum())} pesos en cero y deberían ser unos {target} (la fracción "
                             f"{amount} del total de la matriz, no de cada fila).")
    kept_same = torch.equal(pruned[~zeros], original[~zeros])
    by_magnitude = bool(original[~zeros].abs().min() >= original[zeros].abs().max())
    if kept_same and not by_magnitude:
        return report(False, "pusiste en cero los pesos más negativos; la poda por magnitud compara el valor "
                             "absoluto (`abs()`), porque un peso de -0,9 pesa tanto como uno de 0,9.")
    return report(kept_same and by_magnitude, "los pesos que quedan deben ser los originales, sin cambiar, y los de "
                                             "mayor valor absoluto: usa un umbral sobre `original.abs()`.")


def check_block_pruning(perplexities: Mapping[str, float], model: str | Path, texts: Sequence[str],
                        amount: float = 0.5) -> bool:
    """🦁 Perplejidad al podar `amount` solo de la MLP (``mlp``) y solo de la atención (``self_attn``); se remide."""
    from latamlab.deploy.prune import prune_magnitude
    from latamlab.evaluation.perplexity import perplexity_report
    from latamlab.models.load import load_model

    if set(perplexities) != {"mlp", "self_attn"}:
        return report(False, f"tus claves son {sorted(perplexities)}; usa un diccionario con dos claves, «mlp» y "
                             "«self_attn», con la perplejidad de cada poda.")
    measured = {}
    for block in ("mlp", "self_attn"):
        pruned, tokenizer = load_model(str(model), precision="fp32")
        prune_magnitude(pruned.eval(), amount, only=block)
        measured[block] = perplexity_report(pruned, tokenizer, list(texts)).perplexity
        del pruned
    close = {b: math.isclose(perplexities[b], measured[b], rel_tol=1e-3) for b in measured}
    if all(close.values()):
        return report(True, "")
    if math.isclose(perplexities["mlp"], measured["self_attn"], rel_tol=1e-3):
        return report(False, "tus dos cifras están al revés: la de «mlp» es la que da podar la atención; revisa "
                             "qué texto pasas a `only` en cada caso.")
    wrong = ", ".join(b for b, ok in close.items() if not ok)
    return report(False, f"no reproduzco tu perplejidad de {wrong}; parte del modelo recién cargado en fp32 en cada "
                         f"caso, poda con `prune_magnitude(modelo, {amount}, only=...)` y mide con los mismos textos.")
