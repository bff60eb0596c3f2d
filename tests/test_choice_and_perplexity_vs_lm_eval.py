"""La opción múltiple a mano y la perplejidad del paquete, fijadas a lm-eval (issue 10).

- `choice`: las log-verosimilitudes por opción de cada pregunta son las que lm-eval registra (a 1e-4), y acc /
  acc_norm salen de ellas como en `ConfigurableTask.process_results` (acc_norm divide por caracteres).
- `perplexity`: la pérdida de cada texto es la ``loglikelihood_rolling`` de `HFLM` (a 1e-4), y la perplejidad y
  los bits por byte salen de ella como las métricas ``word_perplexity`` / ``bits_per_byte`` de lm-eval.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
import torch

from latamlab.evaluation.choice import choice_logprobs, pick_choice, score_variant_items, variant_context
from latamlab.evaluation.harness import MC_TASK, item_rows, run_harness, tasks_dir
from latamlab.evaluation.perplexity import perplexity, perplexity_report, text_nll

TEXTS = ["El ahorro es la parte del ingreso que no se gasta.", "¿Cuánto cuesta el pasaje en Lima?",
         "Mañana lloverá en Bogotá y en Quito.", "Hola."]
N_ITEMS = 3
#: Tarea con las palabras como opciones (largos distintos): ahí acc y acc_norm pueden diferir.
WORDS_TASK = """task: variantes_palabras
custom_dataset: !function utils.variants_dataset
test_split: test
output_type: multiple_choice
doc_to_text: !function utils.gen_prompt
doc_to_choice: "{{opciones}}"
doc_to_target: respuesta
metric_list:
  - metric: acc
  - metric: acc_norm
"""


@pytest.fixture(scope="module")
def smol(smol_dir):
    from latamlab.models.load import load_model

    return load_model(str(smol_dir), precision="fp32")


@pytest.fixture(scope="module")
def words_task_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("datos") / "variantes" / "lm_eval"  # utils.py lee ../variantes.jsonl
    shutil.copytree(tasks_dir(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(tasks_dir().parent / "variantes.jsonl", folder.parent / "variantes.jsonl")
    (folder / "variantes_palabras.yaml").write_text(WORDS_TASK, encoding="utf-8")
    return folder


def test_hand_multiple_choice_equals_lm_eval_per_item(tiny):
    from latamlab.data.loaders import load_variants

    model, tokenizer = tiny
    logged = run_harness(model, tokenizer, [MC_TASK], limit=N_ITEMS)["samples"][MC_TASK]
    theirs = item_rows(logged)
    items = list(load_variants().select(range(N_ITEMS)))
    ours = score_variant_items(model, tokenizer, items)
    for sample, item, mine, cli in zip(sorted(logged, key=lambda s: s["doc_id"]), items, ours, theirs):
        assert sample["arguments"][0][0] == variant_context(item)  # el mismo enunciado, descripción incluida
        assert mine["loglik"] == pytest.approx(cli["loglik"], abs=1e-4)
        assert (mine["acc"], mine["acc_norm"]) == (cli["acc"], cli["acc_norm"])


def test_acc_norm_divides_by_characters_like_lm_eval(tiny, words_task_dir):
    model, tokenizer = tiny
    task = "variantes_palabras"
    logged = run_harness(model, tokenizer, [task], limit=N_ITEMS, include_path=words_task_dir)["samples"][task]
    for sample in logged:
        context, choices = sample["arguments"][0][0], [arg[1][1:] for arg in sample["arguments"]]
        lls = choice_logprobs(model, tokenizer, context, choices)
        assert lls == pytest.approx([float(r[0]) for r in sample["filtered_resps"]], abs=1e-4)
        pred, pred_norm = pick_choice(lls, choices)
        gold = sample["doc"]["respuesta"]
        assert (float(pred == gold), float(pred_norm == gold)) == (sample["acc"], sample["acc_norm"])


def test_pick_choice_normalizes_by_characters_as_lm_eval_process_results(words_task_dir):
    """Sin modelo: las mismas log-verosimilitudes, elegidas por `pick_choice` y por lm-eval."""
    import lm_eval.tasks

    manager = lm_eval.tasks.TaskManager(include_path=str(words_task_dir), include_defaults=False)
    task = manager.load(["variantes_palabras"])["tasks"]["variantes_palabras"]
    doc = dict(task.test_docs()[0])
    choices = task.doc_to_choice(doc)
    lengths = [len(c) for c in choices]
    long, short = lengths.index(max(lengths)), lengths.index(min(lengths))
    assert long != short
    lls = [-30.0 * max(lengths)] * len(choices)
    # La corta gana por total (-s > -(L+s)/2) y la larga por carácter (-(L+s)/(2L) > -1).
    lls[short], lls[long] = -float(min(lengths)), -(max(lengths) + min(lengths)) / 2
    for gold in range(len(choices)):
        doc["respuesta"] = gold
        expected = task.process_results(doc, [(ll, False) for ll in lls])
        pred, pred_norm = pick_choice(lls, choices)
        assert (float(pred == gold), float(pred_norm == gold)) == (expected["acc"], expected["acc_norm"])
    assert pick_choice(lls, choices) == (short, long)


@pytest.fixture(scope="module")
def tiny(tiny_dir):
    from latamlab.models.load import load_model

    return load_model(str(tiny_dir), precision="fp32")


def _rolling(model, tokenizer, texts):
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    lm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=4)
    requests = [Instance(request_type="loglikelihood_rolling", doc={}, arguments=(t,), idx=0) for t in texts]
    return lm, lm.loglikelihood_rolling(requests, disable_tqdm=True)


@pytest.mark.parametrize("name", ["tiny", pytest.param("smol", marks=pytest.mark.slow)])
def test_package_perplexity_equals_lm_eval_rolling_loglikelihood(name, request):
    model, tokenizer = request.getfixturevalue(name)
    lm, loglik = _rolling(model, tokenizer, TEXTS)
    nll, tokens = text_nll(model, tokenizer, TEXTS, first_token=True, batch_size=3)
    assert nll == pytest.approx([-ll for ll in loglik], abs=1e-4)
    assert tokens == [len(lm.tok_encode(t)) for t in TEXTS]
    expected = math.exp(-sum(loglik) / sum(tokens))
    assert perplexity(model, tokenizer, TEXTS, first_token=True) == pytest.approx(expected, rel=1e-5)
    report = perplexity_report(model, tokenizer, TEXTS)
    n_bytes = sum(len(t.encode("utf-8")) for t in TEXTS)
    assert report.perplexity == pytest.approx(expected, rel=1e-5)
    assert report.bits_per_byte == pytest.approx(-sum(loglik) / n_bytes / math.log(2), rel=1e-5)
    # Sin el primer token (como en el cuaderno 01) se predice uno menos por texto.
    assert text_nll(model, tokenizer, TEXTS)[1] == [t - 1 for t in tokens]


@pytest.mark.slow
def test_perplexity_intervals_contain_the_value_and_bits_compare_across_tokenizers(tiny, smol):
    reports = {name: perplexity_report(*pair, TEXTS) for name, pair in {"tiny": tiny, "smol": smol}.items()}
    for report in reports.values():
        for name, (value, low, high) in report.intervals(n_resamples=200).items():
            assert low <= value <= high and value == pytest.approx(getattr(report, name), rel=1e-9)
        assert report.bytes == sum(len(t.encode("utf-8")) for t in TEXTS)
    # Los dos tokenizadores parten distinto los mismos textos: los bytes son los mismos, los tokens no.
    assert reports["tiny"].tokens != reports["smol"].tokens
    assert reports["tiny"].bytes == reports["smol"].bytes
    assert torch.isfinite(torch.tensor([r.bits_per_byte for r in reports.values()])).all()


def test_harness_runs_a_4bit_model_in_memory_with_the_cpu_guard(tiny_dir):
    import bitsandbytes as bnb

    from latamlab.models.load import load_model

    model, tokenizer = load_model(str(tiny_dir), precision="nf4")
    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    for layer in layers:
        layer.support_avx512bf16_for_cpu = True  # como si nadie hubiera aplicado la guarda
    rows = item_rows(run_harness(model, tokenizer, [MC_TASK], limit=2)["samples"][MC_TASK])
    assert layers and not any(layer.support_avx512bf16_for_cpu for layer in layers)
    assert len(rows) == 2 and all(len(r["loglik"]) == 4 and all(math.isfinite(x) for x in r["loglik"]) for r in rows)


def test_item_rows_reads_generation_logs_and_the_command_line_text_form():
    api = {"doc_id": 1, "doc": {"id": "var-ar-002", "pais": "AR", "categoria": "lexico"},
           "filtered_resps": ["¿qué (tal)?"], "exact_match": 0.0, "contains": 1.0}
    cli = {**api, "doc_id": "0", "doc": str({**api["doc"], "id": "var-ar-001"}), "filtered_resps": "['(1, 2']"}
    rows = item_rows([api, cli], metrics=("exact_match", "contains"))
    assert [r["id"] for r in rows] == ["var-ar-001", "var-ar-002"]
    assert all("loglik" not in r and r["contains"] == 1.0 for r in rows)


def test_stratified_indices_take_per_group_items_at_random_within_each_group():
    from latamlab.errors import ConfigError
    from latamlab.evaluation.harness import stratified_indices

    items = [{"pais": p, "n": i} for i, p in enumerate("AAAAABBBC")]
    picks = stratified_indices(items, "pais", per_group=2, seed=0)
    assert picks == sorted(picks) and len(set(picks)) == 5
    assert [items[i]["pais"] for i in picks].count("A") == 2 and [items[i]["pais"] for i in picks].count("C") == 1
    assert picks == stratified_indices(items, "pais", per_group=2, seed=0)
    assert {tuple(stratified_indices(items, "pais", 2, seed=s)) for s in range(6)} != {tuple(picks)}  # sorteadas
    with pytest.raises(ConfigError, match="Quisiste decir `pais`"):
        stratified_indices(items, "pai", 2)
    with pytest.raises(ConfigError, match="per_group"):
        stratified_indices(items, "pais", 0)


def test_harness_and_command_take_chosen_samples_instead_of_limit(tiny, tmp_path):
    from latamlab.data.loaders import load_variants
    from latamlab.errors import ConfigError
    from latamlab.evaluation.harness import lm_eval_command, stratified_indices

    items = list(load_variants())
    chosen = stratified_indices(items, "pais", per_group=1)
    rows = item_rows(run_harness(*tiny, [MC_TASK], samples=chosen)["samples"][MC_TASK])
    assert [r["id"] for r in rows] == [items[i]["id"] for i in chosen]
    assert len({r["pais"] for r in rows}) == len({it["pais"] for it in items}) == len(rows)
    command = lm_eval_command("carpeta", [MC_TASK], tmp_path, samples=chosen[:2])
    assert command[command.index("--samples") + 1] == f'{{"{MC_TASK}": [{chosen[0]}, {chosen[1]}]}}'
    assert "--limit" not in command
    with pytest.raises(ConfigError, match="no los dos"):
        run_harness(*tiny, [MC_TASK], limit=2, samples=chosen)


def test_reading_the_shared_start_once_changes_no_score(tiny):
    """`choice_logprobs` lee una vez el comienzo común (letras: una pasada; textos: caché + lote) y da lo mismo que
    una pasada por opción, también con un adaptador LoRA de peft y opciones que comparten sus primeras palabras."""
    from peft import LoraConfig, get_peft_model

    from latamlab.evaluation.choice import continuation_logprob

    model, tokenizer = tiny
    context = "Pregunta: ¿Qué entidad supervisa los bancos en Colombia?\nRespuesta:"
    options = (["A", "B", "C", "D"], ["la Superintendencia Financiera", "la Superintendencia de Industria",
                                      "el Banco de la República", "la DIAN"],
               ["la Superintendencia Financiera", "la Superintendencia de Industria y Comercio"])  # comparten 2 palabras

    def check(m) -> None:
        for choices in options:
            one_by_one = [continuation_logprob(m, tokenizer, context, " " + c)[0] for c in choices]
            assert choice_logprobs(m, tokenizer, context, choices) == pytest.approx(one_by_one, abs=1e-4)

    check(model)
    torch.manual_seed(0)
    wrapped = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    try:
        check(wrapped)
    finally:
        wrapped.unload()  # el modelo del módulo vuelve a ser la base
