"""Funciones de las tareas ``variantes_latam_mc`` y ``variantes_latam_gen`` de lm-evaluation-harness.

Los datos se leen de ``data/variantes/variantes.jsonl`` con una ruta relativa a ESTE archivo,
así que la tarea funciona igual desde cualquier carpeta de trabajo::

    lm_eval --model hf --model_args pretrained=RUTA_DEL_MODELO \\
        --include_path data/variantes/lm_eval --tasks variantes_latam_mc

El enunciado lo escribe ``latamlab.data.format_variant_prompt``, la misma función que usan los
cuadernos, para que el modelo vea siempre el mismo formato.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import datasets

try:
    from latamlab.data.loaders import format_variant_prompt, load_variants
    from latamlab.data.dedup import normalize
except ImportError as exc:  # pragma: no cover - solo si falta instalar el paquete
    raise ImportError(
        "La tarea de variantes necesita el paquete `latamlab`; instálalo desde la raíz del "
        "repositorio con: pip install -e ."
    ) from exc

#: Carpeta ``data/`` que contiene a esta tarea (``data/variantes/lm_eval/utils.py``).
DATA_ROOT = Path(__file__).resolve().parents[2]


def variants_dataset(**_metadata: Any) -> datasets.DatasetDict:
    """Carga los ítems como la división ``test`` (lm-eval pasa aquí su ``metadata``, que se ignora).

    Returns:
        ``DatasetDict`` con una sola división, ``test``.
    """
    return datasets.DatasetDict({"test": load_variants(DATA_ROOT)})


def mc_prompt(doc: dict[str, Any]) -> str:
    """Enunciado con las opciones A–D; el modelo puntúa " A", " B", " C" y " D"."""
    return format_variant_prompt(doc, options=True)


def gen_prompt(doc: dict[str, Any]) -> str:
    """Pregunta abierta, sin opciones; el modelo escribe la respuesta."""
    return format_variant_prompt(doc, options=False)


def gen_target(doc: dict[str, Any]) -> str:
    """Respuesta de referencia para mostrar en los registros: la opción correcta."""
    return doc["opciones"][doc["respuesta"]]


def _accepted(doc: dict[str, Any]) -> set[str]:
    forms = [*doc["respuestas_aceptadas"], gen_target(doc)]
    return {normalize(a, keep_accents=True) for a in forms}


def gen_results(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    """Compara la primera línea generada con las respuestas aceptadas.

    Ambas se normalizan (minúsculas, sin puntuación) pero conservan las tildes, porque en
    estas preguntas la tilde puede ser la respuesta («sabés» frente a «sabes»).

    Returns:
        ``exact_match``: 1.0 si la respuesta normalizada es una de las aceptadas;
        ``contains``: 1.0 si alguna aceptada aparece como frase dentro de la respuesta.
    """
    answer = normalize(results[0].strip().split("\n")[0], keep_accents=True)
    accepted = _accepted(doc)
    padded = f" {answer} "
    return {
        "exact_match": float(answer in accepted),
        "contains": float(any(f" {a} " in padded for a in accepted if a)),
    }
