"""La perplejidad no depende del relleno ni de cómo se agrupan los textos, y vale V con logits uniformes."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from latamlab.errors import ConfigError
from latamlab.evaluation.perplexity import perplexity

TEXTS = [
    "El ahorro es la parte del ingreso que no se gasta.",
    "¿Cuánto cuesta el pasaje?",
    "La inflación mide cuánto suben los precios en promedio durante un periodo, mes a mes o año a año.",
    "Hola.",
    "El Banco de la República fija la tasa de interés de referencia en Colombia, y el Banco Central de Chile "
    "hace lo mismo allá.",
    "Mañana lloverá en Bogotá.",
    "Un presupuesto ordena los gastos del mes.",
    "La tasa de cambio indica cuántos pesos cuesta un dólar.",
    "Pagar a tiempo la tarjeta evita intereses.",
    "En Lima el invierno es gris y húmedo, aunque casi nunca llueve.",
]


@pytest.fixture(scope="module")
def tiny(tiny_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    return model, tokenizer


def test_texts_really_have_different_lengths(tiny):
    _, tokenizer = tiny
    lengths = {len(tokenizer(t)["input_ids"]) for t in TEXTS}
    assert len(lengths) >= 8 and max(lengths) > 3 * min(lengths)


def test_batch_size_does_not_change_the_value(tiny):
    model, tokenizer = tiny
    one = perplexity(model, tokenizer, TEXTS, batch_size=1)
    for batch_size in (3, 8, len(TEXTS)):
        assert perplexity(model, tokenizer, TEXTS, batch_size=batch_size) == pytest.approx(one, rel=1e-5)
    reordered = perplexity(model, tokenizer, TEXTS[::-1], batch_size=8)  # otros textos comparten lote
    assert reordered == pytest.approx(one, rel=1e-5)


def test_left_padding_tokenizer_gives_the_same_value_and_is_restored(tiny):
    model, tokenizer = tiny
    right = perplexity(model, tokenizer, TEXTS, batch_size=8)
    tokenizer.padding_side = "left"
    try:
        assert perplexity(model, tokenizer, TEXTS, batch_size=8) == pytest.approx(right, rel=1e-5)
        assert tokenizer.padding_side == "left"
    finally:
        tokenizer.padding_side = "right"


def test_value_is_the_exp_of_the_mean_token_loss(tiny):
    model, tokenizer = tiny
    total, count = 0.0, 0
    for text in TEXTS:
        ids = tokenizer(text, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            loss = model(input_ids=ids, labels=ids).loss.item()
        total, count = total + loss * (ids.shape[1] - 1), count + ids.shape[1] - 1
    assert perplexity(model, tokenizer, TEXTS, batch_size=4) == pytest.approx(math.exp(total / count), rel=1e-5)


class UniformLM(torch.nn.Module):
    """Un «modelo» que da la misma probabilidad, 1/V, a cada token del vocabulario."""

    def __init__(self, vocab_size: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.anchor = torch.nn.Parameter(torch.zeros(1))  # para que `perplexity` sepa el dispositivo

    def forward(self, input_ids, attention_mask=None):
        return SimpleNamespace(logits=torch.zeros(*input_ids.shape, self.vocab_size))


def test_uniform_logits_give_the_vocabulary_size(tiny):
    _, tokenizer = tiny
    vocab = len(tokenizer)
    value = perplexity(UniformLM(vocab), tokenizer, TEXTS, batch_size=4)
    assert value == pytest.approx(vocab, rel=1e-6)


def test_empty_or_too_short_texts_are_a_spanish_error(tiny):
    model, tokenizer = tiny
    with pytest.raises(ConfigError, match="`texts` está vacío"):
        perplexity(model, tokenizer, [])
    with pytest.raises(ConfigError, match="batch_size"):
        perplexity(model, tokenizer, TEXTS, batch_size=0)
