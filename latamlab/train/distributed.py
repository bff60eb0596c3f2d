"""Más allá de un proceso: quién es cada proceso de `torchrun` o `accelerate launch`, y las configuraciones.

``latamlab entrenar`` corre sin cambios con varios procesos (DDP: cada proceso tiene una copia del modelo y
se promedian los gradientes). Los lanzadores dejan en el entorno ``RANK``, ``LOCAL_RANK`` y ``WORLD_SIZE``;
con eso se decide, antes de crear el grupo de procesos, qué GPU usa cada proceso y quién imprime y escribe
(solo el proceso 0). Los archivos de ``launch/`` son configuraciones de `accelerate` para DDP, FSDP y
DeepSpeed ZeRO-2/3, comentadas en español. Se usa en el cuaderno 07 y en ``docs/escala.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import torch

from latamlab.config import closest
from latamlab.errors import ConfigError

if TYPE_CHECKING:
    from latamlab.quant.presets import QuantPreset

__all__ = ["LAUNCH_CONFIGS", "Engine", "rank", "local_rank", "world_size", "is_main_process", "rank_device",
           "sharding_engine", "check_sharding", "sharded_quant_preset", "launch_config_names", "launch_config"]

Engine = Literal["fsdp", "deepspeed"]

#: Carpeta de las configuraciones de `accelerate launch --config_file` que trae el paquete.
LAUNCH_CONFIGS = Path(__file__).with_name("launch")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def rank() -> int:
    """El número de este proceso entre todos (``RANK``); 0 si no hay lanzador."""
    return _env_int("RANK", 0)


def local_rank() -> int:
    """El número de este proceso dentro de su máquina (``LOCAL_RANK``): la GPU que le toca."""
    return _env_int("LOCAL_RANK", 0)


def world_size() -> int:
    """Cuántos procesos entrenan juntos (``WORLD_SIZE``); 1 si no hay lanzador."""
    return _env_int("WORLD_SIZE", 1)


def is_main_process() -> bool:
    """``True`` en el proceso 0, el único que imprime el resumen, la barra y el registro."""
    return rank() == 0


def rank_device(device: torch.device) -> torch.device:
    """La GPU de este proceso (``cuda:LOCAL_RANK``) si `device` es CUDA sin índice; si no, `device` tal cual.

    Sin esto, todos los procesos de una máquina cargarían el modelo en la GPU 0.
    """
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", local_rank())
    return device


def sharding_engine() -> Engine | None:
    """``fsdp`` o ``deepspeed`` si `accelerate launch` los pidió (``ACCELERATE_USE_FSDP``/``_DEEPSPEED``); si no, ``None``.

    Con DDP (o sin lanzador) cada proceso tiene el modelo entero y no cambia nada; con FSDP o ZeRO los pesos se
    reparten y eso exige otro empaquetado de los 4 bits (`sharded_quant_preset`) y otro optimizador.
    """
    for engine, name in (("fsdp", "ACCELERATE_USE_FSDP"), ("deepspeed", "ACCELERATE_USE_DEEPSPEED")):
        if os.environ.get(name, "false").strip().lower() in ("1", "true", "yes"):
            return engine  # type: ignore[return-value]
    return None


def check_sharding(device: torch.device) -> Engine | None:
    """El motor que pidió el lanzador, si puede correr aquí; se revisa antes de cargar nada.

    Raises:
        ConfigError: FSDP en CPU (accelerate 1.15 solo lo activa en GPU: en CPU entrenaría con DDP sin avisar,
            cada proceso con el modelo entero) o DeepSpeed sin el paquete ``deepspeed``.
    """
    import importlib.util

    engine = sharding_engine()
    if engine == "fsdp" and device.type != "cuda":
        raise ConfigError("`accelerate launch` pidió FSDP, pero en CPU accelerate lo ignora sin avisar y entrenaría "
                          "con DDP (cada proceso con el modelo entero); en CPU usa launch/ddp.yaml, o corre en GPU.")
    if engine == "deepspeed" and importlib.util.find_spec("deepspeed") is None:
        raise ConfigError("`accelerate launch` pidió DeepSpeed, pero el paquete `deepspeed` no está instalado; "
                          "instálalo en la máquina con GPU (pip install deepspeed) o usa launch/ddp.yaml.")
    return engine


def sharded_quant_preset(precision: str, device: torch.device) -> "QuantPreset | None":
    """La receta de 4 bits para repartir pesos con FSDP o ZeRO-3: bloques guardados en el tipo del modelo.

    FSDP solo reparte tensores de punto flotante y exige un mismo tipo en cada unidad; por defecto bitsandbytes
    guarda los 4 bits en uint8. Con ``bnb_4bit_quant_storage`` igual al tipo de los pesos no cuantizados (el de
    `torch_dtype_for`, bf16 en una A100/H100) los pesos de 4 bits se reparten como los demás (documentación
    «FSDP-QLoRA» de bitsandbytes). Sin FSDP ni DeepSpeed, o en 8/16/32 bits, devuelve ``None`` (la receta de
    siempre, en uint8).
    """
    from dataclasses import replace

    from latamlab.quant.presets import FP4_PRESET, QLORA_NF4, torch_dtype_for

    if precision not in ("nf4", "fp4") or sharding_engine() is None:
        return None
    preset = QLORA_NF4 if precision == "nf4" else FP4_PRESET
    return replace(preset, quant_storage=torch_dtype_for(precision, device))


def launch_config_names() -> list[str]:
    """Los nombres de las configuraciones de lanzamiento (``ddp``, ``fsdp_qlora``, ``zero2``…)."""
    return sorted(p.stem for p in LAUNCH_CONFIGS.glob("*.yaml"))


def launch_config(name: str) -> Path:
    """La ruta de una configuración de lanzamiento, para ``accelerate launch --config_file RUTA``.

    Raises:
        ConfigError: si `name` no es una de las que trae el paquete (con la más parecida).
    """
    names = launch_config_names()
    if name not in names:
        raise ConfigError(f"`name` debe ser una de {', '.join(names)}; recibí {name!r}.{closest(name, names)}")
    return LAUNCH_CONFIGS / f"{name}.yaml"
