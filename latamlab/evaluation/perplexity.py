"""Perplejidad de un modelo causal sobre textos (cuadernos 01 y 05)."""

from __future__ import annotations

import math
from typing import Sequence

import torch

from latamlab.runtime.notebook import progress

__all__ = ["perplexity"]


@torch.no_grad()
def perplexity(model, tokenizer, texts: Sequence[str], max_length: int = 256, batch_size: int = 8) -> float:
    """Perplejidad ponderada por tokens: ``exp`` de la pérdida media sobre todos los tokens predichos.

    Cada texto se evalúa por separado (sin contexto de los demás) y se trunca a `max_length` tokens.

    Args:
        model: modelo causal (en cualquier precisión).
        tokenizer: su tokenizador (debe tener `pad_token`).
        texts: textos a evaluar.
        max_length: tokens máximos por texto.
        batch_size: textos por lote.

    Returns:
        La perplejidad (1 sería predecir cada token con certeza).
    """
    if not texts:
        raise ValueError("`texts` está vacío: pasa al menos un texto para medir la perplejidad.")
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total_nll, total_tokens = 0.0, 0
    starts = range(0, len(texts), batch_size)
    for start in progress(iterable=starts, desc="Perplejidad", total=len(starts), leave=False):
        batch = tokenizer(list(texts[start : start + batch_size]), return_tensors="pt", padding=True,
                          truncation=True, max_length=max_length).to(device)
        logits = model(**batch).logits[:, :-1].float()
        labels = batch["input_ids"][:, 1:]
        mask = batch["attention_mask"][:, 1:].bool()
        nll = torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, reduction="none")
        total_nll += nll[mask].sum().item()
        total_tokens += int(mask.sum())
    model.train(was_training)
    return math.exp(total_nll / total_tokens)
