"""Carga de modelos con 4 bits por defecto, desde el hub (Colab) o desde la caché local.

`load_model` es la única puerta de entrada de los cuadernos: el mismo código sirve en una T4 de
Colab y en una CPU sin internet; solo cambia el modo (``LATAMLAB_MODO``). Se enseña en el cuaderno 00.
"""

from __future__ import annotations

from pathlib import Path

import torch

from latamlab.errors import ConfigError, SetupError
from latamlab.models.catalog import default_model_name, find_card, get_card, offline_model_names
from latamlab.models.offline import local_model_path
from latamlab.quant.formats import Precision, check_precision
from latamlab.quant.presets import bnb_config, torch_dtype_for
from latamlab.runtime.device import device_for_mode, is_offline, resolve_mode

__all__ = ["resolve_source", "load_model", "guard_cpu_4bit"]


def _hub_cached(hub_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(hub_id, "config.json"), str)


def resolve_source(name: str | None = None, mode: str | None = None) -> tuple[str, str | None]:
    """Convierte un nombre del catálogo, un id del hub o una carpeta en lo que `from_pretrained` carga.

    Args:
        name: nombre del catálogo (``smollm2-135m-instruct``), id del hub (``Qwen/Qwen2.5-0.5B-Instruct``)
            o carpeta local. ``None`` usa el modelo por defecto del modo.
        mode: modo (``gpu``, ``cpu``, ``diminuto``); ``None`` lo decide `resolve_mode`.

    Returns:
        ``(source, revision)``: una carpeta local o un id del hub, y el commit fijado en el catálogo
        (``None`` para carpetas y modelos sin revisión fijada).

    Raises:
        ConfigError: nombre desconocido, o modelo del hub sin internet ni copia en caché.
    """
    name = name or default_model_name(resolve_mode(mode))
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser()), None
    card = find_card(name) if "/" in name else get_card(name)  # un id del hub puede no estar en el catálogo
    if card is not None and card.source != "hub":
        return str(local_model_path(card.name)), None
    hub_id = card.hub_id if card is not None else name
    if is_offline() and not _hub_cached(hub_id):
        raise ConfigError(
            f"{hub_id} está en el hub y no hay conexión (ni copia en la caché de Hugging Face). "
            f"Sin internet puedes usar: {', '.join(offline_model_names())} (export LATAMLAB_MODO=cpu)."
        )
    return hub_id, card.revision if card is not None else None


def guard_cpu_4bit(model: torch.nn.Module) -> int:
    """Protege el entrenamiento LoRA en CPU de un error verificado de bitsandbytes.

    En CPU con AVX512-BF16, la primera inferencia sobre un `bnb.nn.Linear4bit` (modo eval,
    `no_grad`, `generate`) re-empaqueta sus pesos para el núcleo AVX512-BF16 y, desde entonces, los
    gradientes LoRA que pasan por esa capa salen mal sin ningún error (medido: ningún gradiente).

    Contexto en bitsandbytes (`bitsandbytes/nn/modules.py`, en la versión que fija el curso):
    `Linear4bit.__init__` pone ``self.support_avx512bf16_for_cpu = has_avx512bf16()`` y `forward`, en
    CPU, en modo eval y sin gradiente, llama a `_convert_weight_packed_for_cpu`, que cambia
    `weight.data` y su `quant_state` para siempre. La guarda apaga esa bandera en cada capa. Si
    bitsandbytes la renombra, la guarda falla con un error en vez de no proteger nada (la prueba
    `tests/test_guard.py` lo comprueba, y en cualquier CPU que los gradientes tras `generate()` sean
    idénticos a los de un modelo recién cargado).

    Returns:
        Cuántas capas de 4 bits se protegieron.

    Raises:
        SetupError: si una capa `Linear4bit` ya no tiene el atributo `support_avx512bf16_for_cpu`.
    """
    import bitsandbytes as bnb

    from latamlab.runtime.report import package_version

    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    for layer in layers:
        if not hasattr(layer, "support_avx512bf16_for_cpu"):
            raise SetupError(
                f"bitsandbytes {package_version('bitsandbytes')} ya no tiene `support_avx512bf16_for_cpu` en "
                "`Linear4bit`: la guarda de CPU no puede proteger los gradientes LoRA. Instala la versión "
                "que fija el curso (make lab) o avisa en el repositorio del curso."
            )
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
        device: ``cuda`` o ``cpu``; por defecto, el del modo (``cpu`` en los modos cpu y diminuto).

    Returns:
        ``(model, tokenizer)``; el tokenizador siempre tiene `pad_token`.

    Raises:
        ConfigError: precisión, modo o nombre no válidos, o modelo del hub sin conexión.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    precision = check_precision(precision)
    device = torch.device(device) if device is not None else device_for_mode(mode)
    source, revision = resolve_source(name, mode)
    model = AutoModelForCausalLM.from_pretrained(
        source,
        revision=revision,
        dtype=torch_dtype_for(precision, device),
        quantization_config=bnb_config(precision, device),
        device_map={"": device.index or 0} if device.type == "cuda" else {"": "cpu"},
    )
    tokenizer = AutoTokenizer.from_pretrained(source, revision=revision)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if device.type == "cpu":
        guard_cpu_4bit(model)
    return model, tokenizer
