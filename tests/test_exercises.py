"""Cada autocomprobación de `latamlab.exercises.nbNN` acepta la respuesta correcta y rechaza una incorrecta
con una pista en español. Los módulos y sus funciones ``check_*`` se descubren: una nueva sin caso aquí falla."""

from __future__ import annotations

import functools
import math
import importlib
import pkgutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

import latamlab.exercises as exercises
from latamlab.exercises.nb00 import QWEN25_15B_UNQUANTIZED
from latamlab.memory.weights import GIB, weights_bytes


def _discover() -> dict[str, object]:
    found = {}
    for info in pkgutil.iter_modules(exercises.__path__):
        if info.name.startswith("nb"):
            module = importlib.import_module(f"latamlab.exercises.{info.name}")
            for name in module.__all__:
                if name.startswith("check_"):
                    found[f"{info.name}.{name}"] = getattr(module, name)
    return found


def _model_with_two_4bit_layers():
    import bitsandbytes as bnb

    return torch.nn.Sequential(bnb.nn.Linear4bit(64, 64), torch.nn.Linear(64, 64), bnb.nn.Linear4bit(64, 16))


def _lora_layer():
    """Una `LoRALinear` de 8 → 6 con B distinto de cero; la misma en cada llamada."""
    from latamlab.train.lora_by_hand import LoRALinear

    torch.manual_seed(0)
    layer = LoRALinear(torch.nn.Linear(8, 6), r=2, alpha=8)
    torch.nn.init.normal_(layer.lora_B.weight)
    return layer


@functools.lru_cache(maxsize=None)
def _tiny_quantized() -> tuple[dict[str, object], object, list[str]]:
    """diminuto-llama en int8 y en nf4, su tokenizador y tres textos del corpus (la misma tupla en cada llamada)."""
    from latamlab.data.loaders import load_corpus
    from latamlab.models.load import load_model

    models = {}
    for precision in ("int8", "nf4"):
        models[precision], tokenizer = load_model("diminuto-llama", precision=precision)
    return models, tokenizer, load_corpus()["test"]["texto"][:3]


def _int8_answer(pick_worse: bool) -> tuple:
    """Lo que mide el alumno en el 🦁 3 del cuaderno 00; con ``pick_worse=False`` elige el formato que pierde menos."""
    from latamlab.evaluation.perplexity import perplexity

    models, tokenizer, texts = _tiny_quantized()
    memory = {p: m.get_memory_footprint() / 2**20 for p, m in models.items()}
    ppl = {p: perplexity(m, tokenizer, texts) for p, m in models.items()}
    choice = max(ppl, key=ppl.get) if pick_worse else min(ppl, key=ppl.get)
    return memory, ppl, models, tokenizer, texts, choice


@functools.lru_cache(maxsize=None)
def _tiny_fp32_batches() -> tuple[object, list]:
    from latamlab.data.loaders import load_finance
    from latamlab.models.load import load_model
    from latamlab.train.lora_by_hand import chat_batches

    model, tokenizer = load_model("diminuto-llama", precision="fp32")
    return model, chat_batches(tokenizer, load_finance()["train"].select(range(8)), batch_size=4, max_length=64)


def _fixed_alpha_answer(alpha_rule) -> tuple:
    """El 🦁 3 del cuaderno 03 hecho a mano (copia, semilla, `inject_lora`, `train_steps`), con alpha = `alpha_rule(r)`."""
    import copy

    from latamlab.train.lora_by_hand import inject_lora, train_steps

    model, batches = _tiny_fp32_batches()
    finals = {}
    for r in (2, 8, 32):
        m = copy.deepcopy(model)
        torch.manual_seed(0)
        inject_lora(m, ["q_proj", "v_proj"], r=r, alpha=alpha_rule(r))
        finals[r] = train_steps(m, batches, steps=3, lr=2e-3)[-1]
    return finals, model, batches, ["q_proj", "v_proj"], 3, 2e-3


_TMP = tempfile.TemporaryDirectory(prefix="latamlab-pruebas-")  # se borra al terminar las pruebas


def _adapter_dir(size: int):
    """Una carpeta temporal con un `adapter_model.safetensors` de `size` bytes."""
    folder = Path(tempfile.mkdtemp(prefix="adaptador-", dir=_TMP.name))
    (folder / "adapter_model.safetensors").write_bytes(b"\0" * size)
    return folder


def _recipe(compute_dtype):
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                              bnb_4bit_compute_dtype=compute_dtype)


def _perplexity_report():
    """Un `PerplexityReport` con 1 000 nats en 300 tokens y 1 200 bytes."""
    from latamlab.evaluation.perplexity import PerplexityReport

    return PerplexityReport(perplexity=math.exp(1000 / 300), bits_per_byte=1000 / (1200 * math.log(2)), nll=1000.0,
                            tokens=300, bytes=1200, per_text_nll=(1000.0,), per_text_tokens=(300,),
                            per_text_bytes=(1200,))


def _category_summaries(groups: dict[str, int]):
    from latamlab.evaluation.bootstrap import MetricSummary

    total = MetricSummary("acc", 0.25, 0.0, 0.5, n=sum(groups.values()))
    return [total, *(MetricSummary("acc", 0.3, 0.0, 1.0, n=n, group=g) for g, n in groups.items())]


#: Con «pega» gana la log-verosimilitud total (acc, posición 3) y con «chance» la dividida por caracteres (acc_norm).
GT_CHOICES, GT_LOGPROBS = ["chance", "brete", "laburo", "pega"], [-22.05, -24.97, -26.66, -15.56]
CATEGORIES = {"expresiones": 3, "gramatica": 3, "lexico": 3, "prestamos": 3}
N = 1.54e9
Y = torch.tensor([0.4, -1.6, 0.05, 0.8])
FOOTPRINTS = {"nf4": 104.7, "bf16": 256.6}
UNIFORM = torch.rand(64, 64, generator=torch.Generator().manual_seed(0)) * 2 - 1


def _uniform_errors() -> dict[str, float]:
    from latamlab.quant.by_hand import reconstruction_mse

    return {m: reconstruction_mse(UNIFORM, m, 64) for m in ("int4", "fp4", "nf4")}

@functools.lru_cache(maxsize=None)
def _smol_tokenizer():
    from latamlab.models.load import load_tokenizer

    return load_tokenizer("smollm2-135m-instruct")


def _finance_record() -> dict:
    from latamlab.data.loaders import load_finance

    return load_finance()["train"][0]


def _answer_tokens(record: dict) -> int:
    """Tokens de la respuesta sola, sin especiales (el alumno los cuenta así)."""
    from latamlab.data.tokenization import encode

    return len(encode(_smol_tokenizer(), [record["respuesta"]])[0])


@functools.lru_cache(maxsize=None)
def _tiny_step():
    """El libro exacto y la estimación de un paso LoRA de diminuto-llama, 1 × 32 tokens, sin checkpointing."""
    from latamlab.memory.configs import model_config
    from latamlab.memory.validate import compare_step

    return compare_step("diminuto-llama", model_config("diminuto-llama"), "lora", False, batch_size=1, max_length=32)


def _full_optimizer_gib() -> float:
    from latamlab.memory.estimate import estimate_memory

    return estimate_memory("qwen2.5-1.5b-instruct", "full", compute_dtype="fp16").optimizer / GIB


def _gpus_70b() -> int:
    from latamlab.memory.gpus import gpus_needed

    return gpus_needed("latamgpt-70b", "a100-40", "lora", "zero3", 1, 1024)


def _estimate_tiny(max_length: int):
    from latamlab.memory.estimate import estimate_memory

    return estimate_memory("diminuto-llama", "lora", 1, max_length, False, compute_dtype="fp32", lora_r=8,
                           lora_dropout=0.0, adapter_dtype="fp32", device="cpu")


#: Textos del 🦁 del cuaderno 06 (poda por bloque), con el modelo diminuto para que la prueba sea rápida.
PRUNE_TEXTS = ("El ahorro de emergencia cubre seis meses de gastos.", "En Lima se dice «chamba» al trabajo.")


@functools.lru_cache(maxsize=None)
def _block_perplexities() -> dict[str, float]:
    from latamlab.deploy.prune import prune_magnitude
    from latamlab.evaluation.perplexity import perplexity_report
    from latamlab.models.load import load_model

    found = {}
    for block in ("mlp", "self_attn"):
        model, tok = load_model("diminuto-llama", precision="fp32")
        prune_magnitude(model.eval(), 0.5, only=block)
        found[block] = perplexity_report(model, tok, list(PRUNE_TEXTS)).perplexity
    return found


def _pruned_by_hand(signed: bool) -> torch.Tensor:
    """`LAYER` con la mitad de sus pesos en cero: los de menor valor absoluto, o (error típico) los más negativos."""
    score = LAYER if signed else LAYER.abs()
    return torch.where(score > score.flatten().kthvalue(LAYER.numel() // 2).values, LAYER, torch.zeros(()))


LAYER = torch.randn(16, 32, generator=torch.Generator().manual_seed(0))


def _corpus(explanations: int, sentences: int) -> dict:
    return {"train": [{"fuente": "explicacion"}] * explanations + [{"fuente": "oracion"}] * sentences}


def _acc_rows(values) -> list[dict]:
    return [{"id": f"q{i}", "acc": float(v)} for i, v in enumerate(values)]


def _paired(before, after, sign: int = 1):
    from latamlab.evaluation.bootstrap import bootstrap_ci

    return bootstrap_ci([sign * (a - b) for a, b in zip(after, before)])


def _change(n: int, low: float, high: float):
    return SimpleNamespace(change=SimpleNamespace(n=n, low=low, high=high))


BEFORE, AFTER = [0, 1, 0, 0, 1, 0], [1, 1, 0, 1, 1, 1]
N_CO = 35  # preguntas de Colombia en el banco


PHRASE = "Mañana pago la cuota del crédito en la cooperativa de ahorro."

# nombre → (argumentos de la respuesta correcta, argumentos de una respuesta incorrecta típica)
CASES = {
    "nb00.check_weights": (
        lambda: (weights_bytes(N, "bf16") / GIB, weights_bytes(N, "nf4", QWEN25_15B_UNQUANTIZED, 16) / GIB),
        lambda: (weights_bytes(N, "bf16") / GIB, weights_bytes(N, "nf4") / GIB),  # olvida las incrustaciones
    ),
    "nb00.check_4bit_layers": (
        lambda: (_model_with_two_4bit_layers(), 2),
        lambda: (_model_with_two_4bit_layers(), 3),  # cuenta también la nn.Linear
    ),
    "nb00.check_int8_experiment": (
        lambda: _int8_answer(pick_worse=True),
        lambda: _int8_answer(pick_worse=False),  # elige el que pierde menos
    ),
    "nb01.check_bits": (
        lambda: (4 + 8 / 128 + 32 / (256 * 128), 128),
        lambda: (4 + 8 / 64 + 32 / (256 * 64), 128),  # la cuenta de bloques de 64
    ),
    "nb01.check_absmax_int8": (
        lambda: (torch.tensor([32, -127, 4, 64], dtype=torch.int8), Y),
        lambda: ((Y * 127 / Y.abs().max()).to(torch.int8), Y),  # trunca en vez de redondear: [31, -127, 3, 63]
    ),
    "nb01.check_best_format": (
        lambda: ("int4", _uniform_errors(), UNIFORM),
        lambda: ("nf4", _uniform_errors(), UNIFORM),  # en pesos uniformes gana int4, no nf4
    ),
    "nb01.check_ratio": (
        lambda: (FOOTPRINTS["nf4"] / FOOTPRINTS["bf16"], FOOTPRINTS),
        lambda: (FOOTPRINTS["bf16"] / FOOTPRINTS["nf4"], FOOTPRINTS),  # la división al revés
    ),
    "nb02.check_fertility": (
        lambda: (len(_smol_tokenizer()(PHRASE, add_special_tokens=False)["input_ids"]) / len(PHRASE.split()),
                 _smol_tokenizer(), PHRASE),
        # la división al revés: palabras por token
        lambda: (len(PHRASE.split()) / len(_smol_tokenizer()(PHRASE)["input_ids"]), _smol_tokenizer(), PHRASE),
    ),
    "nb02.check_loss_tokens": (
        lambda: (_answer_tokens(_finance_record()) + 1, _smol_tokenizer(), _finance_record()),
        lambda: (_answer_tokens(_finance_record()), _smol_tokenizer(), _finance_record()),  # sin el fin de turno
    ),
    "nb02.check_smallest_vocab": (
        lambda: (2000, _smol_tokenizer()),
        lambda: (8000, _smol_tokenizer()),  # el del cuaderno, que no es el más chico
    ),
    "nb03.check_lora_params": (
        lambda: (16 * (576 + 576), 576, 576, 16),
        lambda: (16 * 576, 576, 576, 16),  # cuenta solo A
    ),
    "nb03.check_delta_weight": (
        lambda: (_lora_layer().delta_weight(), _lora_layer()),
        lambda: (_lora_layer().lora_B.weight @ _lora_layer().lora_A.weight, _lora_layer()),  # sin alpha / r
    ),
    "nb03.check_fixed_alpha": (
        lambda: _fixed_alpha_answer(lambda r: 16),
        lambda: _fixed_alpha_answer(lambda r: 2 * r),  # copia el alpha = 2·r del barrido
    ),
    "nb04.check_adapter_mib": (
        lambda: (3.0, _adapter_dir(3 * 2**20)),
        lambda: (3 * 2**20 / 1e6, _adapter_dir(3 * 2**20)),  # MB en vez de MiB
    ),
    "nb04.check_t4_recipe": (
        lambda: (_recipe(torch.float16),),
        lambda: (_recipe(torch.bfloat16),),  # bf16, que la T4 no tiene
    ),
    "nb04.check_transfer": (
        lambda: (SimpleNamespace(start_eval_loss=3.458, eval_loss=3.21, global_step=8), 3.458, 8),
        lambda: (SimpleNamespace(start_eval_loss=3.994, eval_loss=3.29, global_step=8), 3.458, 8),  # desde cero
    ),
    "nb07.check_optimizer_gib": (
        lambda: (_full_optimizer_gib(),),
        lambda: (_full_optimizer_gib() / 2,),  # un solo estado de AdamW
    ),
    "nb07.check_lora_saving": (
        lambda: (100 / 3, False),
        lambda: (25.0, False),  # la cuenta con recálculo de activaciones
    ),
    "nb07.check_gpus_70b": (
        lambda: (_gpus_70b(),),
        lambda: (_gpus_70b() - 1,),  # reparte también activaciones y logits
    ),
    "nb07.check_prediction": (
        lambda: (_tiny_step().measured, _estimate_tiny(32), "diminuto-llama", 32),
        lambda: (_tiny_step().measured, _estimate_tiny(64), "diminuto-llama", 32),  # estima otra longitud
    ),
    "nb05.check_bits_per_byte": (
        lambda: (1000 / (1200 * math.log(2)), _perplexity_report()),
        lambda: (1000 / (300 * math.log(2)), _perplexity_report()),  # bits por token
    ),
    "nb05.check_acc_norm_pick": (
        lambda: (0, GT_LOGPROBS, GT_CHOICES),
        lambda: (3, GT_LOGPROBS, GT_CHOICES),  # la de acc
    ),
    "nb05.check_category_breakdown": (
        lambda: (_category_summaries(CATEGORIES), 3),
        lambda: (_category_summaries({"lexico": 12}), 3),  # las 12 primeras: todas de léxico
    ),
    "nb06.check_q8_0_bits": (
        lambda: (8 + 16 / 32,),
        lambda: (8.0,),  # sin la escala de cada bloque
    ),
    "nb06.check_pruned_layer": (
        lambda: (_pruned_by_hand(signed=False), LAYER, 0.5),
        lambda: (_pruned_by_hand(signed=True), LAYER, 0.5),  # los más negativos, no los más pequeños en magnitud
    ),
    "nb06.check_block_pruning": (
        lambda: (_block_perplexities(), "diminuto-llama", PRUNE_TEXTS),
        lambda: ({"mlp": _block_perplexities()["self_attn"], "self_attn": _block_perplexities()["mlp"]},
                 "diminuto-llama", PRUNE_TEXTS),  # al revés
    ),
    "nb08.check_explanation_share": (
        lambda: (35 / 845, _corpus(35, 810)),
        lambda: (100 * 35 / 845, _corpus(35, 810)),  # un porcentaje en vez de una fracción
    ),
    "nb08.check_paired_interval": (
        lambda: (_paired(BEFORE, AFTER), _acc_rows(BEFORE), _acc_rows(AFTER)),
        lambda: (_paired(BEFORE, AFTER, -1), _acc_rows(BEFORE), _acc_rows(AFTER)),  # base − adaptador
    ),
    "nb08.check_second_country": (
        lambda: (_change(N_CO, -0.09, 0.14), "sin cambio claro", "CO"),
        lambda: (_change(N_CO, -0.09, 0.14), "mejoró", "CO"),  # la media sube, pero el 0 está en el intervalo
    ),
}
CHECKERS = _discover()


def test_every_checker_has_a_case():
    assert len(CHECKERS) >= 6
    assert set(CHECKERS) == set(CASES), "agrega a CASES la respuesta correcta e incorrecta de cada autocomprobación"


@pytest.mark.parametrize("name", sorted(CHECKERS))
def test_checker_accepts_right_and_rejects_wrong_with_a_spanish_hint(name, capsys):
    check = CHECKERS[name]
    right, wrong = CASES[name]
    assert check(*right()) is True
    assert capsys.readouterr().out == "✅ ¡Correcto!\n"
    assert check(*wrong()) is False
    out = capsys.readouterr().out
    assert out.startswith("❌ Todavía no. Pista: ") and out.endswith("\n") and out.count("\n") == 1
    hint = out.removeprefix("❌ Todavía no. Pista: ")
    words = set(hint.lower().replace(",", " ").replace(";", " ").split())
    assert len(words) >= 5, f"pista demasiado corta en {name}: {hint!r}"
    assert words & {"de", "la", "el", "en", "y", "las", "los", "por", "entre", "cuenta"}, f"¿pista en español? {hint!r}"
    assert not words & {"the", "and", "of", "count", "by"}, f"pista en inglés en {name}: {hint!r}"
