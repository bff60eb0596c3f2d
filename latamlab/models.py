"""Carga de modelos con 4 bits por defecto, desde el hub (Colab) o desde la caché local.

`load_model` es la única puerta de entrada de los cuadernos: el mismo código sirve en una T4 de
Colab y en una CPU sin internet; solo cambia el modo (``LATAMLAB_MODO``). Se enseña en el cuaderno 00.
"""

from __future__ import annotations

from pathlib import Path

import torch

from latamlab.catalog import default_model_name, find_card, get_card
from latamlab.errors import ConfigError
from latamlab.modes import resolve_mode
from latamlab.network import is_offline
from latamlab.precision import Precision, bnb_config, check_precision, torch_dtype_for
from latamlab.prepare import local_model_path, offline_model_names

__all__ = ["resolve_source", "load_model", "guard_cpu_4bit", "default_device"]


def default_device() -> torch.device:
    """``cuda`` si hay GPU; si no, ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _hub_cached(hub_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(hub_id, "config.json"), str)


def resolve_source(name: str | None = None, mode: str | None = None) -> str:
    """Convierte un nombre del catálogo, un id del hub o una carpeta en lo que `from_pretrained` carga.

    Args:
        name: nombre del catálogo (``smollm2-135m-instruct``), id del hub (``Qwen/Qwen2.5-0.5B-Instruct``)
            o carpeta local. ``None`` usa el modelo por defecto del modo.
        mode: modo (``gpu``, ``cpu``, ``diminuto``); ``None`` lo decide `resolve_mode`.

    Returns:
        Una carpeta local o un id del hub.

    Raises:
        ConfigError: nombre desconocido, o modelo del hub sin internet ni copia en caché.
    """
    name = name or default_model_name(resolve_mode(mode))
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    card = find_card(name) if "/" in name else get_card(name)  # un id del hub puede no estar en el catálogo
    if card is not None and card.origen != "hub":
        return str(local_model_path(card.nombre))
    hub_id = card.hub_id if card is not None else name
    if is_offline() and not _hub_cached(hub_id):
        raise ConfigError(
            f"{hub_id} está en el hub y no hay conexión (ni copia en la caché de Hugging Face). "
            f"Sin internet puedes usar: {', '.join(offline_model_names())} (export LATAMLAB_MODO=cpu)."
        )
    return hub_id


def guard_cpu_4bit(model: torch.nn.Module) -> int:
    """Protege el entrenamiento LoRA en CPU de un error verificado de bitsandbytes.

    En CPU con AVX512-BF16, la primera inferencia sobre un `bnb.nn.Linear4bit` (modo eval,
    `no_grad`, `generate`) re-empaqueta sus pesos y, desde entonces, los gradientes LoRA que pasan
    por esa capa son incorrectos sin ningún error. Desactivar ese re-empaquetado lo evita.

    Returns:
        Cuántas capas de 4 bits se protegieron.
    """
    import bitsandbytes as bnb

    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    for layer in layers:
        layer.support_avx512bf16_for_cpu = False
    return len(layers)


def load_model(
    name: str | None = None,
    precision: Precision | str = "nf4",
    mode: str | None = None,
    device: torch.device | str | None = None,
) -> tuple[torch.nn.Module, object]:
    """Carga un modelo causal y su tokenizador, en 4 bits (receta QLoRA) por defecto.

    Args:
        name: nombre del catálogo, id del hub o carpeta; ``None`` usa el modelo del modo.
        precision: una de nf4, fp4, int8, bf16, fp16, fp32.
        mode: modo del curso; ``None`` lo lee de ``LATAMLAB_MODO``.
        device: ``cuda`` o ``cpu``; por defecto, GPU si hay.

    Returns:
        ``(model, tokenizer)``; el tokenizador siempre tiene `pad_token`.

    Raises:
        ConfigError: precisión, modo o nombre no válidos, o modelo del hub sin conexión.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    precision = check_precision(precision)
    device = torch.device(device) if device is not None else default_device()
    source = resolve_source(name, mode)
    model = AutoModelForCausalLM.from_pretrained(
        source,
        dtype=torch_dtype_for(precision, device),
        quantization_config=bnb_config(precision, device),
        device_map={"": device.index or 0} if device.type == "cuda" else {"": "cpu"},
    )
    tokenizer = AutoTokenizer.from_pretrained(source)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if device.type == "cpu":
        guard_cpu_4bit(model)
    return model, tokenizer
