"""Perplejidad de un modelo causal sobre textos (cuadernos 01 y 05)."""

from __future__ import annotations

import math
from typing import Sequence

import torch

from latamlab.errors import ConfigError
from latamlab.runtime.notebook import progress

__all__ = ["perplexity"]


@torch.no_grad()
def perplexity(model, tokenizer, texts: Sequence[str], max_length: int = 256, batch_size: int = 8) -> float:
    """Perplejidad ponderada por tokens: ``exp`` de la pérdida media sobre todos los tokens predichos.

    Cada texto se evalúa por separado (sin contexto de los demás) y se trunca a `max_length` tokens. El
    relleno (*padding*) va siempre a la derecha, cualquiera sea el `padding_side` del tokenizador: así cada
    token real conserva su posición y el resultado no depende de `batch_size` ni de qué textos comparten
    lote (salvo el redondeo del tipo de cálculo).

    Args:
        model: modelo causal (en cualquier precisión).
        tokenizer: su tokenizador (debe tener `pad_token`).
        texts: textos a evaluar.
        max_length: tokens máximos por texto.
        batch_size: textos por lote.

    Returns:
        La perplejidad (1 sería predecir cada token con certeza).

    Raises:
        ConfigError: si `texts` está vacío, si ningún texto tiene al menos dos tokens o si `batch_size`
            no es un entero positivo.
    """
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts:
        raise ConfigError("`texts` está vacío: pasa una lista con al menos un texto para medir la perplejidad.")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"`batch_size` debe ser un entero positivo; recibí {batch_size!r}. Prueba con 8.")
    device = next(model.parameters()).device
    was_training, side = model.training, tokenizer.padding_side
    model.eval()
    tokenizer.padding_side = "right"
    total_nll, total_tokens = 0.0, 0
    try:
        starts = range(0, len(texts), batch_size)
        for start in progress(iterable=starts, desc="Perplejidad", total=len(starts), leave=False):
            batch = tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True,
                              truncation=True, max_length=max_length).to(device)
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
            labels = batch["input_ids"][:, 1:]
            mask = batch["attention_mask"][:, 1:].bool()
            nll = torch.nn.functional.cross_entropy(logits[:, :-1].float().transpose(1, 2), labels,
                                                    reduction="none")
            total_nll += nll[mask].double().sum().item()
            total_tokens += int(mask.sum())
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    if total_tokens == 0:
        raise ConfigError(
            f"Ningún texto de `texts` tiene dos tokens o más ({len(texts)} textos): la perplejidad necesita "
            "al menos un token que predecir. Usa textos más largos."
        )
    return math.exp(total_nll / total_tokens)
