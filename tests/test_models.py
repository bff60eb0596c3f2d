"""`load_model` en 4 bits sobre el modelo real sin internet, y errores de origen."""

from __future__ import annotations

import math
import re

import bitsandbytes as bnb
import pytest
import torch

from latamlab.models import load as models
from latamlab.errors import ConfigError
from latamlab.models.load import load_model, resolve_source


QUESTION = [{"role": "user", "content": "¿Cuál es la capital de Colombia?"}]


@pytest.fixture(scope="module")
def smol_nf4(smol_dir):
    return load_model("smollm2-135m-instruct", precision="nf4", device="cpu")


def _chat_ids(tokenizer, messages):
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)


def _greedy(model, ids, n):
    return model.generate(**ids, max_new_tokens=n, do_sample=False)[0, ids["input_ids"].shape[1]:]


@torch.no_grad()
def _next_token_logprobs(model, ids):
    return model(**ids).logits[0].float().log_softmax(-1)


def _kl(p_log, q_log):
    """KL(p‖q) media por posición, en nats."""
    return (p_log.exp() * (p_log - q_log)).sum(-1).mean().item()


@pytest.mark.slow
def test_nf4_load_quantizes_and_guards_every_linear(smol_nf4):
    model, tokenizer = smol_nf4
    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(layers) == 30 * 7  # 30 bloques × (q, k, v, o, gate, up, down)
    assert all(layer.support_avx512bf16_for_cpu is False for layer in layers)
    assert layers[0].weight.quant_state.quant_type == "nf4"
    assert tokenizer.pad_token is not None


@pytest.mark.slow
def test_nf4_stores_linear_weights_in_a_quarter_of_bf16(smol_nf4, smol_dir):
    """Las capas cuantizadas ocupan exactamente 1/4 de bf16; el resto queda en el tipo de cálculo.

    (`get_memory_footprint()` no cuenta las constantes de cuantización; en una CPU sin bf16 nativo las
    incrustaciones quedan en fp32, así que el total nf4/bf16 aquí es ≈ 0,62, no ≈ 0,4 como en una T4.)
    """
    model, _ = smol_nf4
    bf16, _ = load_model(str(smol_dir), precision="bf16", device="cpu")
    assert next(bf16.parameters()).dtype == torch.bfloat16

    def linear_bytes(m, kind):
        out = m.get_output_embeddings()
        return sum(x.weight.numel() * x.weight.element_size() for x in m.modules() if isinstance(x, kind) and x is not out)

    assert 4 * linear_bytes(model, bnb.nn.Linear4bit) == linear_bytes(bf16, torch.nn.Linear)
    assert model.get_memory_footprint() < bf16.get_memory_footprint()


@pytest.mark.slow
def test_first_spanish_generation(smol_nf4, smol_dir):
    """Generar en 4 bits es determinista, coherente con el propio modelo y cercano al modelo sin cuantizar.

    Medido en CPU (fp32): KL(fp32‖nf4) ≈ 1,4 nats frente a ≈ 8,8 nats contra una distribución uniforme;
    53 % de coincidencia en el token más probable sobre el prompt; los 5 primeros tokens generados iguales
    a los de fp32 («El capital de Colombia es…»). El nf4 de este modelo se aleja bastante porque sus
    pesos ya venían cuantizados en Q4_1 (cuaderno 01).
    """
    model, tokenizer = smol_nf4
    ids = _chat_ids(tokenizer, QUESTION)
    answer = _greedy(model, ids, 8)
    assert torch.equal(answer, _greedy(model, ids, 8)), "la decodificación voraz debe repetirse igual"
    with torch.no_grad():  # cada token generado es el argmax del modelo leyendo todo lo anterior de una vez
        whole = torch.cat([ids["input_ids"][0], answer])[None]
        logits = model(input_ids=whole, attention_mask=torch.ones_like(whole)).logits[0]
    assert torch.equal(logits[ids["input_ids"].shape[1] - 1 : -1].argmax(-1), answer)
    assert tokenizer.decode(answer, skip_special_tokens=True).strip()

    full, _ = load_model(str(smol_dir), precision="fp32", device="cpu")
    nf4_lp, fp32_lp = _next_token_logprobs(model, ids), _next_token_logprobs(full, ids)
    uniform = torch.full_like(fp32_lp, -math.log(fp32_lp.shape[-1]))
    assert _kl(fp32_lp, nf4_lp) < 0.3 * _kl(fp32_lp, uniform)
    assert (nf4_lp.argmax(-1) == fp32_lp.argmax(-1)).float().mean() >= 0.4
    assert torch.equal(answer[:3], _greedy(full, ids, 3))


def test_hub_id_while_offline_names_local_alternatives(monkeypatch):
    monkeypatch.setattr(models, "is_offline", lambda: True)
    with pytest.raises(ConfigError) as err:
        resolve_source("qwen2.5-0.5b-instruct")
    message = str(err.value)
    assert "Qwen/Qwen2.5-0.5B-Instruct" in message and "smollm2-135m-instruct" in message
    assert "diminuto-llama" in message and "\n" not in message


def test_gpu_mode_default_is_a_hub_model(monkeypatch):
    monkeypatch.setattr(models, "is_offline", lambda: False)
    source, revision = resolve_source(mode="gpu")
    assert source == "Qwen/Qwen2.5-1.5B-Instruct"
    assert re.fullmatch(r"[0-9a-f]{40}", revision), "el modelo por defecto del modo gpu fija un commit del hub"
    assert resolve_source("Some-Org/other-model") == ("Some-Org/other-model", None)


def test_cpu_mode_resolves_to_the_prepared_folder():
    from latamlab.models.offline import local_model_path

    assert resolve_source(mode="cpu") == (str(local_model_path("gemma-3-270m")), None)


def test_unknown_precision_fails_before_loading():
    with pytest.raises(ConfigError, match="precision"):
        load_model("smollm2-135m-instruct", precision="int3")


def test_diminuto_mode_loads_in_nf4_and_chats(tiny_dir):
    """En el modelo diminuto (pesos fp32 nunca cuantizados) nf4 casi no cambia nada: medido KL ≈ 0,001 nats,
    el mismo token más probable en cada posición y la misma respuesta voraz que en fp32."""
    model, tokenizer = load_model(mode="diminuto", precision="nf4", device="cpu")
    full, _ = load_model(mode="diminuto", precision="fp32", device="cpu")
    assert sum(isinstance(m, bnb.nn.Linear4bit) for m in model.modules()) == 7 * full.config.num_hidden_layers
    messages = [{"role": "user", "content": "¿Qué es el ahorro?"}]
    assert tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) == (
        "<|im_start|>user\n¿Qué es el ahorro?<|im_end|>\n<|im_start|>assistant\n")
    ids = _chat_ids(tokenizer, messages)
    nf4_lp, fp32_lp = _next_token_logprobs(model, ids), _next_token_logprobs(full, ids)
    assert _kl(fp32_lp, nf4_lp) < 0.01
    assert (nf4_lp.argmax(-1) == fp32_lp.argmax(-1)).float().mean() >= 0.9
    assert torch.equal(_greedy(model, ids, 8), _greedy(full, ids, 8))
