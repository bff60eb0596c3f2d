"""GPUs como datos fechados y la búsqueda de lo que cabe: lote, largo y cuántas GPU (cuaderno 07).

Las especificaciones y precios están en ``gpus.yaml`` (con su fuente y fecha). La búsqueda usa
`estimate_memory`, cuya memoria crece con el lote y con el largo, así que basta una búsqueda binaria.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Literal

import yaml

from latamlab.config import closest
from latamlab.errors import ConfigError
from latamlab.memory.estimate import MemoryBreakdown, estimate_memory

__all__ = ["GPU", "gpus", "get_gpu", "price_as_of", "fits", "max_batch_size", "max_length_that_fits", "Stage",
           "STAGES", "shard", "gpus_needed"]

Stage = Literal["ddp", "zero1", "zero2", "zero3"]
STAGES: tuple[str, ...] = ("ddp", "zero1", "zero2", "zero3")
GIB = 2**30


@dataclass(frozen=True)
class GPU:
    """Una GPU: memoria nominal y usable (GiB), bf16 nativo, precio por hora (USD) con su fuente y TFLOP/s en 16 bits."""

    name: str
    full_name: str
    memory_gib: float
    usable_gib: float
    native_bf16: bool
    hourly_usd: float
    price_source: str
    peak_tflops: float = 0.0

    @property
    def usable_bytes(self) -> float:
        return self.usable_gib * GIB

    @property
    def compute_dtype(self) -> str:
        """bf16 en una GPU con bf16 nativo; fp16 en una T4 (como `latamlab.quant.presets.compute_dtype_for`)."""
        return "bf16" if self.native_bf16 else "fp16"


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return yaml.safe_load(resources.files("latamlab.memory").joinpath("gpus.yaml").read_text(encoding="utf-8"))


def gpus() -> dict[str, GPU]:
    """Las GPU de ``gpus.yaml``: nombre corto → `GPU`."""
    return {name: GPU(name=name, **spec) for name, spec in _data()["gpus"].items()}


def price_as_of() -> str:
    """Fecha (y estado de verificación) de los precios de ``gpus.yaml``."""
    return str(_data()["price_as_of"])


def get_gpu(name: str | GPU) -> GPU:
    """La GPU `name` (``t4``, ``l4``, ``a100-40``, ``a100-80``, ``h100``).

    Raises:
        ConfigError: si no está, con la más parecida.
    """
    if isinstance(name, GPU):
        return name
    table = gpus()
    key = str(name).strip().lower()
    if key not in table:
        raise ConfigError(f"`gpu` debe ser una de {', '.join(table)}; recibí {name!r}.{closest(key, table)}")
    return table[key]


def fits(breakdown: MemoryBreakdown, gpu: str | GPU) -> bool:
    """Si el pico estimado (`breakdown.total`) cabe en la memoria usable de `gpu`."""
    return breakdown.total <= get_gpu(gpu).usable_bytes


def _largest(fits_at: Callable[[int], bool], limit: int) -> int:
    """El mayor n en [1, limit] con ``fits_at(n)`` (monótona: si n cabe, todo m < n cabe); 0 si ninguno."""
    if not fits_at(1):
        return 0
    low, high = 1, limit
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if fits_at(mid) else (low, mid - 1)
    return low


def max_batch_size(model: Any, gpu: str | GPU, method: str = "qlora", max_length: int = 512,
                   limit: int = 4096, **kwargs: Any) -> int:
    """El lote más grande que cabe en `gpu` con `max_length` tokens (0 si ni uno cabe).

    `kwargs` van a `estimate_memory` (`gradient_checkpointing`, `lora_r`…); el tipo de cálculo es el de la GPU.
    """
    gpu = get_gpu(gpu)
    kwargs.setdefault("compute_dtype", gpu.compute_dtype)
    return _largest(lambda b: fits(estimate_memory(model, method, b, max_length, **kwargs), gpu), limit)


def max_length_that_fits(model: Any, gpu: str | GPU, method: str = "qlora", batch_size: int = 1,
                         limit: int = 131_072, **kwargs: Any) -> int:
    """La secuencia más larga (tokens) que cabe en `gpu` con `batch_size` ejemplos (0 si ni un token cabe)."""
    gpu = get_gpu(gpu)
    kwargs.setdefault("compute_dtype", gpu.compute_dtype)
    return _largest(lambda s: fits(estimate_memory(model, method, batch_size, s, **kwargs), gpu), limit)


def shard(breakdown: MemoryBreakdown, n_gpus: int, stage: Stage) -> MemoryBreakdown:
    """La memoria por GPU de `breakdown` repartido en `n_gpus` con DDP o una etapa de ZeRO.

    DDP copia todo en cada GPU. ZeRO-1 reparte los estados del optimizador; ZeRO-2, también los
    gradientes; ZeRO-3 (equivale a FSDP ``FULL_SHARD``), también los pesos y sus constantes. Las
    activaciones y los logits son de cada GPU (su propio lote) y no se reparten. ZeRO-3 reúne una capa
    entera a la vez para calcularla: ese bloque de pesos se suma a los picos transitorios.
    """
    if stage not in STAGES:
        raise ConfigError(f"`stage` debe ser uno de {', '.join(STAGES)}; recibí {stage!r}.{closest(str(stage), STAGES)}")
    if n_gpus < 1:
        raise ConfigError(f"`n_gpus` debe ser ≥ 1; recibí {n_gpus}.")
    level = STAGES.index(stage)
    parts: dict[str, float] = {}
    if level >= 1:
        parts["optimizer"] = breakdown.optimizer / n_gpus
    if level >= 2:
        parts["gradients"] = breakdown.gradients / n_gpus
    if level >= 3:
        weights = breakdown.weights + breakdown.quant_constants + breakdown.lora
        parts.update(weights=breakdown.weights / n_gpus, quant_constants=breakdown.quant_constants / n_gpus,
                     lora=breakdown.lora / n_gpus, temporary=breakdown.temporary + weights / max(breakdown.layers, 1))
    return replace(breakdown, **parts)


def gpus_needed(model: Any, gpu: str | GPU, method: str = "qlora", stage: Stage = "zero3", batch_size: int = 1,
                max_length: int = 512, limit: int = 64, **kwargs: Any) -> int:
    """Cuántas GPU de tipo `gpu` hacen falta para entrenar con `stage` (0 si ni `limit` alcanzan)."""
    gpu = get_gpu(gpu)
    kwargs.setdefault("compute_dtype", gpu.compute_dtype)
    breakdown = estimate_memory(model, method, batch_size, max_length, **kwargs)
    for n in range(1, limit + 1):
        if fits(shard(breakdown, n, stage), gpu):
            return n
    return 0
