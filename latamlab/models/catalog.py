"""Catálogo de modelos del curso (datos en `catalog.yaml`). Se enseña en el cuaderno 00."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Literal, get_args

import yaml

from latamlab.config import closest
from latamlab.errors import ConfigError

__all__ = ["ModelCard", "catalog", "get_card", "find_card", "default_model_name", "suggest_names",
           "gguf_packages", "offline_model_names"]

Origin = Literal["hub", "gguf", "local"]


@dataclass(frozen=True)
class ModelCard:
    """Ficha de un modelo del catálogo.

    Args:
        name: nombre corto que usas en `load_model`.
        source: ``hub`` (se descarga), ``gguf`` (viene en un paquete de PyPI) o ``local`` (se construye aquí).
        architecture: familia de la arquitectura (``llama``, ``qwen2``…).
        license: licencia de los pesos.
        languages: idiomas declarados en la ficha pública.
        gated: si el hub exige aceptar una licencia y usar un token.
        fits_t4: si el ajuste QLoRA en nf4 cabe en una T4 de 15 GiB.
        notes: comentario para quien aprende.
        hub_id: identificador en el hub, si lo tiene.
        revision: commit o rama del hub que el curso fija (``None``: la rama principal).
        params: número de parámetros (``None`` si depende de cómo se construye).
        pypi_package: paquete que trae el archivo GGUF (solo origen ``gguf``).
        gguf_file: nombre del archivo GGUF dentro del paquete (o del que se arma con `gguf_parts`).
        gguf_parts: si el GGUF viene en trozos (PyPI limita el tamaño de cada paquete): uno por trozo, en orden,
            ``{"package": "nombre==versión", "file": "ruta/dentro/del/paquete"}``. Se concatenan en la caché.
        sha256: suma SHA-256 del GGUF completo; obligatoria con `gguf_parts` (se comprueba tras armarlo).
        terms_file: archivo de `pypi_package` con los términos de uso que se muestran antes del primer uso.
        chat_template: plantilla de chat del curso (nombre en `latamlab.models.templates`) si el GGUF no trae una.
    """

    name: str
    source: Origin
    architecture: str
    license: str
    languages: tuple[str, ...]
    gated: bool
    fits_t4: bool
    notes: str
    hub_id: str | None = None
    revision: str | None = None
    params: int | None = None
    pypi_package: str | None = None
    gguf_file: str | None = None
    gguf_parts: tuple[dict, ...] = ()
    sha256: str | None = None
    terms_file: str | None = None
    chat_template: str | None = None

    def __post_init__(self) -> None:
        if self.source not in get_args(Origin):
            raise ConfigError(f"`source` del modelo {self.name!r} debe ser hub, gguf o local; recibí {self.source!r}.")
        if self.source != "local" and not self.hub_id:
            raise ConfigError(f"El modelo {self.name!r} de origen {self.source} necesita `hub_id`.")
        if self.source == "gguf" and not (self.pypi_package and self.gguf_file):
            raise ConfigError(f"El modelo {self.name!r} necesita `pypi_package` y `gguf_file`.")
        if self.gguf_parts and not self.sha256:
            raise ConfigError(f"El modelo {self.name!r} viene en trozos (`gguf_parts`): necesita `sha256` para "
                              "comprobar el archivo armado.")
        bad = [p for p in self.gguf_parts if set(p) != {"package", "file"}]
        if bad:
            raise ConfigError(f"Cada trozo de `gguf_parts` del modelo {self.name!r} lleva `package` y `file`; "
                              f"recibí {bad[0]}.")

    @property
    def packages(self) -> tuple[str, ...]:
        """Los paquetes de PyPI (con versión) que traen su GGUF: `pypi_package` y sus trozos; vacío si no tiene."""
        if not self.pypi_package:
            return ()
        return (self.pypi_package, *(part["package"] for part in self.gguf_parts))


@lru_cache(maxsize=1)
def _raw_catalog() -> dict:
    text = resources.files("latamlab.models").joinpath("catalog.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def catalog() -> dict[str, ModelCard]:
    """Devuelve el catálogo como diccionario ``name -> ModelCard``.

    Raises:
        ConfigError: si una entrada trae campos desconocidos o valores no permitidos.
    """
    allowed = {f.name for f in fields(ModelCard)}
    cards: dict[str, ModelCard] = {}
    for entry in _raw_catalog()["models"]:
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise ConfigError(
                f"catalog.yaml: el modelo {entry.get('name')!r} trae campos desconocidos {unknown}."
                f"{closest(unknown[0], allowed)} Los permitidos son {sorted(allowed)}."
            )
        entry = {**entry, "languages": tuple(entry.get("languages", ())),
                 "gguf_parts": tuple(entry.get("gguf_parts", ()))}
        cards[entry["name"]] = ModelCard(**entry)
    return cards


def suggest_names(name: str, n: int = 3) -> list[str]:
    """Nombres del catálogo más parecidos a `name` (para mensajes de error)."""
    names = list(catalog())
    close = difflib.get_close_matches(name.lower(), names, n=n, cutoff=0.4)
    return close or [n_ for n_ in names if name.lower().split("-")[0] in n_][:n]


def find_card(name: str) -> ModelCard | None:
    """Busca un modelo por nombre corto o por `hub_id` (sin distinguir mayúsculas); ``None`` si no está."""
    cards = catalog()
    if name in cards:
        return cards[name]
    return next((c for c in cards.values() if c.hub_id and c.hub_id.lower() == name.lower()), None)


def get_card(name: str, field: str = "model") -> ModelCard:
    """Busca un modelo del catálogo por nombre corto (o por su `hub_id`).

    Args:
        name: nombre corto o `hub_id`.
        field: la opción donde vino el nombre (``model`` en `TrainConfig`, `EvaluateConfig` y `MemoryOptions`), para
            que el error nombre lo que escribiste.

    Raises:
        ConfigError: si no existe; el mensaje sugiere los nombres más parecidos.
    """
    card = find_card(name)
    if card is not None:
        return card
    hint = suggest_names(name)
    tip = f" ¿Quisiste decir {', '.join(hint)}?" if hint else ""
    raise ConfigError(
        f"`{field}` {name!r} no está en el catálogo.{tip} Ejecuta `latamlab modelos` para ver la lista completa."
    )


def default_model_name(mode: str) -> str:
    """Nombre del modelo por defecto de un modo (``gpu``, ``cpu`` o ``diminuto``).

    Raises:
        ConfigError: si `mode` no es un modo del catálogo.
    """
    modes = _raw_catalog()["modes"]
    if mode not in modes:
        raise ConfigError(f"`mode` debe ser uno de {', '.join(modes)}; recibí {mode!r}.{closest(str(mode), modes)}")
    return modes[mode]


def offline_model_names() -> list[str]:
    """Modelos del catálogo que se pueden preparar sin internet (los que `latamlab preparar` prepara)."""
    return [c.name for c in catalog().values() if c.source in ("gguf", "local")]


def gguf_packages(name: str | None = None) -> list[str]:
    """Paquetes de PyPI (con versión) que traen modelos GGUF; se instalan sin dependencias.

    Sin `name`, los de todos los modelos GGUF del catálogo (`make install` los instala); con `name`, los de ese
    modelo (su paquete y sus trozos).
    """
    cards = [get_card(name)] if name else [c for c in catalog().values() if c.source == "gguf"]
    return sorted({p for c in cards for p in c.packages})
