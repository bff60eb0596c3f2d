"""Cuentas de memoria de los pesos: coinciden con lo que bitsandbytes ocupa de verdad."""

from __future__ import annotations

import re

import pytest
import torch

from latamlab.errors import ConfigError
from latamlab.exercises.nb00 import QWEN25_15B_UNQUANTIZED
from latamlab.memory.weights import GB, GIB, count_params, weights_bytes
from latamlab.models.catalog import get_card
from latamlab.numbers import fmt_number
from latamlab.quant.formats import bits_per_param


def qwen25_15b_config():
    """Configuración pública de Qwen/Qwen2.5-1.5B-Instruct (config.json del hub)."""
    from transformers import Qwen2Config

    return Qwen2Config(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                       num_key_value_heads=2, vocab_size=151_936, tie_word_embeddings=True)


def llama31_70b_config():
    """Configuración pública de Llama 3.1 70B, la base de LatamGPT-70B."""
    from transformers import LlamaConfig

    return LlamaConfig(hidden_size=8192, intermediate_size=28_672, num_hidden_layers=80, num_attention_heads=64,
                       num_key_value_heads=8, vocab_size=128_256, tie_word_embeddings=False)


def test_weights_bytes_counts_unquantized_parts_at_their_bits():
    n, unq = 1_000_000, 200_000
    assert weights_bytes(n, "bf16") == 2 * n
    assert weights_bytes(n, "nf4", unq, 16) == pytest.approx(800_000 * bits_per_param("nf4") / 8 + 2 * unq)
    assert weights_bytes(n, "nf4", unq, 32) - weights_bytes(n, "nf4", unq, 16) == 2 * unq
    with pytest.raises(ConfigError, match="unquantized_params"):
        weights_bytes(n, "nf4", unquantized_params=n + 1)


def test_count_params_of_qwen_config_ties_embeddings_and_keeps_biases():
    counts = count_params(qwen25_15b_config())
    embeddings = 151_936 * 1536
    norms = (2 * 28 + 1) * 1536
    biases = 28 * (1536 + 2 * 2 * 128)  # q, k, v; k y v tienen 2 cabezas de 128
    assert counts.unquantized == embeddings + norms + biases == QWEN25_15B_UNQUANTIZED
    assert counts.total == pytest.approx(1.54e9, rel=0.01)


@pytest.mark.slow
def test_nf4_weights_bytes_matches_memory_footprint_of_the_real_model(smol_dir):
    from latamlab.models.load import load_model

    model, _ = load_model(str(smol_dir), precision="nf4", device="cpu")
    counts = count_params(model)
    assert counts.total == 134_515_008  # como en el modelo sin cuantizar (las formas, no los bytes empaquetados)
    assert counts.unquantized == 49_152 * 576 + (2 * 30 + 1) * 576  # incrustaciones compartidas + normas
    bits = model.get_input_embeddings().weight.dtype.itemsize * 8  # fp32 en una CPU sin bf16 nativo, 16 en GPU
    estimate = weights_bytes(counts.total, "nf4", counts.unquantized, bits)
    assert estimate == pytest.approx(model.get_memory_footprint(), rel=0.03)
    assert weights_bytes(counts.total, "nf4") < 0.7 * model.get_memory_footprint()  # contar todo en 4 bits falla


def test_latamgpt_note_states_the_recomputed_figure():
    counts = count_params(llama31_70b_config())
    card = get_card("latamgpt-70b")
    assert card.params == counts.total
    assert counts.unquantized == pytest.approx(2 * 128_256 * 8192, rel=1e-3)
    nf4 = weights_bytes(counts.total, "nf4", counts.unquantized, 16)
    assert f"unos {fmt_number(nf4 / GB)} GB ({fmt_number(nf4 / GIB)} GiB)" in card.notes
    assert 35 * GB <= nf4 <= 40 * GB and nf4 < 48 * GB and nf4 > 15 * GIB
    assert "48 GB" in card.notes and "T4" in card.notes and fmt_number(bits_per_param("nf4"), 3) in card.notes
    assert card.fits_t4 is False


def test_count_params_of_a_loaded_model_equals_its_config(tiny_dir):
    from transformers import AutoConfig, AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32)
    assert count_params(model) == count_params(AutoConfig.from_pretrained(tiny_dir))
    assert count_params(model).total == sum(p.numel() for p in model.parameters())
