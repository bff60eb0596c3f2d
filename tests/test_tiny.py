"""Modelos diminutos: tokenizador BPE en español, determinismo y arquitecturas Llama/Qwen2."""

from __future__ import annotations

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer

from latamlab.models.tiny import TinyConfig, build_tiny_model, train_tokenizer

TEXTS = [
    "El Banco de la República fija la tasa de interés de referencia en Colombia.",
    "¿Cuánto cuesta el pasaje de bus en Medellín este año?",
    "La inflación mide cuánto suben los precios en promedio durante un periodo.",
    "Mañana lloverá en Bogotá y en buena parte de la región andina.",
] * 20
SMALL = TinyConfig(vocab_size=300, hidden_size=64, intermediate_size=128, num_layers=1, num_heads=2,
                   num_kv_heads=1, block_size=16, batch_size=4, steps=5)


def test_tokenizer_roundtrips_spanish_and_has_chat_template():
    tok = train_tokenizer(TEXTS, vocab_size=300)
    text = "¿Año, niño, canción? ¡Sí!"
    assert tok.decode(tok(text)["input_ids"]) == text
    chat = tok.apply_chat_template([{"role": "user", "content": "Hola"}], tokenize=False, add_generation_prompt=True)
    assert chat == "<|im_start|>user\nHola<|im_end|>\n<|im_start|>assistant\n"


def test_same_seed_gives_same_weights(tmp_path):
    a = load_file(build_tiny_model("llama", tmp_path / "a", TEXTS, SMALL) / "model.safetensors")
    b = load_file(build_tiny_model("llama", tmp_path / "b", TEXTS, SMALL) / "model.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_qwen2_has_attention_biases_and_loads_back(tmp_path):
    folder = build_tiny_model("qwen2", tmp_path / "q", TEXTS, SMALL)
    saved = load_file(folder / "model.safetensors")
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    assert model.config.model_type == "qwen2"
    attention = model.model.layers[0].self_attn
    for proj in ("q_proj", "k_proj", "v_proj"):  # Qwen2 lleva sesgo en q, k, v (no en o)
        assert f"model.layers.0.self_attn.{proj}.bias" in saved
        assert getattr(attention, proj).bias.abs().sum() > 0, f"{proj}.bias quedó en cero: no se entrenó"
    assert attention.o_proj.bias is None
    state = model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in saved.items())  # se cargó exactamente lo guardado

    ids = AutoTokenizer.from_pretrained(folder)("El banco fija la tasa", return_tensors="pt")
    with torch.no_grad():
        logits = model(**ids).logits
        model.save_pretrained(tmp_path / "otra_vez")
        again = AutoModelForCausalLM.from_pretrained(tmp_path / "otra_vez", dtype=torch.float32)
        torch.testing.assert_close(again(**ids).logits, logits, rtol=0, atol=0)
        attention.q_proj.bias.zero_()  # los sesgos intervienen en el cálculo
        assert not torch.allclose(model(**ids).logits, logits)


def test_shipped_tiny_model_writes_spanish_looking_text(tiny_dir):
    model = AutoModelForCausalLM.from_pretrained(tiny_dir)
    tok = AutoTokenizer.from_pretrained(tiny_dir)
    out = model.generate(**tok("El precio del", return_tensors="pt"), max_new_tokens=20, do_sample=False)
    words = tok.decode(out[0], skip_special_tokens=True).split()
    common = {"de", "la", "el", "en", "y", "que", "los", "las", "del", "para", "con", "un", "una"}
    assert len(words) >= 8 and any(w.lower() in common for w in words[3:])
