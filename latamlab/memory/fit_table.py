"""La tabla «¿cabe?»: cada modelo del catálogo × GPU × método, y cuántas GPU hacen falta si no cabe (cuaderno 07)."""

from __future__ import annotations

from typing import Any

from latamlab.memory.estimate import METHODS, estimate_memory
from latamlab.memory.gpus import STAGES, fits, get_gpu, gpus, gpus_needed, max_batch_size

__all__ = ["fit_row", "fit_table"]


def fit_row(model: str, gpu: str, method: str, batch_size: int = 1, max_length: int = 512,
            gradient_checkpointing: bool = True, limit: int = 64, **estimate_kwargs: Any) -> dict[str, Any]:
    """Una celda de la tabla: pico estimado en una GPU, si cabe, el lote máximo y, si no cabe, el reparto.

    El reparto es el menor número de GPU con que cabe y la etapa más simple que lo logra (DDP, ZeRO-1,
    ZeRO-2 o ZeRO-3/FSDP), con `batch_size` ejemplos por GPU.
    """
    spec = get_gpu(gpu)
    kwargs = {"gradient_checkpointing": gradient_checkpointing, "compute_dtype": spec.compute_dtype, **estimate_kwargs}
    breakdown = estimate_memory(model, method, batch_size, max_length, **kwargs)
    row = {"model": model, "gpu": spec.name, "method": method, "total_gib": breakdown.total / 2**30,
           "fits": fits(breakdown, spec), "max_batch_size": 0, "gpus": 1, "stage": "ddp"}
    if row["fits"]:
        row["max_batch_size"] = max_batch_size(model, spec, method, max_length, **kwargs)
        return row
    needs = {stage: gpus_needed(model, spec, method, stage, batch_size, max_length, limit, **kwargs)
             for stage in STAGES}
    possible = [(n, STAGES.index(stage), stage) for stage, n in needs.items() if n]
    row["gpus"], _, row["stage"] = min(possible) if possible else (0, 0, "ninguna")
    return row


def fit_table(models: list[str] | None = None, gpu_names: list[str] | None = None,
              methods: tuple[str, ...] = METHODS, **kwargs: Any) -> list[dict[str, Any]]:
    """Todas las celdas de la tabla (por defecto, todo el catálogo × todas las GPU × full, lora, qlora)."""
    from latamlab.models.catalog import catalog

    models = models or list(catalog())
    gpu_names = gpu_names or list(gpus())
    return [fit_row(m, g, method, **kwargs) for m in models for g in gpu_names for method in methods]
