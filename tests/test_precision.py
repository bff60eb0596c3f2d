"""Precisiones, la receta QLoRA y el tipo de cálculo según el hardware."""

from __future__ import annotations

import pytest
import torch

from latamlab.quant import presets as prec
from latamlab.errors import ConfigError
from latamlab.quant.formats import check_precision
from latamlab.quant.presets import QLORA_NF4, bnb_config, compute_dtype_for, torch_dtype_for


def test_unknown_precision_message():
    with pytest.raises(ConfigError) as err:
        check_precision("nf5")
    assert str(err.value) == "`precision` debe ser una de nf4, fp4, int8, bf16, fp16, fp32; recibí 'nf5'."


def test_qlora_preset_states_the_recipe():
    cfg = bnb_config("nf4", "cpu")
    assert QLORA_NF4.quant_type == "nf4" and QLORA_NF4.double_quant is True
    assert cfg.load_in_4bit and cfg.bnb_4bit_quant_type == "nf4" and cfg.bnb_4bit_use_double_quant
    assert cfg.bnb_4bit_compute_dtype == torch.bfloat16
    assert bnb_config("fp4", "cpu").bnb_4bit_quant_type == "fp4"
    assert bnb_config("int8", "cpu").load_in_8bit
    assert bnb_config("bf16", "cpu") is None


def _fake_gpu(monkeypatch, capability):
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)


def test_t4_computes_in_fp16_and_ampere_in_bf16(monkeypatch):
    _fake_gpu(monkeypatch, (7, 5))
    assert compute_dtype_for("cuda") == torch.float16
    assert bnb_config("nf4", "cuda").bnb_4bit_compute_dtype == torch.float16
    _fake_gpu(monkeypatch, (8, 0))
    assert compute_dtype_for("cuda") == torch.bfloat16
    assert compute_dtype_for("cpu") == torch.bfloat16


def test_bf16_on_t4_warns_and_uses_fp16(monkeypatch):
    _fake_gpu(monkeypatch, (7, 5))
    with pytest.warns(UserWarning, match="fp16"):
        assert torch_dtype_for("bf16", "cuda") == torch.float16
    assert prec.torch_dtype_for("fp32", "cuda") == torch.float32
