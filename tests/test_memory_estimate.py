"""El estimador de memoria contra el libro exacto, el libro contra cuentas a mano, la CLI y la búsqueda de lo que cabe."""

from __future__ import annotations

import pytest
import torch

from latamlab.errors import ConfigError
from latamlab.memory.configs import config_from_dict, model_config, shrink_depth
from latamlab.memory.estimate import estimate_memory, loading_bytes
from latamlab.memory.gpus import gpus, max_batch_size, max_length_that_fits, shard
from latamlab.memory.ledger import measure_training_step
from latamlab.memory.validate import compare_step
from latamlab.models.catalog import catalog


class Toy(torch.nn.Module):
    """y = sum(tanh(x @ W)): autograd guarda x (para el gradiente de W) y la salida de tanh."""

    def __init__(self) -> None:
        super().__init__()
        self.config = type("C", (), {"get_text_config": lambda self: type("T", (), {"vocab_size": 10**9})()})()
        self.weight = torch.nn.Parameter(torch.randn(8, 4))

    def get_input_embeddings(self):
        return torch.nn.Identity()

    def activation_checkpointing_disable(self):
        pass

    def forward(self, input_ids, attention_mask=None, labels=None, use_cache=False):
        x = input_ids.float()
        h = torch.tanh(x @ self.weight)
        return type("O", (), {"loss": h.sum(), "logits": torch.empty(0)})()


def test_ledger_counts_saved_tensors_of_a_toy_module_by_hand():
    toy = Toy()
    ledger = measure_training_step(toy, torch.ones(3, 8))
    # x.float() (3×8 fp32, una sola vez aunque lo vea la vista) + salida de tanh (3×4 fp32)
    assert ledger.activations == 3 * 8 * 4 + 3 * 4 * 4
    assert ledger.weights == ledger.gradients == 8 * 4 * 4
    assert ledger.optimizer == 2 * 8 * 4 * 4 + 4  # exp_avg, exp_avg_sq y el escalar `step`


@pytest.mark.parametrize("name,dtype", [("diminuto-llama", "fp32"), ("diminuto-qwen2", "bf16")])
@pytest.mark.parametrize("method", ["full", "lora", "qlora"])
@pytest.mark.parametrize("checkpointing", [False, True])
def test_estimate_within_ten_percent_of_ledger(name, dtype, method, checkpointing, tmp_path):
    comparison = compare_step(name, model_config(name), method, checkpointing, dtype=dtype, lora_dropout=0.05,
                              workdir=tmp_path)
    assert abs(comparison.error_percent) < 10
    for part, measured in comparison.measured_parts().items():
        assert comparison.estimated_parts()[part] == pytest.approx(measured, rel=0.05, abs=4096), part



def test_compare_step_reuses_a_built_model_with_and_without_checkpointing(tmp_path):
    from latamlab.memory.validate import build_for_method

    config = model_config("diminuto-llama")
    model = build_for_method(config, "lora")
    reused = [compare_step("d", config, "lora", ckpt, model=model) for ckpt in (False, True, False)]
    fresh = compare_step("d", config, "lora", False, workdir=tmp_path)
    assert reused[0].measured.to_dict() == reused[2].measured.to_dict() == fresh.measured.to_dict()
    assert reused[1].measured.activations < reused[0].measured.activations  # el modelo cambia de modo de verdad

def test_checkpointing_and_qlora_lower_the_estimate():
    config = model_config("qwen2.5-1.5b-instruct")
    full = estimate_memory(config, "full", 2, 1024, False)
    lora = estimate_memory(config, "lora", 2, 1024, False)
    qlora = estimate_memory(config, "qlora", 2, 1024, False)
    assert qlora.weights < lora.weights == full.weights  # en bf16 la base de LoRA pesa lo mismo
    assert lora.gradients == 4 * lora.trainable_params  # peft sube LoRA a fp32
    assert full.gradients == 2 * full.trainable_params == 2 * 1_543_714_304  # bf16 puro
    assert estimate_memory(config, "qlora", 2, 1024, True).activations < qlora.activations
    assert qlora.logits == 2 * 1024 * 151_936 * (2 + 4)  # bf16 retenido + log-softmax fp32


def test_loading_estimate_matches_memory_footprint(tiny_dir):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_dir, dtype=torch.bfloat16)
    assert loading_bytes(tiny_dir, "bf16") == model.get_memory_footprint()


def test_every_catalog_model_has_an_architecture_matching_its_card():
    for card in catalog().values():
        config = model_config(card.name)
        if card.params:
            from latamlab.memory.weights import count_params

            assert count_params(config).total == pytest.approx(card.params, rel=0.03), card.name


def test_shrink_depth_keeps_width_and_vocabulary():
    config = shrink_depth(model_config("qwen2.5-0.5b-instruct"), 2)
    assert (config.num_hidden_layers, config.hidden_size, config.vocab_size) == (2, 896, 151_936)


def test_config_without_needed_fields_names_file_and_fields():
    with pytest.raises(ConfigError, match=r"mi\.json no tiene `hidden_size`, `vocab_size`"):
        config_from_dict({"model_type": "llama", "intermediate_size": 1, "num_hidden_layers": 1,
                          "num_attention_heads": 1}, source="mi.json")


def test_gpu_data_schema():
    table = gpus()
    assert {"t4", "l4", "a100-40", "a100-80", "h100"} <= set(table)
    for gpu in table.values():
        assert 0 < gpu.usable_gib <= gpu.memory_gib and gpu.hourly_usd > 0 and gpu.price_source
    assert not table["t4"].native_bf16 and table["a100-40"].native_bf16


def test_fit_search_is_monotone_and_consistent():
    model = "qwen2.5-1.5b-instruct"
    small, big = max_batch_size(model, "t4", "qlora", 512), max_batch_size(model, "a100-80", "qlora", 512)
    assert 1 <= small < big
    assert max_batch_size(model, "t4", "qlora", 1024) <= small
    length = max_length_that_fits(model, "t4", "qlora", 1)
    assert max_length_that_fits(model, "t4", "qlora", 2) <= length
    assert max_batch_size(model, "t4", "full", 512) == 0  # 1,5 B en ajuste completo no cabe en una T4


def test_zero3_divides_weights_gradients_and_optimizer_by_hand():
    b = estimate_memory("latamgpt-70b", "full", 1, 512)
    s = shard(b, 8, "zero3")
    assert s.weights == b.weights / 8 and s.gradients == b.gradients / 8 and s.optimizer == b.optimizer / 8
    assert shard(b, 8, "zero1").gradients == b.gradients and shard(b, 8, "ddp").total == b.total


@pytest.mark.parametrize("args,message", [
    (["--gpu", "t5"], "¿Quisiste decir `t4`?"),
    (["--batch_size", "0"], "`--batch_size` debe ser un entero ≥ 1; recibí 0."),  # nombra la opción que escribiste
    (["--method", "qlorra"], "¿Quisiste decir `qlora`?"),
])
def test_cli_errors_are_one_spanish_line(args, message, capsys):
    from latamlab.cli import main

    assert main(["memoria", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_cli_prints_breakdown_and_verdict(capsys):
    from latamlab.cli import main

    assert main(["memoria", "--model", "salamandra-2b-instruct", "--gpu", "t4", "--max_length", "1024"]) == 0
    out = capsys.readouterr().out
    assert "logits" in out and "cabe en 15,0 GiB" in out and "Lote más grande" in out


def test_fit_cells_against_hand_arithmetic():
    from latamlab.memory.fit_table import fit_row

    # 70 554 M parámetros en bf16 puro: pesos 2 + gradientes 2 + AdamW 4 = 8 B → 525,6 GiB; en H100 (79,6 GiB
    # usables) con ZeRO-3: 525,6/6 = 87,6 no cabe, 525,6/7 = 75,1 más activaciones y contexto sí.
    row = fit_row("latamgpt-70b", "h100", "full", 1, 512)
    assert (row["gpus"], row["stage"]) == (7, "zero3")
    assert fit_row("latamgpt-70b", "a100-80", "qlora", 1, 512)["fits"]  # QLoRA: < 48 GB como en el artículo
    assert not fit_row("latamgpt-70b", "t4", "qlora", 1, 512)["fits"]


def test_cost_follows_flops_and_prices():
    from latamlab.memory.cost import compare_claim, flops_per_token, training_cost

    assert flops_per_token(1e9, "full", False) == 6e9 and flops_per_token(1e9, "lora", True) == 6e9
    cost = training_cost("qwen2.5-1.5b-instruct", "lora", "l4", 1e6, tokens_per_second=1000)
    assert cost.hours == pytest.approx(1e6 / 1000 / 3600) and cost.usd == pytest.approx(cost.hours * 0.71)
    claim = compare_claim()
    assert claim["lora · h100"]["saving_percent"] == pytest.approx(25, abs=0.5)  # 6N contra 8N por token
