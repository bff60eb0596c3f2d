"""Costo de un entrenamiento y la afirmación «QLoRA/LoRA reduce el costo ~65 %», puesta a prueba (cuaderno 07).

Horas = tokens × FLOP por token / (GPU × TFLOP/s pico × MFU). Por token, con N parámetros: el paso
adelante cuesta 2N; el ajuste completo suma 4N atrás (gradientes de entradas y de pesos) = 6N; LoRA
solo necesita los gradientes de las entradas (2N) = 4N; *gradient checkpointing* repite el paso
adelante (+2N). QLoRA además descuantiza cada peso en cada paso: `qlora_slowdown` (supuesto, no medido
aquí). El MFU (fracción del pico que se logra) también es un supuesto: cámbialo por el que midas.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from latamlab.memory.fit_table import fit_row
from latamlab.memory.gpus import get_gpu
from latamlab.memory.weights import count_params

__all__ = ["TrainingCost", "flops_per_token", "training_cost", "compare_claim"]


def flops_per_token(n_params: float, method: str, gradient_checkpointing: bool = True) -> float:
    """FLOP por token de entrenamiento: 6N (full) o 4N (lora, qlora), más 2N con checkpointing."""
    base = 6 if method == "full" else 4
    return (base + (2 if gradient_checkpointing else 0)) * n_params


@dataclass(frozen=True)
class TrainingCost:
    """Costo de una configuración: GPU, cuántas, etapa, horas y dólares."""

    model: str
    method: str
    gpu: str
    n_gpus: int
    stage: str
    tokens: float
    tokens_per_second: float
    hours: float
    usd: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def training_cost(model: str, method: str, gpu: str, tokens: float, mfu: float = 0.35,
                  qlora_slowdown: float = 1.3, gradient_checkpointing: bool = True, batch_size: int = 1,
                  max_length: int = 1024, tokens_per_second: float | None = None,
                  full_param_dtype: str = "fp32") -> TrainingCost:
    """Horas y USD de entrenar `tokens` tokens con `method` en GPUs `gpu` (las que hagan falta para caber).

    Args:
        tokens_per_second: rendimiento medido del conjunto de GPU; si no se da, sale de los FLOP, el pico
            de la GPU y `mfu` (supuesto).
        full_param_dtype: pesos del ajuste completo: fp32 (precisión mixta clásica, 16 B por parámetro con
            AdamW) o bf16 (bf16 puro, 8 B por parámetro).
    """
    spec = get_gpu(gpu)
    extra = {"param_dtype": full_param_dtype} if method == "full" else {}
    row = fit_row(model, spec.name, method, batch_size, max_length, gradient_checkpointing, **extra)
    n_gpus = row["gpus"] if not row["fits"] else 1
    if tokens_per_second is None:
        n_params = count_params(_config(model)).total
        tokens_per_second = n_gpus * spec.peak_tflops * 1e12 * mfu / flops_per_token(n_params, method,
                                                                                      gradient_checkpointing)
        if method == "qlora":
            tokens_per_second /= qlora_slowdown
    hours = tokens / tokens_per_second / 3600 if n_gpus else float("inf")
    return TrainingCost(model, method, spec.name, n_gpus, row["stage"], tokens, tokens_per_second, hours,
                        hours * n_gpus * spec.hourly_usd)


def _config(model: str):
    from latamlab.memory.configs import model_config

    return model_config(model)


def compare_claim(model: str = "meta-llama/Llama-3.1-8B-Instruct", tokens: float = 10_000 * 512,
                  setups: dict[str, tuple[str, str]] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Pone a prueba «~65 % más barato»: costo de cada (método, GPU) y ahorro frente al ajuste completo.

    Por defecto: un modelo de 8B, una época de 10 000 ejemplos de 512 tokens (5,12 M tokens), ajuste
    completo en H100 (las que hagan falta), LoRA en una A100-80 y QLoRA en una L4 o en la misma H100.
    """
    setups = setups or {"full · h100": ("full", "h100"), "lora · a100-80": ("lora", "a100-80"),
                        "lora · h100": ("lora", "h100"), "qlora · h100": ("qlora", "h100"),
                        "qlora · l4": ("qlora", "l4")}
    costs = {name: training_cost(model, method, gpu, tokens, **kwargs) for name, (method, gpu) in setups.items()}
    reference = next(c for c in costs.values() if c.method == "full")
    return {name: {**c.to_dict(), "saving_percent": 100 * (1 - c.usd / reference.usd)} for name, c in costs.items()}
