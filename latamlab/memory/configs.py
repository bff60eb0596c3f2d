"""La configuración (arquitectura) de un modelo sin descargar sus pesos (cuaderno 07, ``latamlab memoria``).

Un nombre del catálogo, un id del hub o la ruta de un ``config.json`` se convierten en un
`PretrainedConfig`. Las arquitecturas de los modelos del hub que usa el curso vienen como datos en
``architectures.yaml`` (copiadas de su config.json público), porque esta máquina no llega al hub.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from latamlab.errors import ConfigError

__all__ = ["REQUIRED_FIELDS", "architectures", "model_config", "shrink_depth", "config_from_dict"]

REQUIRED_FIELDS = ("model_type", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                   "vocab_size")
"""Campos del config.json que la cuenta de memoria necesita (``num_key_value_heads`` y ``head_dim`` son opcionales)."""


@lru_cache(maxsize=1)
def architectures() -> dict[str, dict[str, Any]]:
    """Las arquitecturas de ``architectures.yaml``: id del hub → campos de su config.json."""
    text = resources.files("latamlab.memory").joinpath("architectures.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def config_from_dict(data: dict[str, Any], source: str = "la configuración"):
    """Un `PretrainedConfig` desde los campos de un config.json; nombra los que falten.

    Raises:
        ConfigError: si faltan campos de `REQUIRED_FIELDS` o `model_type` no lo conoce transformers.
    """
    from transformers import AutoConfig

    missing = [name for name in REQUIRED_FIELDS if name not in data]
    if missing:
        raise ConfigError(f"{source} no tiene {', '.join(f'`{m}`' for m in missing)}: sin esos campos no puedo contar "
                          "la memoria; usa el config.json completo del modelo.")
    fields = {k: v for k, v in data.items() if k != "model_type"}
    try:
        return AutoConfig.for_model(data["model_type"], **fields)
    except ValueError:
        raise ConfigError(f"{source}: `model_type`={data['model_type']!r} no lo conoce esta versión de "
                          "transformers; usa un modelo de arquitectura llama, qwen2 u otra del catálogo.") from None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}:{err.lineno}: no es JSON válido ({err.msg}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: se esperaba un objeto JSON con los campos del modelo.")
    return data


def model_config(model: Any):
    """La configuración de `model` sin cargar pesos.

    Args:
        model: un `PretrainedConfig` (se devuelve tal cual); un nombre del catálogo
            (``qwen2.5-0.5b-instruct``, ``diminuto-llama``); un id del hub que esté en
            ``architectures.yaml`` o en la caché de Hugging Face; la ruta de un ``config.json`` o de
            la carpeta que lo contiene.

    Returns:
        Un `PretrainedConfig` de transformers.

    Raises:
        ConfigError: nombre desconocido (con el más parecido) o config.json sin los campos necesarios.
    """
    from transformers import PretrainedConfig

    if isinstance(model, PretrainedConfig):
        return model
    name = str(model)
    path = Path(name).expanduser()
    if path.is_dir():
        path = path / "config.json"
    if path.suffix == ".json" or path.exists():
        if not path.is_file():
            raise ConfigError(f"No encuentro {path}; da la ruta de un config.json o de la carpeta del modelo.")
        return config_from_dict(_read_json(path), source=str(path))
    known = architectures()
    if "/" in name:
        if name in known:
            return config_from_dict(known[name], source=f"architectures.yaml ({name})")
        return _cached_hub_config(name)
    from latamlab.models.catalog import get_card

    card = get_card(name)  # un nombre desconocido falla aquí, con el más parecido
    if card.hub_id in known:  # también los que vienen en un paquete (SmolLM2): no hace falta instalarlo para estimar
        return config_from_dict(known[card.hub_id], source=f"architectures.yaml ({card.hub_id})")
    if card.source != "hub":
        from latamlab.models.offline import local_model_path

        return config_from_dict(_read_json(local_model_path(card.name) / "config.json"), source=card.name)
    return _cached_hub_config(card.hub_id)


def _cached_hub_config(hub_id: str):
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(hub_id, "config.json")
    if not isinstance(cached, str):
        raise ConfigError(f"No tengo la arquitectura de {hub_id}: no está en architectures.yaml ni en la caché de "
                          "Hugging Face. Descarga su config.json y pasa su ruta, p. ej., --model ruta/config.json.")
    return config_from_dict(_read_json(Path(cached)), source=cached)


def shrink_depth(config, num_hidden_layers: int):
    """Una copia de `config` con menos capas (misma anchura y vocabulario), para medir en CPU.

    La memoria por capa no cambia con la profundidad; lo que no es de las capas (incrustaciones,
    logits) se mide entero.
    """
    data = config.to_dict()
    data["num_hidden_layers"] = num_hidden_layers
    data.pop("layer_types", None)  # la lista por capa de Qwen2 se rehace con el nuevo número de capas
    return type(config)(**{k: v for k, v in data.items() if k not in ("model_type", "transformers_version")})
