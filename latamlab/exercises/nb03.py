"""Autocomprobaciones del cuaderno 03 (LoRA desde cero)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from latamlab.exercises._report import report

__all__ = ["FIXED_ALPHA", "RANKS", "check_lora_params", "check_delta_weight", "check_fixed_alpha"]

FIXED_ALPHA = 16
"""El `alpha` del 🦁 3: el mismo para todos los rangos."""
RANKS = (2, 8, 32)
"""Los rangos del 🦁 3, los del barrido de la sección 7."""


def check_lora_params(n: int, d_in: int, d_out: int, r: int) -> bool:
    """🐢 Parámetros que agrega LoRA de rango `r` a una capa lineal de `d_in` entradas y `d_out` salidas."""
    return report(n == r * (d_in + d_out),
                  "A tiene forma r × d_in y B tiene forma d_out × r: suma los elementos de las dos matrices.")


def check_delta_weight(delta, layer) -> bool:
    """🐕 La actualización ``(alpha / r) · B·A`` de una `LoRALinear`, con la forma de su peso base."""
    import torch

    want = layer.delta_weight().detach()
    try:
        got = torch.as_tensor(delta).detach().to(want.dtype)
        ok = got.shape == want.shape and torch.allclose(got, want, atol=1e-6)
    except (TypeError, RuntimeError, ValueError):
        ok = False
    return report(ok, "multiplica B (salidas × r) por A (r × entradas) y no olvides la escala alpha / r "
                      "(`layer.scaling`).")


def check_fixed_alpha(final_losses: Mapping[int, float], model, batches: list, target_modules: Sequence[str],
                      steps: int, lr: float) -> bool:
    """🦁 Pérdida del último paso de LoRA con ``alpha = 16`` fijo y r = 2, 8 y 32, cada una desde una copia de `model`.

    Vuelve a entrenar las tres corridas con `latamlab.train.lora_by_hand.train_lora_copy` (semilla 0) y compara.
    """
    from latamlab.train.lora_by_hand import train_lora_copy

    def final(r: int, alpha: float) -> float:
        return train_lora_copy(model, batches, target_modules, r=r, alpha=alpha, steps=steps, lr=lr).losses[-1]

    if sorted(final_losses) != list(RANKS):
        return report(False, f"`final_losses` debe tener una pérdida por rango, con claves {list(RANKS)}; "
                             f"recibí {sorted(final_losses)}.")
    ok = all(math.isclose(final_losses[r], final(r, FIXED_ALPHA), rel_tol=1e-4) for r in RANKS)
    if not ok and all(math.isclose(final_losses[r], final(r, 2 * r), rel_tol=1e-4) for r in (2, 32)):
        return report(False, "esas son las pérdidas con alpha = 2·r del barrido: deja alpha = 16 en las tres "
                             "corridas, así la escala alpha / r cambia con el rango.")
    return report(ok, "entrena cada rango desde una copia nueva del modelo con la semilla 0 (`train_lora_copy`), "
                      "con alpha = 16, los mismos pasos y la misma tasa de aprendizaje, y guarda la pérdida del "
                      "último paso (`losses[-1]`).")
