"""La guarda de CPU de `load_model` evita gradientes LoRA incorrectos tras una inferencia en 4 bits.

Error verificado de bitsandbytes: en CPU con AVX512-BF16, la primera inferencia sobre un
`Linear4bit` re-empaqueta sus pesos y después los gradientes LoRA salen mal sin avisar.

En cualquier CPU estas pruebas comprueban que la guarda se aplica a cada capa de 4 bits en cada forma
de cargar, que falla si bitsandbytes cambia el nombre de la bandera, y que los gradientes LoRA tras
`generate()` son idénticos bit a bit a los de un modelo recién cargado. Solo la demostración del error
sin guarda necesita una CPU con AVX512-BF16.
"""

from __future__ import annotations

import bitsandbytes as bnb
import pytest
import torch
from bitsandbytes.functional import has_avx512bf16
from peft import LoraConfig, get_peft_model

from latamlab.models.load import guard_cpu_4bit, load_model

PROMPT = "La inflación en Colombia se mide con el índice de precios al consumidor."


def _lora_grads(model, tokenizer, generate_first: bool) -> dict[str, torch.Tensor | None]:
    if generate_first:
        ids = tokenizer("¿Qué es un presupuesto?", return_tensors="pt")
        model.eval()
        with torch.no_grad():
            model.generate(**ids, max_new_tokens=3, do_sample=False)
    torch.manual_seed(0)
    peft_model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]))
    peft_model.train()
    batch = tokenizer(PROMPT, return_tensors="pt")
    peft_model(**batch, labels=batch["input_ids"]).loss.backward()
    return {n: (p.grad.clone() if p.grad is not None else None)
            for n, p in peft_model.named_parameters() if "lora_B" in n}


def _linear4bit(model) -> list:
    return [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]


def test_guard_turns_the_flag_off_on_every_layer():
    model = torch.nn.Sequential(bnb.nn.Linear4bit(64, 64, quant_type="nf4"), bnb.nn.Linear4bit(64, 32))
    for layer in _linear4bit(model):
        layer.support_avx512bf16_for_cpu = True  # lo que bitsandbytes pone en una CPU con AVX512-BF16
    assert guard_cpu_4bit(model) == 2
    assert [layer.support_avx512bf16_for_cpu for layer in _linear4bit(model)] == [False, False]


def test_guard_fails_loudly_if_bitsandbytes_renames_the_flag():
    model = torch.nn.Sequential(bnb.nn.Linear4bit(64, 64), bnb.nn.Linear4bit(64, 32))
    del model[1].support_avx512bf16_for_cpu  # como si una versión nueva la llamara de otro modo
    with pytest.raises(RuntimeError, match="support_avx512bf16_for_cpu") as err:
        guard_cpu_4bit(model)
    assert "bitsandbytes" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.slow
@pytest.mark.parametrize("how", [{"precision": "nf4", "device": "cpu"}, {"precision": "fp4", "device": "cpu"},
                                 {"precision": "nf4", "mode": "cpu"}, {"precision": "fp4", "mode": "cpu"}],
                         ids=["nf4-device", "fp4-device", "nf4-mode", "fp4-mode"])
def test_every_4bit_load_path_guards_every_layer(smol_dir, how):
    name = None if "mode" in how else str(smol_dir)
    model, _ = load_model(name, **how)
    layers = _linear4bit(model)
    assert len(layers) == model.config.num_hidden_layers * 7  # cada bloque: q, k, v, o, gate, up, down
    assert {layer.weight.quant_state.quant_type for layer in layers} == {how["precision"]}
    assert [layer for layer in layers if layer.support_avx512bf16_for_cpu is not False] == []


@pytest.fixture(scope="module")
def fresh_grads(smol_dir):
    model, tokenizer = load_model(str(smol_dir), precision="nf4", device="cpu")
    return _lora_grads(model, tokenizer, generate_first=False)


@pytest.mark.slow
def test_guard_keeps_lora_gradients_after_generate(smol_dir, fresh_grads):
    model, tokenizer = load_model(str(smol_dir), precision="nf4", device="cpu")
    after = _lora_grads(model, tokenizer, generate_first=True)
    assert all(layer.support_avx512bf16_for_cpu is False for layer in _linear4bit(model))
    assert fresh_grads.keys() == after.keys() and len(after) > 0
    for name, grad in after.items():
        assert grad is not None, f"{name} no recibió gradiente"
        torch.testing.assert_close(grad, fresh_grads[name], rtol=0, atol=0)


@pytest.mark.slow
@pytest.mark.skipif(not has_avx512bf16(), reason="esta CPU no tiene AVX512-BF16: el error no ocurre aquí")
def test_without_guard_gradients_go_wrong(smol_dir, fresh_grads):
    """Demuestra por qué existe la guarda: sin ella, los gradientes cambian tras un `generate()`."""
    model, tokenizer = load_model(str(smol_dir), precision="nf4", device="cpu")
    for module in _linear4bit(model):
        module.support_avx512bf16_for_cpu = True
    with pytest.warns(UserWarning, match="gemv_4bit"):
        after = _lora_grads(model, tokenizer, generate_first=True)
    broken = [n for n, g in after.items() if g is None or not torch.equal(g, fresh_grads[n])]
    assert broken, "sin la guarda los gradientes deberían diferir en una CPU con AVX512-BF16"
