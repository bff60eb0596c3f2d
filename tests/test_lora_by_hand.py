"""La LoRA a mano (`latamlab.train.lora_by_hand`, cuaderno 03) es numéricamente la de peft.

Mismos pesos base, mismos A y B (B con valores aleatorios distintos de cero, para que la rama LoRA cuente):
logits y gradientes de A y B iguales a 1e-5, y el mismo número de parámetros entrenables.
"""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from latamlab.train.lora_by_hand import LoRALinear, copy_from_peft, count_trainable, inject_lora, lora_param_count

R, ALPHA = 4, 16
TOL = 1e-5


def _peft_model(model: nn.Module, targets: list[str], r: int = R, alpha: float = ALPHA):
    from peft import LoraConfig, get_peft_model

    return get_peft_model(model, LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0, target_modules=targets))


def _randomize_b(peft_model: nn.Module, seed: int = 1) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=generator) * 0.02)


def _grads(model: nn.Module) -> dict[str, torch.Tensor]:
    return {n.removeprefix("base_model.model.").replace(".default", ""): p.grad
            for n, p in model.named_parameters() if "lora_" in n}


@pytest.fixture(scope="module")
def tiny_fp32(tiny_dir):
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    return AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32)


def test_single_linear_equals_peft_outputs_and_gradients():
    torch.manual_seed(0)
    base = nn.Linear(32, 24)
    wrapper = nn.Sequential()
    wrapper.add_module("proj", copy.deepcopy(base))
    theirs = _peft_model(wrapper, ["proj"])
    _randomize_b(theirs)
    ours = nn.Sequential()
    ours.add_module("proj", copy.deepcopy(base))
    assert inject_lora(ours, ["proj"], r=R, alpha=ALPHA) == 1
    assert copy_from_peft(theirs, ours) == 2
    x = torch.randn(5, 32)
    out_theirs, out_ours = theirs(x), ours(x)
    assert (out_theirs - out_ours).abs().max() < TOL
    assert (out_ours - base(x)).abs().max() > 1e-3, "con B distinto de cero la rama LoRA debe cambiar la salida"
    out_theirs.pow(2).sum().backward()
    out_ours.pow(2).sum().backward()
    for name, grad in _grads(theirs).items():
        assert (grad - _grads(ours)[name]).abs().max() < TOL, name
    expected = (R * (32 + 24), 32 * 24 + 24 + R * (32 + 24))
    assert count_trainable(ours) == tuple(theirs.get_nb_trainable_parameters()) == expected


def test_model_equals_peft_logits_gradients_and_counts(tiny_fp32):
    targets = ["q_proj", "v_proj"]
    theirs = _peft_model(copy.deepcopy(tiny_fp32), targets)
    _randomize_b(theirs)
    ours = copy.deepcopy(tiny_fp32)
    wrapped = inject_lora(ours, targets, r=R, alpha=ALPHA)
    assert wrapped == 2 * tiny_fp32.config.num_hidden_layers
    assert copy_from_peft(theirs, ours) == 2 * wrapped
    assert count_trainable(ours) == tuple(theirs.get_nb_trainable_parameters())
    assert count_trainable(ours)[0] == lora_param_count(tiny_fp32, targets, R)
    ids = torch.randint(0, tiny_fp32.config.vocab_size, (2, 12), generator=torch.Generator().manual_seed(0))
    out_theirs = theirs(input_ids=ids, labels=ids)
    out_ours = ours(input_ids=ids, labels=ids)
    assert (out_theirs.logits - out_ours.logits).abs().max() < TOL
    assert (out_ours.logits - tiny_fp32(input_ids=ids).logits).abs().max() > 1e-4, "B aleatorio debe cambiar los logits"
    out_theirs.loss.backward()
    out_ours.loss.backward()
    ours_grads = _grads(ours)
    assert len(ours_grads) == 2 * wrapped
    for name, grad in _grads(theirs).items():
        assert grad is not None and grad.abs().max() > 0, name
        assert (grad - ours_grads[name]).abs().max() < TOL, name


def test_scaling_is_alpha_over_r_and_a_wrong_scaling_is_caught():
    torch.manual_seed(0)
    layer = LoRALinear(nn.Linear(16, 8), r=4, alpha=16)
    nn.init.normal_(layer.lora_B.weight)
    assert layer.scaling == 4.0
    x = torch.randn(3, 16)
    update = layer(x) - layer.base(x)
    expected = (alpha_over_r := 16 / 4) * x @ (layer.lora_B.weight @ layer.lora_A.weight).T
    assert torch.allclose(update, expected, atol=1e-5)
    assert torch.allclose(layer.delta_weight(), alpha_over_r * layer.lora_B.weight @ layer.lora_A.weight)
    assert not torch.allclose(update, 16 * x @ (layer.lora_B.weight @ layer.lora_A.weight).T, atol=1e-3)


def test_starts_as_the_base_model_and_freezes_it(tiny_fp32):
    model = copy.deepcopy(tiny_fp32)
    ids = torch.arange(10).unsqueeze(0)
    before = model(input_ids=ids).logits
    inject_lora(model, ["q_proj", "k_proj", "v_proj", "o_proj"], r=8, alpha=16)
    assert torch.equal(model(input_ids=ids).logits, before), "con B = 0 el modelo no cambia en el paso 0"
    assert all(("lora_" in n) == p.requires_grad for n, p in model.named_parameters())


def test_init_matches_nn_linear_and_bad_arguments_fail_in_spanish():
    torch.manual_seed(3)
    layer = LoRALinear(nn.Linear(64, 8), r=4)
    bound = 1 / math.sqrt(64)  # Kaiming uniforme con a = √5 → U(−1/√fan_in, 1/√fan_in)
    assert layer.lora_A.weight.abs().max() <= bound and layer.lora_A.weight.abs().max() > 0.8 * bound
    assert torch.count_nonzero(layer.lora_B.weight) == 0
    with pytest.raises(ValueError, match="`r` debe ser un entero"):
        LoRALinear(nn.Linear(4, 4), r=0)
    with pytest.raises(ValueError, match="`target_modules` no coincide"):
        inject_lora(nn.Sequential(nn.Linear(4, 4)), ["q_proj"])


def test_tiny_training_loop_lowers_the_loss_and_is_reproducible(tiny_dir):
    from transformers import AutoTokenizer

    from latamlab.data.loaders import load_finance
    from latamlab.train.lora_by_hand import chat_batches, train_steps

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    batches = chat_batches(tokenizer, load_finance()["train"].select(range(8)), batch_size=4, max_length=64)
    assert len(batches) == 2 and batches[0]["input_ids"].shape[1] <= 64
    assert (batches[0]["labels"] == -100).sum() == (batches[0]["attention_mask"] == 0).sum()
    runs = []
    for _ in range(2):
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32)
        torch.manual_seed(0)  # A se inicializa al azar: misma semilla, mismo A
        inject_lora(model, ["q_proj", "v_proj"], r=8, alpha=16)
        runs.append(train_steps(model, batches, steps=6, lr=5e-3))
    assert runs[0] == runs[1]
    assert runs[0][-1] < runs[0][0]


def test_train_lora_copy_is_the_manual_loop_and_leaves_the_model_untouched(tiny_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from latamlab.data.loaders import load_finance
    from latamlab.train.lora_by_hand import chat_batches, train_lora_copy, train_steps

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    batches = chat_batches(tokenizer, load_finance()["train"].select(range(8)), batch_size=4, max_length=64)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32)
    before = {n: p.clone() for n, p in model.state_dict().items()}
    run = train_lora_copy(model, batches, ["q_proj", "v_proj"], r=4, alpha=16, steps=4, lr=5e-3)
    manual = copy.deepcopy(model)
    torch.manual_seed(0)
    inject_lora(manual, ["q_proj", "v_proj"], r=4, alpha=16)
    assert run.losses == train_steps(manual, batches, steps=4, lr=5e-3)
    assert run.losses[-1] < run.losses[0]
    assert all(torch.equal(before[n], p) for n, p in model.state_dict().items()), "el modelo original no cambia"
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    assert count_trainable(run.model)[0] == lora_param_count(model, ["q_proj", "v_proj"], 4)


def test_with_adam_a_fixed_alpha_makes_the_first_step_independent_of_r(tiny_dir):
    """Con Adam cada elemento de B se mueve ≈ lr en el primer paso: B·A·x suma r términos y la escala alpha / r
    lo compensa. Con alpha fijo el primer paso baja la pérdida casi lo mismo en cualquier r; con alpha = 2·r, ∝ r."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from latamlab.data.loaders import load_finance
    from latamlab.train.lora_by_hand import chat_batches, train_lora_copy

    tokenizer = AutoTokenizer.from_pretrained(tiny_dir)
    batch = chat_batches(tokenizer, load_finance()["train"].select(range(4)), batch_size=4, max_length=64)
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.float32)

    def first_drop(r: int, alpha: float) -> float:  # el paso 2 vuelve a ver el mismo lote
        losses = train_lora_copy(model, batch, ["q_proj", "v_proj"], r=r, alpha=alpha, steps=2, lr=1e-3).losses
        return losses[0] - losses[1]

    fixed = [first_drop(r, 16) for r in (2, 8, 32)]
    growing = [first_drop(r, 2 * r) for r in (2, 32)]
    assert min(fixed) > 0 and max(fixed) / min(fixed) < 1.5, f"con alpha fijo, casi la misma bajada: {fixed}"
    assert growing[1] / growing[0] > 8, f"con alpha = 2·r, la bajada crece con r: {growing}"
