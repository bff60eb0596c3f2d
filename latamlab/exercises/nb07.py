"""Autocomprobaciones del cuaderno 07 (memoria, costo y escala)."""

from __future__ import annotations

import math

from latamlab.exercises._report import report
from latamlab.numbers import fmt_number

__all__ = ["check_optimizer_gib", "check_lora_saving", "check_gpus_70b", "check_prediction"]

GIB = 2**30


def check_optimizer_gib(gib: float, model: str = "qwen2.5-1.5b-instruct", gpu: str = "t4") -> bool:
    """🐢 GiB de los estados de AdamW (32 bits) del ajuste completo de `model` en `gpu`, calculados a mano."""
    from latamlab.memory.estimate import estimate_memory
    from latamlab.memory.gpus import get_gpu

    breakdown = estimate_memory(model, "full", compute_dtype=get_gpu(gpu).compute_dtype)
    want = breakdown.optimizer / GIB
    if math.isclose(gib, breakdown.optimizer / 1e9, rel_tol=0.01):
        hint = "dividiste por 1e9 (GB); un GiB son 2**30 bytes, la unidad de las barras y de `memoria`."
    elif math.isclose(gib, want / 2, rel_tol=0.01):
        hint = "AdamW guarda dos estados por parámetro (el promedio del gradiente y el de su cuadrado), no uno."
    else:
        hint = (f"multiplica los {fmt_number(breakdown.trainable_params, 0)} parámetros por 2 estados y por 4 bytes (fp32: en "
                "la T4 los pesos maestros y sus estados van en fp32) y divide por 2**30.")
    return report(math.isclose(gib, want, rel_tol=0.01), hint)


def check_lora_saving(percent: float, gradient_checkpointing: bool = True) -> bool:
    """🐢 Ahorro (%) de cómputo de LoRA frente al ajuste completo en la misma GPU, contando FLOP por token."""
    from latamlab.memory.cost import flops_per_token

    want = 100 * (1 - flops_per_token(1, "lora", gradient_checkpointing) / flops_per_token(1, "full",
                                                                                           gradient_checkpointing))
    other = 100 * (1 - flops_per_token(1, "lora", not gradient_checkpointing) / flops_per_token(1, "full",
                                                                                                 not gradient_checkpointing))
    if math.isclose(percent, other, abs_tol=0.5):
        hint = ("esa es la cuenta " + ("sin" if gradient_checkpointing else "con") + " recálculo de activaciones: "
                "con checkpointing cada método repite el paso hacia adelante (+2N por token).")
    else:
        hint = ("por token, el completo cuesta 6N (2N adelante y 4N atrás) y LoRA 4N (atrás solo el gradiente de "
                "las entradas); el checkpointing suma 2N a los dos. Ahorro = 1 − LoRA / completo, en %.")
    return report(math.isclose(percent, want, abs_tol=0.5), hint)


def check_gpus_70b(n_gpus: int, gpu: str = "a100-40", method: str = "lora", max_length: int = 1024) -> bool:
    """🐕 Cuántas GPU `gpu` necesita LatamGPT-70B con `method` y ZeRO-3, lote 1 por GPU y `max_length` tokens."""
    from latamlab.memory.estimate import estimate_memory
    from latamlab.memory.gpus import get_gpu, gpus_needed

    spec = get_gpu(gpu)
    want = gpus_needed("latamgpt-70b", spec, method, "zero3", 1, max_length)
    if isinstance(n_gpus, int) and 0 < n_gpus < want:
        hint = (f"con {n_gpus} no alcanza: `shard(desglose, {n_gpus}, 'zero3')` reparte pesos, gradientes y "
                "optimizador, pero las activaciones, los logits y la capa que se reúne siguen enteros en cada GPU.")
    else:
        total = estimate_memory("latamgpt-70b", method, 1, max_length, compute_dtype=spec.compute_dtype).total
        hint = (f"el total en una sola GPU es {fmt_number(total / GIB, 0)} GiB; prueba `shard(desglose, n, 'zero3')` con n "
                "creciente hasta que `fits(..., gpu)` sea verdadero, o usa `gpus_needed`; busca el menor n.")
    return report(n_gpus == want, hint)


def check_prediction(measured, estimated, model: str, max_length: int, batch_size: int = 1) -> bool:
    """🦁 Un libro exacto (`MemoryLedger`) y su estimación (`MemoryBreakdown`) del mismo paso, a menos de 10 %.

    Args:
        measured: lo que devolvió `measure_training_step`.
        estimated: lo que devolvió `estimate_memory` para el mismo paso (``device="cpu"``).
        model: el modelo medido (su vocabulario dice cuántos tokens tenía el paso).
        max_length: el largo pedido en el ejercicio.
        batch_size: el lote pedido.
    """
    from latamlab.memory.configs import model_config

    vocab = model_config(model).get_text_config().vocab_size
    tokens = batch_size * max_length
    if not hasattr(measured, "saved_by_op") or not hasattr(estimated, "counted"):
        return report(False, "pasa primero lo que devuelve `measure_training_step` y después lo que devuelve "
                             "`estimate_memory`, en ese orden.")
    if estimated.logits not in {tokens * vocab * (a + 4) for a in (2, 4)}:
        return report(False, f"tu estimación no es de {batch_size} × {max_length} tokens: pasa `batch_size` y "
                             "`max_length` a `estimate_memory`.")
    if not math.isclose(measured.logits, estimated.logits, rel_tol=0.01):
        return report(False, f"la medición no es del mismo paso: usa `input_ids` de forma ({batch_size}, "
                             f"{max_length}) y `compute_dtype=\"fp32\"` en la estimación (el tipo de `build_for_method`).")
    error = abs(estimated.counted / measured.total - 1)
    return report(error < 0.10, f"la estimación se aleja {fmt_number(100 * error, 0)} % de lo medido: usa el mismo método, "
                                "`lora_r=8`, `lora_dropout=0.0`, `adapter_dtype=\"fp32\"`, `device=\"cpu\"` y el "
                                "mismo `gradient_checkpointing` en las dos.")
