"""Autocomprobaciones del cuaderno 04 (QLoRA en finanzas)."""

from __future__ import annotations

import math
from pathlib import Path

from latamlab.exercises._report import report

__all__ = ["check_adapter_mib", "check_t4_recipe", "check_transfer"]


def check_adapter_mib(mib: float, adapter_dir: str | Path) -> bool:
    """🐢 Tamaño en MiB (2**20 bytes) del archivo de pesos de un adaptador guardado."""
    size = (Path(adapter_dir) / "adapter_model.safetensors").stat().st_size / 2**20
    return report(math.isclose(mib, size, rel_tol=0.01),
                  "mira `Path(adapter_dir, 'adapter_model.safetensors').stat().st_size` y divide por 2**20 "
                  "(un MiB son 1 048 576 bytes, no 1 000 000).")


def check_t4_recipe(recipe) -> bool:
    """🐕 La receta QLoRA para una T4: 4 bits NF4, doble cuantización y cálculo en fp16 (la T4 no tiene bf16)."""
    import torch

    problems = []
    if not getattr(recipe, "load_in_4bit", False):
        problems.append("pide 4 bits con `load_in_4bit=True` dentro de la BitsAndBytesConfig")
    if getattr(recipe, "bnb_4bit_quant_type", None) != "nf4":
        problems.append("el tipo de 4 bits de QLoRA es `bnb_4bit_quant_type=\"nf4\"`")
    if not getattr(recipe, "bnb_4bit_use_double_quant", False):
        problems.append("la doble cuantización es `bnb_4bit_use_double_quant=True`")
    if getattr(recipe, "bnb_4bit_compute_dtype", None) != torch.float16:
        problems.append("la T4 (capacidad 7.5) no calcula en bf16: usa `bnb_4bit_compute_dtype=torch.float16`")
    return report(not problems, "; ".join(problems) + ".")


def check_transfer(result, finance_on_consumer: float, steps: int) -> bool:
    """🦁 Un adaptador de consumo que parte del de finanzas, evaluado al empezar y al terminar.

    Args:
        result: el `TrainResult` del entrenamiento de transferencia.
        finance_on_consumer: pérdida del adaptador de finanzas en la validación de consumo (la de la tabla).
        steps: pasos que debía entrenar (los mismos del adaptador de consumo desde cero).
    """
    if result.start_eval_loss is None or result.eval_loss is None:
        return report(False, "evalúa al empezar y al terminar: `eval_on_start=True` y `eval_steps` igual a los pasos.")
    if result.global_step != steps:
        return report(False, f"entrena los mismos pasos que el adaptador de consumo ({steps}), no "
                             f"{result.global_step}: si no, la comparación no es justa.")
    if not math.isclose(result.start_eval_loss, finance_on_consumer, abs_tol=1e-3):
        return report(False, "al empezar, tu adaptador debería ser el de finanzas: pasa `init_adapter` con su carpeta "
                             "y parte de `tabla_config` (los mismos ejemplos de validación de la tabla).")
    return report(True, "")
