"""Catálogo de modelos del curso (datos en `catalogo.yaml`). Se enseña en el cuaderno 00."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml

from latamlab.errors import ConfigError

__all__ = ["ModelCard", "catalog", "get_card", "default_model_name", "suggest_names", "gguf_packages",
           "find_card"]

Origin = Literal["hub", "gguf", "local"]


@dataclass(frozen=True)
class ModelCard:
    """Ficha de un modelo del catálogo.

    Args:
        nombre: nombre corto que usas en `load_model`.
        origen: ``hub`` (se descarga), ``gguf`` (viene en un paquete de PyPI) o ``local`` (se construye aquí).
        arquitectura: familia de la arquitectura (``llama``, ``qwen2``…).
        licencia: licencia de los pesos.
        idiomas: idiomas declarados en la ficha pública.
        restringido: si el hub exige aceptar una licencia y usar un token.
        cabe_en_t4: si el ajuste QLoRA en nf4 cabe en una T4 de 15 GiB.
        notas: comentario para quien aprende.
        hub_id: identificador en el hub, si lo tiene.
        parametros: número de parámetros (``None`` si depende de cómo se construye).
        paquete_pypi: paquete que trae el archivo GGUF (solo origen ``gguf``).
        archivo_gguf: nombre del archivo GGUF dentro del paquete.
    """

    nombre: str
    origen: Origin
    arquitectura: str
    licencia: str
    idiomas: tuple[str, ...]
    restringido: bool
    cabe_en_t4: bool
    notas: str
    hub_id: str | None = None
    parametros: int | None = None
    paquete_pypi: str | None = None
    archivo_gguf: str | None = None

    def __post_init__(self) -> None:
        if self.origen not in ("hub", "gguf", "local"):
            raise ConfigError(
                f"`origen` del modelo {self.nombre!r} debe ser hub, gguf o local; recibí {self.origen!r}."
            )
        if self.origen != "local" and not self.hub_id:
            raise ConfigError(f"El modelo {self.nombre!r} de origen {self.origen} necesita `hub_id`.")
        if self.origen == "gguf" and not (self.paquete_pypi and self.archivo_gguf):
            raise ConfigError(f"El modelo {self.nombre!r} necesita `paquete_pypi` y `archivo_gguf`.")


@lru_cache(maxsize=1)
def _raw_catalog() -> dict:
    text = resources.files("latamlab").joinpath("catalogo.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def catalog() -> dict[str, ModelCard]:
    """Devuelve el catálogo como diccionario ``nombre -> ModelCard``.

    Raises:
        ConfigError: si una entrada trae campos desconocidos o valores no permitidos.
    """
    allowed = {f.name for f in fields(ModelCard)}
    cards: dict[str, ModelCard] = {}
    for entry in _raw_catalog()["modelos"]:
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise ConfigError(
                f"catalogo.yaml: el modelo {entry.get('nombre')!r} trae campos desconocidos {unknown}; "
                f"los permitidos son {sorted(allowed)}."
            )
        entry = {**entry, "idiomas": tuple(entry.get("idiomas", ()))}
        cards[entry["nombre"]] = ModelCard(**entry)
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


def get_card(name: str) -> ModelCard:
    """Busca un modelo del catálogo por nombre corto (o por su `hub_id`).

    Raises:
        ConfigError: si no existe; el mensaje sugiere los nombres más parecidos.
    """
    card = find_card(name)
    if card is not None:
        return card
    hint = suggest_names(name)
    tip = f" ¿Quisiste decir {', '.join(hint)}?" if hint else ""
    raise ConfigError(
        f"`name` {name!r} no está en el catálogo.{tip} Ejecuta `latamlab modelos` para ver la lista completa."
    )


def default_model_name(mode: str) -> str:
    """Nombre del modelo por defecto de un modo (``gpu``, ``cpu`` o ``diminuto``)."""
    return _raw_catalog()["modos"][mode]


def gguf_packages() -> list[str]:
    """Paquetes de PyPI (con versión) que traen modelos GGUF del catálogo; `make` los instala sin dependencias."""
    return sorted({c.paquete_pypi for c in catalog().values() if c.paquete_pypi})
