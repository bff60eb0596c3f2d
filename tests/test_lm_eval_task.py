"""Tareas de lm-evaluation-harness de variantes: configuración, enunciados y una corrida real en CPU."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from latamlab.data.loaders import format_variant_prompt
from latamlab.data.jsonl import write_jsonl

REPO = Path(__file__).resolve().parents[1]
TASK_DIR = REPO / "data" / "variantes" / "lm_eval"


def item(n: int, correct: str, respuesta: int, pais: str = "AR") -> dict:
    options = [f"distractor {n}-{k}" for k in range(3)]
    options.insert(respuesta, correct)
    return {"id": f"var-{pais.lower()}-{n:03d}", "pais": pais, "categoria": "gramatica",
            "pregunta": f"Pregunta {n}: ¿qué forma usa alguien que vosea?", "opciones": options,
            "respuesta": respuesta, "respuestas_aceptadas": [correct], "explicacion": "Voseo.", "fuente": "Prueba"}


@pytest.fixture
def tasks(tmp_path):
    """Las dos tareas, cargadas por lm-eval desde una copia de la carpeta con datos de prueba."""
    from lm_eval.tasks import TaskManager

    folder = tmp_path / "datos" / "variantes"
    shutil.copytree(TASK_DIR, folder / "lm_eval", ignore=shutil.ignore_patterns("__pycache__"))
    write_jsonl(folder / "variantes.jsonl", [item(1, "sabés", 2), item(2, "tenés", 0), item(3, "vení", 3)])
    manager = TaskManager(include_path=str(folder / "lm_eval"), include_defaults=False)
    return manager.load(["variantes_latam_mc", "variantes_latam_gen"])["tasks"]


def test_both_tasks_are_registered_and_read_the_data_next_to_them(tasks):
    assert set(tasks) == {"variantes_latam_mc", "variantes_latam_gen"}
    docs = tasks["variantes_latam_mc"].test_docs()
    assert [d["id"] for d in docs] == ["var-ar-001", "var-ar-002", "var-ar-003"]


def test_multiple_choice_uses_the_shared_prompt(tasks):
    task = tasks["variantes_latam_mc"]
    doc = task.test_docs()[0]
    assert task.doc_to_text(doc) == format_variant_prompt(doc)
    assert task.doc_to_choice(doc) == ["A", "B", "C", "D"]
    assert task.doc_to_target(doc) == 2


def test_generation_prompt_and_accepted_answers(tasks):
    task = tasks["variantes_latam_gen"]
    doc = task.test_docs()[0]
    assert task.doc_to_text(doc) == format_variant_prompt(doc, options=False)
    assert task.doc_to_target(doc) == "sabés"
    assert task.process_results(doc, [" ¡Sabés!\notra línea"]) == {"exact_match": 1.0, "contains": 1.0}
    assert task.process_results(doc, ["Se dice sabés."]) == {"exact_match": 0.0, "contains": 1.0}
    assert task.process_results(doc, ["sabes"]) == {"exact_match": 0.0, "contains": 0.0}  # la tilde cuenta


LIMIT = 8  # preguntas por tarea: pocas, para que la corrida del comando quepa en unos 20 s


@pytest.fixture(scope="module")
def cli_run(tiny_dir, tmp_path_factory):
    """Una sola corrida del comando ``lm_eval`` con las dos tareas en el modelo diminuto (para todas las pruebas)."""
    from latamlab.data.loaders import load_variants
    from latamlab.data.subsets import stratified_positions
    from latamlab.evaluation.harness import run_lm_eval_command

    tasks = ["variantes_latam_mc", "variantes_latam_gen"]
    # las mismas posiciones que `evaluate(limit=LIMIT)`: repartidas por país, no las primeras del banco
    samples = stratified_positions(list(load_variants()), LIMIT)
    stdout, results, logged = run_lm_eval_command(tiny_dir, tasks, tmp_path_factory.mktemp("lm_eval"), samples=samples)
    assert all(logged[t] for t in tasks), stdout
    return stdout, results, logged


def _printed(stdout: str, task: str, metric: str) -> float:
    """Lee el valor de la tabla que imprime lm_eval: |tarea|versión|filtro|n-shot|métrica|↑|valor|±|error|."""
    current = None
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 7:
            current = cells[1] or current
            if metric in cells and current == task:
                value = cells[cells.index(metric) + 2]
                if re.fullmatch(r"[0-9.]+", value):
                    return float(value)
    raise AssertionError(f"lm_eval no imprimió `{metric}` de {task}:\n{stdout}")


def _as_doc(sample: dict) -> dict:
    """El ítem tal como quedó en el registro (la CLI escribe los campos anidados como texto)."""
    doc = sample["doc"]
    return ast.literal_eval(doc) if isinstance(doc, str) else doc


@pytest.mark.slow
def test_multiple_choice_accuracy_equals_the_one_recomputed_from_logged_samples(cli_run, capsys):
    stdout, results, logged = cli_run
    samples = logged["variantes_latam_mc"]
    accuracy = _printed(stdout, "variantes_latam_mc", "acc")
    with capsys.disabled():  # la exactitud queda a la vista en la salida de `make test`
        print(f"\nvariantes_latam_mc con diminuto-llama ({LIMIT} ítems): acc = {accuracy}")
    assert results["n-samples"]["variantes_latam_mc"]["effective"] == len(samples) == LIMIT
    hits = []
    for sample in samples:
        doc = _as_doc(sample)
        loglik = [float(choice[0]) for choice in _literal(sample["filtered_resps"])]
        assert len(loglik) == 4 and int(sample["target"]) == doc["respuesta"]
        hits.append(max(range(4), key=loglik.__getitem__) == doc["respuesta"])  # gana la opción más probable
    recomputed = sum(hits) / len(hits)
    assert results["results"]["variantes_latam_mc"]["acc,none"] == pytest.approx(recomputed, abs=1e-9)
    assert accuracy == pytest.approx(recomputed, abs=5e-5)  # la tabla impresa redondea a 4 decimales
    assert len({_as_doc(s)["id"] for s in samples}) == LIMIT


def _literal(value):
    return ast.literal_eval(value) if isinstance(value, str) else value


@pytest.mark.slow
def test_generation_metrics_equal_the_mean_of_logged_samples(cli_run):
    import importlib.util

    stdout, results, logged = cli_run
    samples = logged["variantes_latam_gen"]
    assert results["n-samples"]["variantes_latam_gen"]["effective"] == len(samples) == LIMIT
    spec = importlib.util.spec_from_file_location("variantes_utils", TASK_DIR / "utils.py")
    utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(utils)
    for metric in ("exact_match", "contains"):
        per_sample = []
        for sample in samples:
            response = _literal(sample["filtered_resps"])
            response = response[0] if isinstance(response, list) else response
            value = utils.gen_results(_as_doc(sample), [response])[metric]
            assert float(sample[metric]) == value
            per_sample.append(value)
        mean = sum(per_sample) / len(per_sample)
        assert results["results"]["variantes_latam_gen"][f"{metric},none"] == pytest.approx(mean, abs=1e-9)
    assert _printed(stdout, "variantes_latam_gen", "exact_match") == pytest.approx(
        results["results"]["variantes_latam_gen"]["exact_match,none"], abs=5e-5)


@pytest.mark.slow
def test_latamlab_evaluar_variants_equals_the_lm_eval_command(cli_run, tiny_dir):
    """Lo que pide el issue 10: ``latamlab evaluar --task variants`` da la acc y acc_norm del comando ``lm_eval``."""
    from latamlab.evaluation.command import evaluate
    from latamlab.evaluation.harness import item_rows

    _, results, logged = cli_run
    ours = evaluate(model=str(tiny_dir), task="variants", limit=LIMIT, precision="fp32")["variants"]
    for metric in ("acc", "acc_norm"):
        assert ours["lm_eval"][metric] == pytest.approx(results["results"]["variantes_latam_mc"][f"{metric},none"],
                                                        abs=1e-6)
        overall = next(m for m in ours["metrics"] if m["metric"] == metric)
        assert overall["mean"] == pytest.approx(ours["lm_eval"][metric], abs=1e-12)
    theirs = item_rows(logged["variantes_latam_mc"])
    assert [r["id"] for r in ours["items"]] == [r["id"] for r in theirs]
    for mine, cli in zip(ours["items"], theirs):
        assert mine["loglik"] == pytest.approx(cli["loglik"], abs=1e-4)
