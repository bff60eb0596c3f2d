"""Autocomprobaciones del cuaderno 02 (datos de chat y tokenización)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from latamlab.exercises._report import report

__all__ = ["VOCAB_SIZES", "check_fertility", "check_loss_tokens", "check_smallest_vocab"]

#: Tamaños de vocabulario del ejercicio 🦁, de menor a mayor.
VOCAB_SIZES = (1000, 2000, 4000, 8000, 16000)


def check_fertility(value: float, tokenizer: Any, text: str) -> bool:
    """🐢 Fertilidad (tokens por palabra) de `tokenizer` en `text`, con dos decimales de tolerancia."""
    from latamlab.data.tokenization import fertility

    try:
        ok = abs(float(value) - fertility(tokenizer, [text])) < 0.005
    except (TypeError, ValueError):
        ok = False
    return report(ok, "divide los tokens de la frase (sin tokens especiales: `add_special_tokens=False`) entre "
                      "sus palabras separadas por espacios (`len(frase.split())`).")


def check_loss_tokens(n: int, tokenizer: Any, record: dict[str, Any]) -> bool:
    """🐕 Cuántos tokens de la conversación de `record` llevan pérdida en el entrenamiento."""
    from latamlab.train.mask import loss_mask

    return report(n == sum(loss_mask(tokenizer, record).loss),
                  "solo aprende la respuesta del asistente: tokeniza `record['respuesta']` sin tokens especiales "
                  "y suma el token de fin de turno; el salto de línea que le sigue no cuenta.")


@lru_cache(maxsize=None)
def _spanish_fertility(vocab_size: int) -> float:
    """Fertilidad en ``paralelo['es']`` de un BPE de `vocab_size` entrenado con el corpus ``train``."""
    from latamlab.data.loaders import load_corpus, load_parallel
    from latamlab.data.tokenization import fertility, train_bpe

    bpe = train_bpe(load_corpus()["train"]["texto"], vocab_size)
    return fertility(bpe, load_parallel()["es"])


def check_smallest_vocab(vocab_size: int, tokenizer: Any) -> bool:
    """🦁 El menor tamaño de `VOCAB_SIZES` cuyo BPE gasta en español menos tokens por palabra que `tokenizer`."""
    from latamlab.data.loaders import load_parallel
    from latamlab.data.tokenization import fertility

    reference = fertility(tokenizer, load_parallel()["es"])
    answer = next((size for size in VOCAB_SIZES if _spanish_fertility(size) < reference), None)
    return report(vocab_size == answer,
                  "entrena un BPE por tamaño con `train_bpe` sobre `corpus['train']['texto']`, mide `fertility` "
                  "de cada uno en `paralelo['es']` y quédate con el primero (el más chico) que quede por debajo "
                  "del tokenizador del modelo.")
