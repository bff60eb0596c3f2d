"""Avisos de las bibliotecas fijadas que no son accionables desde nuestro código, silenciados en un solo lugar."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["peft_wrapping"]


@contextmanager
def peft_wrapping() -> Iterator[None]:
    """Envuelve un modelo con peft sin el FutureWarning de `is_gradient_checkpointing`.

    peft 0.21.2 llama al alias obsoleto `is_gradient_checkpointing` de transformers 5.24 al envolver un modelo
    (`get_peft_model`, `PeftModel.from_pretrained`, el `SFTTrainer` con `peft_config`); nuestro código usa el
    nombre nuevo (`activation_checkpointing`). Solo se ignora ese mensaje: cualquier otro aviso sigue saliendo.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="`is_gradient_checkpointing` is deprecated", category=FutureWarning)
        yield
