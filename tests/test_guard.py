"""La guarda de CPU de `load_model` evita gradientes LoRA incorrectos tras una inferencia en 4 bits.

Error verificado de bitsandbytes: en CPU con AVX512-BF16, la primera inferencia sobre un
`Linear4bit` re-empaqueta sus pesos y después los gradientes LoRA salen mal sin avisar.
"""

from __future__ import annotations

import pytest
import torch
from bitsandbytes.functional import has_avx512bf16
from peft import LoraConfig, get_peft_model

from latamlab.models.load import load_model

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


@pytest.fixture(scope="module")
def fresh_grads(smol_dir):
    model, tokenizer = load_model(str(smol_dir), precision="nf4", device="cpu")
    return _lora_grads(model, tokenizer, generate_first=False)


def test_guard_keeps_lora_gradients_after_generate(smol_dir, fresh_grads):
    model, tokenizer = load_model(str(smol_dir), precision="nf4", device="cpu")
    after = _lora_grads(model, tokenizer, generate_first=True)
    assert fresh_grads.keys() == after.keys() and len(after) > 0
    for name, grad in after.items():
        assert grad is not None, f"{name} no recibió gradiente"
        torch.testing.assert_close(grad, fresh_grads[name], rtol=0, atol=0)


@pytest.mark.skipif(not has_avx512bf16(), reason="esta CPU no tiene AVX512-BF16: el error no ocurre aquí")
def test_without_guard_gradients_go_wrong(smol_dir, fresh_grads):
    """Demuestra por qué existe la guarda: sin ella, los gradientes cambian tras un `generate()`."""
    import bitsandbytes as bnb

    model, tokenizer = load_model(str(smol_dir), precision="nf4", device="cpu")
    for module in model.modules():
        if isinstance(module, bnb.nn.Linear4bit):
            module.support_avx512bf16_for_cpu = True
    with pytest.warns(UserWarning, match="gemv_4bit"):
        after = _lora_grads(model, tokenizer, generate_first=True)
    broken = [n for n, g in after.items() if g is None or not torch.equal(g, fresh_grads[n])]
    assert broken, "sin la guarda los gradientes deberían diferir en una CPU con AVX512-BF16"
