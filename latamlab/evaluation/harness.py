"""lm-evaluation-harness como motor del banco de variantes, con el modelo ya en memoria (cuaderno 05).

`run_harness` envuelve un modelo cargado (fp32, bf16, 4 bits o con adaptador de peft) en
`lm_eval.models.huggingface.HFLM` y corre las tareas de ``data/variantes/lm_eval/`` con `simple_evaluate`,
sin internet y guardando el registro de cada pregunta (``log_samples=True``). `item_rows` convierte ese
registro (o el archivo ``samples_*.jsonl`` del comando ``lm_eval``) en una fila por pregunta, y
`breakdown` la resume por país o categoría con intervalos *bootstrap*.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from latamlab.errors import ConfigError

__all__ = ["MC_TASK", "GEN_TASK", "CHANCE", "tasks_dir", "task_yaml", "stratified_indices", "run_harness",
           "lm_eval_command", "run_lm_eval_command", "item_rows", "breakdown"]

#: Tarea de opción múltiple por verosimilitud y tarea generativa del banco de variantes.
MC_TASK, GEN_TASK = "variantes_latam_mc", "variantes_latam_gen"
#: Exactitud al azar con cuatro opciones.
CHANCE = 0.25


def tasks_dir(root: str | Path | None = None) -> Path:
    """Carpeta de las tareas de lm-eval (``variantes/lm_eval`` dentro de `latamlab.data.loaders.data_root`)."""
    from latamlab.data.loaders import data_root

    return data_root(root) / "variantes" / "lm_eval"


def task_yaml(name: str = MC_TASK, root: str | Path | None = None) -> dict[str, Any]:
    """Lee el YAML de una tarea (las etiquetas ``!function`` quedan como texto): p. ej., su ``description``."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.add_constructor("!function", lambda loader, node: loader.construct_scalar(node))
    path = tasks_dir(root) / f"{name}.yaml"
    if not path.is_file():
        names = sorted(p.stem for p in tasks_dir(root).glob("*.yaml"))
        from latamlab.config import closest

        raise ConfigError(f"No hay una tarea {name!r} en {path.parent}; hay: {', '.join(names)}.{closest(name, names)}")
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


def stratified_indices(items: Sequence[Mapping[str, Any]], by: str = "pais", per_group: int = 2,
                       seed: int = 0) -> list[int]:
    """Posiciones de una muestra con `per_group` preguntas de cada grupo, sorteadas con `seed` (cuaderno 05).

    Las preguntas del banco vienen ordenadas por país y categoría: ``limit=N`` toma las N primeras (con N = 38,
    35 de Argentina y 3 de Bolivia). Esta muestra toma unas pocas de cada país (o de lo que diga `by`), al azar
    dentro del grupo, para pasarlas como `samples` a :func:`run_harness` o :func:`lm_eval_command`.

    Returns:
        Las posiciones elegidas, en orden creciente (un grupo con menos de `per_group` preguntas va entero).

    Raises:
        ConfigError: si `items` está vacío, `per_group` no es un entero ≥ 1 o las preguntas no tienen `by`.
    """
    import random

    if not items:
        raise ConfigError("`items` está vacío: no hay preguntas de las que tomar una muestra.")
    if not isinstance(per_group, int) or per_group < 1:
        raise ConfigError(f"`per_group` debe ser un entero ≥ 1; recibí {per_group!r}.")
    if by not in items[0]:
        from latamlab.config import closest

        raise ConfigError(f"`by` debe ser un campo de las preguntas ({', '.join(items[0])}); recibí {by!r}."
                          f"{closest(by, items[0])}")
    groups: dict[Any, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(item[by], []).append(i)
    rng = random.Random(seed)
    return sorted(i for key in sorted(groups) for i in rng.sample(groups[key], min(per_group, len(groups[key]))))


def _in_notebook() -> bool:
    """Si el código corre en un kernel de Jupyter (allí stderr es una salida del cuaderno, no una terminal)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def _check_subset(limit: int | None, samples: Sequence[int] | None) -> None:
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"`limit` debe ser un entero ≥ 1 o None; recibí {limit!r}.")
    if limit is not None and samples is not None:
        raise ConfigError("Da `limit` (las primeras N preguntas) o `samples` (posiciones elegidas), no los dos.")
    if samples is not None and not samples:
        raise ConfigError("`samples` está vacío: da al menos una posición, p. ej., de `stratified_indices`.")


def run_harness(model, tokenizer, tasks: Sequence[str] = (MC_TASK,), *, limit: int | None = None,
                samples: Sequence[int] | None = None, batch_size: int = 8,
                include_path: str | Path | None = None) -> dict[str, Any]:
    """Corre tareas de lm-eval sobre un modelo en memoria y devuelve lo que da `simple_evaluate`.

    En CPU aplica antes `latamlab.models.load.guard_cpu_4bit` (no cambia nada si el modelo no es de 4 bits).

    Args:
        model: modelo causal cargado, o un `PeftModel` con su adaptador activo.
        tokenizer: su tokenizador.
        tasks: nombres de las tareas (por defecto, la de opción múltiple).
        limit: usa solo las primeras `limit` preguntas de cada tarea (``None`` = todas).
        samples: en vez de `limit`, las posiciones de las preguntas a usar en cada tarea (las de
            :func:`stratified_indices`, por ejemplo); es el argumento ``samples`` de `simple_evaluate`.
        batch_size: peticiones por lote.
        include_path: carpeta con los YAML de las tareas; por defecto :func:`tasks_dir`.

    Returns:
        El diccionario de lm-eval: ``results`` (``"acc,none"``, ``"acc_norm,none"``…), ``n-samples`` y
        ``samples`` (una entrada por pregunta, con ``doc``, ``filtered_resps`` y cada métrica).

    Raises:
        ConfigError: si `limit` no es un entero positivo, `samples` está vacío o se dan los dos.
    """
    _check_subset(limit, samples)
    import lm_eval
    import lm_eval.tasks  # necesario antes de `lm_eval.tasks.TaskManager` (lm-eval 0.4.13)
    from lm_eval.models.huggingface import HFLM

    from latamlab.models.load import guard_cpu_4bit
    from latamlab.runtime.device import model_device
    from latamlab.runtime.notebook import progress_enabled

    if model_device(model).type == "cpu":
        guard_cpu_4bit(model)
    # lm-eval avisa que recibió un objeto en vez de un nombre: es justo lo que queremos.
    for name in ("lm-eval", "lm_eval"):
        logging.getLogger(name).setLevel(logging.ERROR)
    manager = lm_eval.tasks.TaskManager(include_path=str(include_path or tasks_dir()), include_defaults=False)
    lm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=batch_size)
    was_training = model.training
    model.eval()
    # lm-eval dibuja sus barras de texto en stderr: se ven en una terminal, pero no con LATAMLAB_PROGRESO=0 (pruebas)
    # ni en un cuaderno, donde quedarían como salida de error distinta en cada corrida.
    shown = progress_enabled() and not _in_notebook()
    quiet = contextlib.nullcontext() if shown else contextlib.redirect_stderr(io.StringIO())
    try:
        with quiet, _without_git_noise():
            chosen = None if samples is None else {task: [int(i) for i in samples] for task in tasks}
            return lm_eval.simple_evaluate(model=lm, tasks=list(tasks), limit=limit, samples=chosen, log_samples=True,
                                           task_manager=manager, verbosity="ERROR")
    finally:
        model.train(was_training)


@contextlib.contextmanager
def _without_git_noise() -> Iterator[None]:
    """Quita la línea «fatal: not a git repository» que git escribe cuando lm-eval le pide su versión.

    lm-eval corre ``git describe`` para anotar el *commit* del código; fuera de un repositorio (Colab, una
    instalación con pip) git escribe ese error directo en el descriptor 2, que Jupyter muestra como salida de
    error. Se captura el descriptor durante la evaluación y se reenvía todo lo demás.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            rest = [line for line in captured.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if not line.startswith("fatal: not a git repository")]
            if rest:
                sys.stderr.write("".join(rest))


def lm_eval_command(model: str | Path, tasks: Sequence[str], output_path: str | Path, *,
                    limit: int | None = None, samples: Sequence[int] | None = None, batch_size: int = 8,
                    precision: str = "fp32", revision: str | None = None,
                    device: str | None = None) -> list[str]:
    """El comando ``lm_eval`` que evalúa un modelo en nuestras tareas (cuaderno 05).

    Es el mismo que escribirías en una terminal:
    ``lm_eval --model hf --model_args pretrained=MODELO,revision=COMMIT,dtype=float16 --device cuda:0
    --include_path …/variantes/lm_eval --tasks variantes_latam_mc --limit 20 --log_samples --output_path salida``.
    Con `samples` (posiciones de preguntas, como en :func:`run_harness`) usa ``--samples '{"tarea": [0, 7, …]}'``
    en vez de ``--limit``. Las tareas salen del paquete instalado (`tasks_dir`), también en Colab.

    Args:
        model: carpeta local o id del hub; con un id, pasa también su `revision` (la que fija el catálogo) para
            evaluar exactamente los pesos que cargó el cuaderno, también sin internet.
        precision: fp32, fp16 o bf16, la del modelo que evaluó el cuaderno.
        device: ``cpu`` o ``cuda:0``; ``None`` = el del modo del curso.
    """
    from latamlab.runtime.device import device_for_mode

    _check_subset(limit, samples)
    dtypes = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}
    if precision not in dtypes:
        raise ConfigError(f"`precision` debe ser una de {', '.join(dtypes)} para el comando lm_eval; recibí "
                          f"{precision!r}. Los modelos de 4 y 8 bits se evalúan con `run_harness`.")
    if device is None:
        chosen = device_for_mode()
        device = "cuda:0" if chosen.type == "cuda" else "cpu"
    args = f"pretrained={model},dtype={dtypes[precision]}" + (f",revision={revision}" if revision else "")
    exe = Path(sys.executable).parent / "lm_eval"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "lm_eval"]
    command += ["--model", "hf", "--model_args", args, "--device", device,
                "--batch_size", str(batch_size), "--include_path", str(tasks_dir()), "--tasks", ",".join(tasks),
                "--output_path", str(output_path), "--log_samples"]
    if samples is not None:
        command += ["--samples", json.dumps({task: [int(i) for i in samples] for task in tasks})]
    return command + (["--limit", str(limit)] if limit is not None else [])


def run_lm_eval_command(model: str | Path, tasks: Sequence[str], output_path: str | Path, *,
                        limit: int | None = None, samples: Sequence[int] | None = None, batch_size: int = 8,
                        precision: str = "fp32", revision: str | None = None, device: str | None = None,
                        timeout: float = 1800) -> tuple[str, dict[str, Any], dict[str, list[dict]]]:
    """Corre :func:`lm_eval_command` sin internet y lee lo que escribió (argumentos como allí).

    Returns:
        ``(lo que imprimió, el JSON de resultados, {tarea: registro por pregunta})``.

    Raises:
        LatamlabError: si el comando falla (con el final de su stderr) o no escribe sus archivos.
    """
    from latamlab.errors import LatamlabError

    offline = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(lm_eval_command(model, tasks, output_path, limit=limit, samples=samples,
                                            batch_size=batch_size, precision=precision, revision=revision,
                                            device=device),
                            env={**os.environ, **offline}, capture_output=True, text=True, timeout=timeout,
                            check=False)
    out = Path(output_path)
    files = sorted(out.rglob("results_*.json"))
    if result.returncode != 0 or not files:
        tail = " | ".join(result.stderr.strip().splitlines()[-3:])
        raise LatamlabError(f"El comando lm_eval terminó con código {result.returncode} sin resultados en {out}: "
                            f"{tail}")
    samples = {}
    for task in tasks:
        logged = sorted(out.rglob(f"samples_{task}_*.jsonl"))
        text = logged[-1].read_text(encoding="utf-8") if logged else ""
        samples[task] = [json.loads(line) for line in text.splitlines() if line.strip()]
    return result.stdout, json.loads(files[-1].read_text(encoding="utf-8")), samples


def _literal(value: Any) -> Any:
    """El comando ``lm_eval`` escribe los campos anidados del registro como texto; la API, como objetos.

    Un texto que no es un literal de Python (una respuesta generada) se devuelve tal cual.
    """
    if not isinstance(value, str):
        return value
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return value


def item_rows(samples: Iterable[Mapping[str, Any]], metrics: Sequence[str] = ("acc", "acc_norm")) -> list[dict]:
    """Una fila por pregunta desde el registro de lm-eval (de `run_harness` o de un ``samples_*.jsonl``).

    Returns:
        Filas ordenadas por ``doc_id`` con ``id``, ``pais``, ``categoria``, cada métrica de `metrics` y, en
        las tareas de opción múltiple, ``loglik`` (la log-verosimilitud de cada opción).
    """
    rows = []
    for sample in sorted(samples, key=lambda s: int(s["doc_id"])):
        doc = _literal(sample["doc"])
        row = {"id": doc["id"], "pais": doc["pais"], "categoria": doc["categoria"]}
        row.update({m: float(sample[m]) for m in metrics})
        resps = _literal(sample["filtered_resps"])
        if isinstance(resps, list) and resps and isinstance(_literal(resps[0]), (list, tuple)):
            row["loglik"] = [float(_literal(r)[0]) for r in resps]
        rows.append(row)
    return rows


def breakdown(rows: Sequence[Mapping[str, Any]], by: str = "pais", metrics: Sequence[str] = ("acc", "acc_norm"),
              *, n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0):
    """Resume las métricas por pregunta de `rows`, en total y por grupo (``pais``, ``categoria``, ``tema``…).

    Returns:
        La lista de `latamlab.evaluation.bootstrap.MetricSummary` de `summarize_scores`: primero el total,
        después cada grupo en orden alfabético.

    Raises:
        ConfigError: si `rows` está vacío o sus filas no tienen la columna `by`.
    """
    from latamlab.evaluation.bootstrap import summarize_scores

    if not rows:
        raise ConfigError("`rows` está vacío: no hay preguntas que resumir. Revisa `limit` o los datos.")
    if by not in rows[0]:
        from latamlab.config import closest

        raise ConfigError(f"`by` debe ser una columna de las filas ({', '.join(rows[0])}); recibí {by!r}."
                          f"{closest(by, rows[0])}")
    scores = {m: [float(r[m]) for r in rows] for m in metrics}
    return summarize_scores(scores, groups=[str(r[by]) for r in rows], n_resamples=n_resamples,
                            confidence=confidence, seed=seed)
