"""Perplejidad y bits por byte de un modelo causal sobre textos (cuadernos 01 y 05, `latamlab evaluar`).

La perplejidad depende del tokenizador: un modelo que parte «ahorro» en tres *tokens* reparte la misma
información en más predicciones que uno que lo deja en un token, y sus perplejidades no se comparan. Los
**bits por byte** dividen la misma pérdida total por los bytes UTF-8 del texto, que no dependen del
tokenizador: esa cifra sí compara modelos con vocabularios distintos. :func:`perplexity_report` da las dos.

`perplexity` se escribe a mano para enseñarla; una prueba la fija a la verosimilitud por ventanas
(``loglikelihood_rolling``) de lm-evaluation-harness sobre los mismos textos.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch

from latamlab.errors import ConfigError
from latamlab.runtime.device import model_device
from latamlab.runtime.notebook import progress

__all__ = ["perplexity", "text_nll", "PerplexityReport", "perplexity_report"]


def _prefix_id(tokenizer) -> int:
    """El *token* que precede al texto para predecir su primer token: BOS si existe, si no EOS (como lm-eval)."""
    return tokenizer.bos_token_id if tokenizer.bos_token_id is not None else tokenizer.eos_token_id


@torch.no_grad()
def text_nll(model, tokenizer, texts: Sequence[str], *, max_length: int = 256, batch_size: int = 8,
             first_token: bool = False) -> tuple[list[float], list[int]]:
    """La pérdida total (en nats) y los *tokens* predichos de cada texto, evaluado por separado.

    Cada texto se trunca a `max_length` *tokens*. El relleno (*padding*) va siempre a la derecha, cualquiera
    sea el `padding_side` del tokenizador: así cada token real conserva su posición y el resultado no
    depende de `batch_size` ni de qué textos comparten lote (salvo el redondeo del tipo de cálculo).

    Args:
        model: modelo causal (en cualquier precisión).
        tokenizer: su tokenizador (debe tener `pad_token`).
        texts: textos a evaluar.
        max_length: *tokens* máximos por texto.
        batch_size: textos por lote.
        first_token: si también se predice el primer *token*, desde el *token* BOS (o EOS si no hay BOS),
            como hace lm-eval; si no, se predice del segundo en adelante.

    Returns:
        ``(nll, tokens)``: una lista con la pérdida total de cada texto y otra con cuántos *tokens* predijo.

    Raises:
        ConfigError: si `texts` está vacío o si `batch_size` no es un entero positivo.
    """
    texts = [texts] if isinstance(texts, str) else list(texts)
    if not texts:
        raise ConfigError("`texts` está vacío: pasa una lista con al menos un texto para medir la perplejidad.")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f"`batch_size` debe ser un entero positivo; recibí {batch_size!r}. Prueba con 8.")
    encoded = [tokenizer(t, truncation=True, max_length=max_length)["input_ids"] for t in texts]
    if first_token:
        encoded = [[_prefix_id(tokenizer), *ids] for ids in encoded]
    device = model_device(model)
    was_training = model.training
    model.eval()
    nll_sums: list[float] = []
    counts: list[int] = []
    try:
        starts = range(0, len(texts), batch_size)
        for start in progress(iterable=starts, desc="Perplejidad", total=len(starts), leave=False):
            chunk = encoded[start:start + batch_size]
            width = max(len(ids) for ids in chunk)
            ids = torch.full((len(chunk), width), tokenizer.pad_token_id, dtype=torch.long)
            mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, seq in enumerate(chunk):
                ids[row, :len(seq)], mask[row, :len(seq)] = torch.tensor(seq), 1
            ids, mask = ids.to(device), mask.to(device)
            logits = model(input_ids=ids, attention_mask=mask).logits
            # log_softmax sobre el último eje (contiguo), como lm-eval: `cross_entropy` sobre logits transpuestos
            # suma el vocabulario en otro orden y, en fp32, se aleja ~1e-5 relativo (medido en SmolLM2).
            logprobs = torch.log_softmax(logits[:, :-1].float(), dim=-1)
            nll = -logprobs.gather(2, ids[:, 1:, None]).squeeze(2)
            scored = mask[:, 1:].bool()
            nll_sums.extend((nll * scored).double().sum(dim=1).tolist())
            counts.extend(scored.sum(dim=1).tolist())
    finally:
        model.train(was_training)
    return nll_sums, counts


def _check_tokens(total_tokens: int, n_texts: int) -> None:
    if total_tokens == 0:
        raise ConfigError(
            f"Ningún texto de `texts` tiene dos tokens o más ({n_texts} textos): la perplejidad necesita "
            "al menos un token que predecir. Usa textos más largos."
        )


def perplexity(model, tokenizer, texts: Sequence[str], max_length: int = 256, batch_size: int = 8,
               first_token: bool = False) -> float:
    """Perplejidad ponderada por tokens: ``exp`` de la pérdida media sobre todos los tokens predichos.

    Args:
        model, tokenizer, texts, max_length, batch_size, first_token: como en :func:`text_nll`.

    Returns:
        La perplejidad (1 sería predecir cada token con certeza).

    Raises:
        ConfigError: si `texts` está vacío, si ningún texto tiene al menos dos tokens o si `batch_size`
            no es un entero positivo.
    """
    nll, tokens = text_nll(model, tokenizer, texts, max_length=max_length, batch_size=batch_size,
                           first_token=first_token)
    _check_tokens(sum(tokens), len(nll))
    return math.exp(sum(nll) / sum(tokens))


@dataclass(frozen=True)
class PerplexityReport:
    """Perplejidad y bits por byte de unos textos, con lo necesario para sus intervalos (cuaderno 05).

    Attributes:
        perplexity: ``exp(nll / tokens)``; depende del tokenizador.
        bits_per_byte: ``nll / (bytes · ln 2)``; no depende del tokenizador.
        nll: pérdida total en nats (menos la suma de las log-verosimilitudes de lm-eval).
        tokens: *tokens* predichos (todos, el primero incluido); bytes: bytes UTF-8 de los textos.
        per_text_nll, per_text_tokens, per_text_bytes: lo mismo, texto por texto.
    """

    perplexity: float
    bits_per_byte: float
    nll: float
    tokens: int
    bytes: int
    per_text_nll: tuple[float, ...]
    per_text_tokens: tuple[int, ...]
    per_text_bytes: tuple[int, ...]

    def intervals(self, *, n_resamples: int = 1000, confidence: float = 0.95,
                  seed: int = 0) -> dict[str, tuple[float, float, float]]:
        """``{"perplexity": (valor, inferior, superior), "bits_per_byte": (...)}`` con *bootstrap* por textos.

        Se remuestrean los textos; cada muestra vuelve a dividir su pérdida total por sus *tokens* (o bytes).
        """
        from latamlab.evaluation.bootstrap import bootstrap_ci

        options = {"n_resamples": n_resamples, "confidence": confidence, "seed": seed}
        per_token = [n / t if t else 0.0 for n, t in zip(self.per_text_nll, self.per_text_tokens)]
        per_byte = [n / (b * math.log(2)) if b else 0.0 for n, b in zip(self.per_text_nll, self.per_text_bytes)]
        nats = bootstrap_ci(per_token, weights=self.per_text_tokens, **options)
        return {"perplexity": tuple(math.exp(v) for v in nats),
                "bits_per_byte": bootstrap_ci(per_byte, weights=self.per_text_bytes, **options)}


def perplexity_report(model, tokenizer, texts: Sequence[str], *, max_length: int = 1024,
                      batch_size: int = 8) -> PerplexityReport:
    """Perplejidad y bits por byte sobre `texts`, con el primer *token* también predicho (como lm-eval).

    Los bits por byte necesitan la información de todo el texto, primer *token* incluido: por eso aquí se
    predice desde BOS (o EOS), igual que ``loglikelihood_rolling`` de lm-eval, y la perplejidad resulta algo
    distinta de la de :func:`perplexity` con sus valores por defecto.

    Args:
        model, tokenizer, texts, max_length, batch_size: como en :func:`text_nll`.

    Returns:
        Un :class:`PerplexityReport`.

    Raises:
        ConfigError: si `texts` está vacío, no tiene *tokens* o `batch_size` no es válido.
    """
    texts = [texts] if isinstance(texts, str) else list(texts)
    nll, tokens = text_nll(model, tokenizer, texts, max_length=max_length, batch_size=batch_size,
                           first_token=True)
    _check_tokens(sum(tokens), len(texts))
    n_bytes = [len(t.encode("utf-8")) for t in texts]
    return PerplexityReport(perplexity=math.exp(sum(nll) / sum(tokens)),
                            bits_per_byte=sum(nll) / (sum(n_bytes) * math.log(2)), nll=sum(nll),
                            tokens=sum(tokens), bytes=sum(n_bytes), per_text_nll=tuple(nll),
                            per_text_tokens=tuple(tokens), per_text_bytes=tuple(n_bytes))
