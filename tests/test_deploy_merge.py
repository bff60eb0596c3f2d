"""Fusión de adaptadores (cuaderno 06): exacta en 32 bits, dañina en 4 bits."""

from __future__ import annotations

import pytest
import torch


def _random_adapter(base_dir, out_dir, seed: int = 0) -> None:
    """Un adaptador LoRA con `lora_B` distinto de cero (recién creado sería cero y la fusión no cambiaría nada)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from latamlab.train.compat import peft_wrapping

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=torch.float32)
    with peft_wrapping():
        model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear"))
    for name, param in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(param, std=0.02)
    model.save_pretrained(str(out_dir))


@pytest.fixture(scope="module")
def tiny_adapter(tiny_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("adaptador")
    _random_adapter(tiny_dir, folder)
    return folder


TEXTS = ["El ahorro de emergencia cubre entre tres y seis meses de gastos.",
         "En Buenos Aires el autobús urbano se llama colectivo."]


def test_merge_in_fp32_keeps_logits(tiny_dir, tiny_adapter):
    from latamlab.deploy.merge import merge_adapter
    from latamlab.models.load import load_model
    from latamlab.train.adapters import attach_adapters

    base, tok = load_model(str(tiny_dir), precision="fp32")
    ids = torch.tensor([tok(TEXTS[0])["input_ids"]])
    with torch.no_grad():
        plain = base(input_ids=ids).logits.clone()
    model = attach_adapters(base, {"a": tiny_adapter})
    with torch.no_grad():
        before = model(input_ids=ids).logits
    assert (before - plain).abs().max() > 1e-3  # el adaptador sí cambia el modelo
    merged = merge_adapter(model)
    assert not any("lora" in n for n, _ in merged.named_parameters())
    with torch.no_grad():
        after = merged(input_ids=ids).logits
    torch.testing.assert_close(after, before, atol=1e-4, rtol=0)


def test_merge_refuses_quantized_base_and_missing_adapter(tiny_dir, tiny_adapter):
    from latamlab.deploy.merge import merge_adapter
    from latamlab.errors import ConfigError
    from latamlab.models.load import load_model

    base, _ = load_model(str(tiny_dir), precision="nf4")
    with pytest.raises(ConfigError, match="cuantizada"):
        merge_adapter(base, tiny_adapter)
    with pytest.raises(ConfigError, match="adapter"):
        merge_adapter(base)


def test_merge_into_nf4_degrades_much_more_than_fp32(tiny_dir, tiny_adapter):
    from latamlab.deploy.merge import merge_gap

    exact = merge_gap(tiny_dir, tiny_adapter, TEXTS, precision="fp32")
    nf4 = merge_gap(tiny_dir, tiny_adapter, TEXTS, precision="nf4")
    assert exact["max_abs_logit_diff"] < 1e-4
    assert nf4["max_abs_logit_diff"] > 100 * max(exact["max_abs_logit_diff"], 1e-6)
    assert nf4["perplexity_merged"] != pytest.approx(nf4["perplexity_unmerged"], rel=1e-4)
