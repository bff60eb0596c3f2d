"""``latamlab memoria``: ¿cabe mi entrenamiento en esta GPU? La misma función sirve al cuaderno 07 y a la CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from latamlab.config import Config
from latamlab.errors import ConfigError
from latamlab.memory.estimate import MemoryBreakdown, Method, estimate_memory

__all__ = ["MemoryOptions", "MemoryReport", "memoria"]


@dataclass
class MemoryOptions(Config):
    """Opciones de ``latamlab memoria`` y de `latamlab.memory.report.memoria` (las mismas, con los mismos nombres)."""

    model: str = field(default="qwen2.5-1.5b-instruct", metadata={
        "help": "nombre del catálogo, id del hub (en architectures.yaml o en la caché) o ruta de un config.json"})
    method: Method = field(default="qlora", metadata={"help": "full (todos los pesos), lora o qlora (base en 4 bits)"})
    batch_size: int = field(default=1, metadata={"help": "ejemplos por lote"})
    max_length: int = field(default=512, metadata={"help": "tokens por ejemplo"})
    gradient_checkpointing: bool = field(default=True, metadata={
        "help": "recalcula las activaciones en el paso hacia atrás: menos memoria, más tiempo"})
    gpu: str = field(default="t4", metadata={"help": "t4, l4, a100-40, a100-80 o h100"})

    def __post_init__(self) -> None:
        super().__post_init__()
        from latamlab.memory.gpus import get_gpu

        for name in ("batch_size", "max_length"):
            if getattr(self, name) < 1:
                raise ConfigError(f"`{name}` debe ser un entero ≥ 1; recibí {getattr(self, name)}.")
        get_gpu(self.gpu)  # una GPU desconocida falla aquí, con la más parecida


@dataclass
class MemoryReport:
    """El resultado de `memoria`: el desglose, si cabe y lo más grande que cabe. ``str`` es la tabla en español."""

    options: MemoryOptions
    breakdown: MemoryBreakdown
    usable_bytes: float
    fits: bool
    max_batch_size: int
    max_length: int

    def __str__(self) -> str:
        from latamlab.memory.gpus import get_gpu
        from latamlab.numbers import fmt_number

        o, gib = self.options, 2**30
        gpu = get_gpu(o.gpu)
        lines = [f"{o.model} · {o.method} · lote {o.batch_size} × {fmt_number(o.max_length, 0)} tokens · "
                 f"recálculo de activaciones: {'sí' if o.gradient_checkpointing else 'no'} · {gpu.full_name} "
                 f"(cálculo en {gpu.compute_dtype})", f"{'partida':<28} {'GiB':>9}"]
        lines += [f"{name:<28} {fmt_number(value / gib, 2):>9}" for name, value in self.breakdown.parts().items()]
        lines.append(f"{'total estimado':<28} {fmt_number(self.breakdown.total / gib, 2):>9}")
        verdict = "cabe" if self.fits else "NO cabe"
        lines.append(f"{verdict} en {fmt_number(self.usable_bytes / gib, 1)} GiB usables "
                     f"({fmt_number(100 * self.breakdown.total / self.usable_bytes, 0)} % de la memoria).")
        lines.append(f"Lote más grande que cabe con {fmt_number(o.max_length, 0)} tokens: {self.max_batch_size}"
                     f" · secuencia más larga con lote {o.batch_size}: {fmt_number(self.max_length, 0)} tokens"
                     + ("" if self.max_batch_size else " (ni un ejemplo cabe: prueba qlora, checkpointing o una GPU mayor)"))
        return "\n".join(lines)


def memoria(options: MemoryOptions | None = None, **overrides: Any) -> MemoryReport:
    """Estima la memoria de un entrenamiento y dice si cabe en una GPU (cuaderno 07, ``latamlab memoria``).

    Args:
        options: las opciones; ``None`` usa los valores por defecto.
        **overrides: campos de `MemoryOptions` que ganan (``model="salamandra-2b-instruct"``, ``gpu="l4"``…).

    Returns:
        Un `MemoryReport`; imprímelo para ver la tabla.

    Raises:
        ConfigError: modelo, método o GPU desconocidos, lote o largo < 1, o config.json sin los campos necesarios.
    """
    from latamlab.memory.gpus import fits, get_gpu, max_batch_size, max_length_that_fits

    options = MemoryOptions.from_dict(overrides) if options is None else options.replace(**overrides)
    gpu = get_gpu(options.gpu)
    kwargs = {"gradient_checkpointing": options.gradient_checkpointing}
    breakdown = estimate_memory(options.model, options.method, options.batch_size, options.max_length,
                                compute_dtype=gpu.compute_dtype, **kwargs)
    return MemoryReport(
        options=options, breakdown=breakdown, usable_bytes=gpu.usable_bytes, fits=fits(breakdown, gpu),
        max_batch_size=max_batch_size(options.model, gpu, options.method, options.max_length, **kwargs),
        max_length=max_length_that_fits(options.model, gpu, options.method, options.batch_size, **kwargs))
