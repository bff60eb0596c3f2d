"""`load_model` en 4 bits sobre el modelo real sin internet, y errores de origen."""

from __future__ import annotations

import bitsandbytes as bnb
import pytest
import torch

from latamlab.models import load as models
from latamlab.errors import ConfigError
from latamlab.models.load import load_model, resolve_source


@pytest.fixture(scope="module")
def smol_nf4(smol_dir):
    return load_model("smollm2-135m-instruct", precision="nf4")


def test_nf4_load_quantizes_and_guards_every_linear(smol_nf4):
    model, tokenizer = smol_nf4
    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(layers) == 30 * 7  # 30 bloques × (q, k, v, o, gate, up, down)
    assert all(layer.support_avx512bf16_for_cpu is False for layer in layers)
    assert layers[0].weight.quant_state.quant_type == "nf4"
    assert tokenizer.pad_token is not None


def test_nf4_footprint_is_under_45_percent_of_bf16(smol_nf4, smol_dir):
    model, _ = smol_nf4
    bf16, _ = load_model(str(smol_dir), precision="bf16")
    assert next(bf16.parameters()).dtype == torch.bfloat16
    assert model.get_memory_footprint() <= 0.45 * bf16.get_memory_footprint()


def test_first_spanish_generation(smol_nf4):
    model, tokenizer = smol_nf4
    messages = [{"role": "user", "content": "¿Cuál es la capital de Colombia?"}]
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = model.generate(**ids, max_new_tokens=12, do_sample=False)
    answer = tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
    assert len(answer.split()) >= 3


def test_hub_id_while_offline_names_local_alternatives(monkeypatch):
    monkeypatch.setattr(models, "is_offline", lambda: True)
    with pytest.raises(ConfigError) as err:
        resolve_source("qwen2.5-0.5b-instruct")
    message = str(err.value)
    assert "Qwen/Qwen2.5-0.5B-Instruct" in message and "smollm2-135m-instruct" in message
    assert "diminuto-llama" in message and "\n" not in message


def test_gpu_mode_default_is_a_hub_model(monkeypatch):
    monkeypatch.setattr(models, "is_offline", lambda: False)
    assert resolve_source(mode="gpu")[0] == "Qwen/Qwen2.5-1.5B-Instruct"
    assert resolve_source("Some-Org/other-model") == ("Some-Org/other-model", None)


def test_cpu_mode_resolves_to_the_prepared_folder(smol_dir):
    assert resolve_source(mode="cpu") == (str(smol_dir), None)


def test_unknown_precision_fails_before_loading():
    with pytest.raises(ConfigError, match="precision"):
        load_model("smollm2-135m-instruct", precision="int3")


def test_diminuto_mode_loads_in_nf4_and_chats(tiny_dir):
    model, tokenizer = load_model(mode="diminuto", precision="nf4")
    assert any(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
    ids = tokenizer.apply_chat_template([{"role": "user", "content": "¿Qué es el ahorro?"}],
                                        add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = model.generate(**ids, max_new_tokens=8, do_sample=False)
    assert out.shape[1] > ids["input_ids"].shape[1]
