"""Autocomprobaciones del cuaderno 03 (LoRA desde cero)."""

from __future__ import annotations

from latamlab.exercises._report import report
from latamlab.train.lora_by_hand import lora_param_count

__all__ = ["check_lora_params", "check_delta_weight", "check_trainable"]


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


def check_trainable(n: int, model, target_modules: list[str], r: int) -> bool:
    """🦁 Parámetros entrenables de LoRA de rango `r` sobre `target_modules` en `model` (sin inyectarla)."""
    return report(n == lora_param_count(model, target_modules, r),
                  "recorre `model.named_modules()` y usa `in_features` y `out_features` de cada capa: con "
                  "atención de consultas agrupadas, k_proj y v_proj tienen menos salidas que q_proj.")
