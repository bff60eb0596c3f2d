"""``latamlab evaluar``: una corrida real en el modelo diminuto y un error de una línea por cada entrada mala."""

from __future__ import annotations

import json
import shutil

import pytest

from latamlab.cli import main
from latamlab.errors import ConfigError, LatamlabError
from latamlab.evaluation.command import EvaluateConfig, evaluate, format_report
from latamlab.evaluation.finance import best_scores, load_finance_split

REPO_DATA = __import__("pathlib").Path(__file__).resolve().parents[1] / "data"


def _one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text and text.strip() == text
    return text


@pytest.fixture(scope="module")
def adapter(tiny_dir, tmp_path_factory):
    """Un adaptador LoRA (no nulo) guardado sobre el modelo diminuto, como lo deja el entrenamiento."""
    from peft import LoraConfig, get_peft_model

    from latamlab.models.load import load_model
    from latamlab.train.compat import peft_wrapping

    model, _ = load_model(str(tiny_dir), precision="fp32")
    with peft_wrapping():
        peft_model = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj", "v_proj"],
                                                      init_lora_weights=False))
    folder = tmp_path_factory.mktemp("adaptador")
    peft_model.save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_cli_prints_a_spanish_table_and_writes_every_figure_with_its_interval(tiny_dir, tmp_path, capsys):
    output = tmp_path / "evaluacion.json"
    code = main(["evaluar", "--model", str(tiny_dir), "--limit", "3", "--max_new_tokens", "4",
                 "--output", str(output)])
    printed = capsys.readouterr().out
    assert code == 0
    report = json.loads(output.read_text(encoding="utf-8"))
    assert set(report) >= {"perplexity", "finance", "variants"}
    figures = [m for task in ("perplexity", "finance", "variants")
               for key in ("metrics", "by_country", "by_category") for m in report[task].get(key, [])]
    assert {m["metric"] for m in figures} == {"perplexity", "bits_per_byte", "exact_match", "token_f1", "rouge_l",
                                              "chrf", "acc", "acc_norm"}
    for m in figures:
        assert m["low"] <= m["mean"] <= m["high"] and m["n"] >= 1 and m["confidence"] == 0.95
    assert {m.get("group") for m in report["finance"]["metrics"]} >= {None} and len(report["finance"]["items"]) == 3
    assert set(r["vistos"] for r in report["finance"]["items"]) <= {"vistos", "no vistos"}
    assert printed.startswith("tarea") and "Perplejidad" in printed and "Bits por byte" in printed
    bpb = next(m for m in report["perplexity"]["metrics"] if m["metric"] == "bits_per_byte")
    assert f"{bpb['mean']:.3f}".replace(".", ",") in printed  # coma decimal, vía fmt_number
    assert format_report(report) in printed


@pytest.mark.slow
def test_peft_adapter_is_evaluated_and_changes_the_loglikelihoods(tiny_dir, adapter):
    base = evaluate(model=str(tiny_dir), task="variants", limit=2)["variants"]["items"]
    tuned = evaluate(model=str(tiny_dir), adapter=adapter, task="variants", limit=2)["variants"]["items"]
    assert [r["id"] for r in base] == [r["id"] for r in tuned]
    assert base[0]["loglik"] != pytest.approx(tuned[0]["loglik"], abs=1e-4)


def test_adapter_for_another_base_model_is_one_spanish_line(adapter):
    with pytest.raises(ConfigError) as err:
        evaluate(model="diminuto-qwen2", adapter=adapter, task="variants", limit=1)
    assert "se entrenó sobre" in _one_line(err) and "--model diminuto-llama" in str(err.value)


def test_folder_without_adapter_config_is_one_spanish_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        evaluate(model="diminuto-llama", adapter=tmp_path, task="variants", limit=1)
    assert "adapter_config.json" in _one_line(err)


def test_model_without_chat_template_cannot_run_finance(tiny_dir, tmp_path):
    folder = tmp_path / "sin_plantilla"
    shutil.copytree(tiny_dir, folder)
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    config_file = folder / "tokenizer_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config.pop("chat_template", None)
    config_file.write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        evaluate(model=str(folder), task="finance", limit=1)
    assert "plantilla de chat" in _one_line(err)


def test_unknown_split_and_task_suggest_the_closest(capsys):
    with pytest.raises(ConfigError) as err:
        EvaluateConfig(split="referncia")
    assert "¿Quisiste decir `referencia`?" in _one_line(err)
    assert main(["evaluar", "--task", "variantz"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "¿Quisiste decir `variants`?" in lines[0]


def test_spanish_task_names_from_the_readme_are_aliases():
    aliases = {"perplejidad": "perplexity", "finanzas": "finance", "variantes": "variants", "todas": "all"}
    assert {word: EvaluateConfig(task=word).task for word in aliases} == aliases


def test_missing_split_file_is_one_line_naming_the_file(tmp_path, monkeypatch):
    shutil.copytree(REPO_DATA / "finanzas", tmp_path / "finanzas")
    (tmp_path / "finanzas" / "test.jsonl").unlink()
    monkeypatch.setenv("LATAMLAB_DATOS", str(tmp_path))
    with pytest.raises(LatamlabError) as err:
        evaluate(model="diminuto-llama", task="finance", split="test", limit=1)
    assert "test.jsonl" in _one_line(err) and "no existe" in str(err.value)


def test_empty_evaluation_sets_are_one_spanish_line(tmp_path, monkeypatch):
    with pytest.raises(ConfigError) as err:
        EvaluateConfig(limit=0)
    assert "vacío" in _one_line(err)
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "test.jsonl").write_text("", encoding="utf-8")
    shutil.copy(REPO_DATA / "corpus" / "train.jsonl", tmp_path / "corpus" / "train.jsonl")
    monkeypatch.setenv("LATAMLAB_DATOS", str(tmp_path))
    with pytest.raises(LatamlabError) as err:
        evaluate(model="diminuto-llama", task="perplexity")
    assert "vacío" in _one_line(err)


def test_reference_answers_count_every_accepted_form():
    items = load_finance_split("referencia")
    item = next(i for i in items if len(i["respuestas"]) > 1)
    other = item["respuestas"][1]
    scores = best_scores([other, "nada que ver"], [item["respuestas"], item["respuestas"]])
    assert scores["exact_match"] == [1.0, 0.0] and scores["token_f1"][0] == 1.0
    assert {i["seen_in_train"] for i in items} == {True, False}  # hay hechos vistos y no vistos
    with pytest.raises(ConfigError):
        best_scores(["a"], [[]])
