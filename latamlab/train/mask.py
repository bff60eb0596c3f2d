"""Qué *tokens* de una conversación llevan pérdida, tal como los prepara el entrenamiento de verdad.

No se reimplementa la máscara: `loss_mask` arma el mismo `SFTTrainer` que ``latamlab entrenar``
(`latamlab.train.trainer.build_trainer`: tokenización prompt–completion de TRL y `EndOfTurnCollator`) con
un ejemplo y lee su primer lote. Se enseña en el cuaderno 02; `latamlab.plots.loss_mask_chart` lo dibuja.
"""

from __future__ import annotations

import random
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from latamlab.numbers import fmt_number

__all__ = ["IGNORE_INDEX", "LossMask", "loss_mask"]

#: Etiqueta de un *token* sin pérdida (la que ignora la entropía cruzada de PyTorch).
IGNORE_INDEX = -100


@dataclass(frozen=True)
class LossMask:
    """Los *tokens* de una conversación y cuáles llevan pérdida.

    Args:
        input_ids: ids de la secuencia completa que ve el modelo (plantilla de chat incluida).
        labels: etiqueta de cada posición; `IGNORE_INDEX` donde no hay pérdida, el mismo id donde sí.
        pieces: texto de cada *token* (ver `latamlab.data.tokenization.token_pieces`).
    """

    input_ids: list[int]
    labels: list[int]
    pieces: list[str]

    @property
    def loss(self) -> list[bool]:
        """Para cada *token*, si el modelo aprende a predecirlo (lleva pérdida)."""
        return [label != IGNORE_INDEX for label in self.labels]

    @property
    def loss_ids(self) -> list[int]:
        """Los ids de los *tokens* con pérdida, en orden (decodifícalos juntos con ``tokenizer.decode``)."""
        return [i for i, keep in zip(self.input_ids, self.loss) if keep]

    def __str__(self) -> str:
        n, kept = len(self.input_ids), sum(self.loss)
        return (f"{fmt_number(n, 0)} tokens en la secuencia; {fmt_number(kept, 0)} llevan pérdida "
                f"({fmt_number(100 * kept / max(n, 1), 1)} %) y {fmt_number(n - kept, 0)} no.")


@contextmanager
def _same_random_state() -> Iterator[None]:
    """Deja `random`, NumPy y PyTorch como estaban (el `SFTTrainer` fija su propia semilla al crearse)."""
    import numpy as np
    import torch

    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


@contextmanager
def _quiet_datasets() -> Iterator[None]:
    """Sin barras de progreso de `datasets` mientras TRL tokeniza el ejemplo (vuelven como estaban)."""
    from datasets.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars

    was_disabled = are_progress_bars_disabled()
    disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            enable_progress_bars()


def _stand_in_model(tokenizer):
    """Un modelo Llama de una capa y ancho 8: el `SFTTrainer` pide un modelo, pero la máscara no depende de él."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=8, intermediate_size=8, num_hidden_layers=1,
                         num_attention_heads=1, num_key_value_heads=1, tie_word_embeddings=True)
    return LlamaForCausalLM(config)


def loss_mask(tokenizer, record: dict[str, Any], system_prompt: str | None = None,
              max_length: int | None = None) -> LossMask:
    """Tokeniza un registro como lo hace el entrenamiento y dice qué *tokens* llevan pérdida.

    El registro pasa por `latamlab.data.chat.to_chat` (prompt = sistema + usuario, completion = asistente)
    y por el `SFTTrainer` de `build_trainer`, el mismo que usa ``latamlab entrenar``, con un modelo
    sustituto diminuto: el trainer necesita un modelo para crearse, pero la tokenización y el armador de lotes no
    miran sus pesos. Así el modelo que estés usando no se toca (`build_trainer` le inyectaría LoRA).

    Args:
        tokenizer: tokenizador de transformers con plantilla de chat (p. ej., el de `latamlab.load_model`).
        record: un registro con ``instruccion`` y ``respuesta`` (finanzas, consumo).
        system_prompt: mensaje de sistema opcional, como la opción `system_prompt` de ``latamlab entrenar``.
        max_length: *tokens* máximos; ``None`` usa el valor por defecto de `TrainConfig`.

    Returns:
        Un `LossMask` con los ids, las etiquetas y el texto de cada *token*.

    Raises:
        DataError: si al registro le falta ``instruccion`` o ``respuesta``.
    """
    import torch
    from datasets import Dataset

    from latamlab.data.chat import to_chat
    from latamlab.data.tokenization import token_pieces
    from latamlab.train.config import TrainConfig
    from latamlab.train.trainer import build_trainer

    dataset = Dataset.from_list([to_chat(record, system_prompt)])
    with tempfile.TemporaryDirectory(prefix="latamlab-mascara-") as out, _same_random_state(), _quiet_datasets():
        options = {} if max_length is None else {"max_length": max_length}
        config = TrainConfig(precision="fp32", max_steps=1, save_steps=0, gradient_checkpointing=False,
                             output_dir=out, system_prompt=system_prompt, **options)
        trainer = build_trainer(config, _stand_in_model(tokenizer), tokenizer, dataset, None, torch.float32,
                                torch.device("cpu"))
        batch = next(iter(trainer.get_train_dataloader()))
    ids, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()
    return LossMask(input_ids=ids, labels=labels, pieces=token_pieces(tokenizer, ids))
