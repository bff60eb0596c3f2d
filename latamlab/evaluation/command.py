"""``latamlab evaluar`` y `evaluate`: la misma firma para la CLI, un YAML y Python (cuaderno 05).

Mide un modelo (con o sin adaptador) en tres tareas: **perplexity** (perplejidad y bits por byte en el corpus
de prueba), **finance** (respuestas generadas contra las de referencia, hechos vistos y no vistos aparte) y
**variants** (el banco de variantes con lm-eval, por país y categoría). Cada cifra lleva su intervalo
*bootstrap* del 95 %; `format_report` escribe la tabla en español y `evaluate` guarda el JSON con todo.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from latamlab.config import Config
from latamlab.errors import ConfigError
from latamlab.quant.formats import Precision
from latamlab.runtime.device import Mode

__all__ = ["TASKS", "EvaluateConfig", "evaluate", "format_report"]

Task = Literal["perplexity", "finance", "variants", "all"]
#: Las tareas que corre ``--task all``, en orden.
TASKS = ("perplexity", "finance", "variants")
FinanceSplit = Literal["referencia", "test", "validation", "train"]


def _f(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass
class EvaluateConfig(Config):
    """Opciones de ``latamlab evaluar`` y de `evaluate` (los mismos nombres)."""

    model: str | None = _f(None, "nombre del catálogo, id del hub o carpeta local; si no lo das, el del modo")
    adapter: Path | None = _f(None, "carpeta de un adaptador LoRA entrenado sobre ese modelo")
    task: Task = _f("all", "tarea: perplexity (o perplejidad), finance (o finanzas), variants (o variantes) o all "
                           "(o todas: las tres)")
    limit: int | None = _f(None, "usa solo N textos o preguntas de cada tarea, repartidos por país")
    output: Path | None = _f(None, "archivo JSON donde se guardan todas las cifras con sus intervalos")
    mode: Mode | None = _f(None, "modo del curso (gpu, cpu, diminuto); si no lo das, LATAMLAB_MODO")
    precision: Precision = _f("fp32", "precisión de los pesos: fp32, bf16, fp16, int8, nf4 o fp4")
    split: FinanceSplit = _f("referencia", "división de finanzas (referencia trae hechos vistos y no vistos)")
    batch_size: int = _f(8, "textos o preguntas por lote")
    max_new_tokens: int = _f(48, "tokens máximos de cada respuesta de finanzas")

    #: Las tareas con las palabras del README («perplejidad, finanzas y variantes»).
    ALIASES = {"task": {"perplejidad": "perplexity", "finanzas": "finance", "variantes": "variants", "todas": "all"}}

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"`limit` {self.limit} deja vacío el conjunto de evaluación: usa un entero ≥ 1 "
                              "o no lo des para evaluar todo.")
        for name in ("batch_size", "max_new_tokens"):
            if getattr(self, name) < 1:
                raise ConfigError(f"`{name}` debe ser un entero ≥ 1; recibí {getattr(self, name)}.")

    @property
    def tasks(self) -> tuple[str, ...]:
        """Las tareas que se corren."""
        return TASKS if self.task == "all" else (self.task,)


def _take(items: list, limit: int | None, what: str) -> list:
    """Todos los `items`, o `limit` repartidos por país (`latamlab.data.subsets.stratified_subset`)."""
    from latamlab.data.subsets import stratified_subset

    items = stratified_subset(items, limit) if limit else items
    if not items:
        raise ConfigError(f"El conjunto de evaluación de {what} está vacío: revisa los datos (LATAMLAB_DATOS) "
                          "o `limit`.")
    return items


def _summary(summary) -> dict[str, Any]:
    return {k: v for k, v in asdict(summary).items() if v is not None}


def _perplexity(model, tokenizer, config: EvaluateConfig) -> dict[str, Any]:
    from latamlab.data.loaders import load_corpus
    from latamlab.evaluation.bootstrap import MetricSummary
    from latamlab.evaluation.perplexity import perplexity_report

    texts = [r["texto"] for r in _take(list(load_corpus()["test"]), config.limit, "perplejidad (corpus de prueba)")]
    report = perplexity_report(model, tokenizer, texts, batch_size=config.batch_size)
    metrics = [MetricSummary(name, *bounds, n=len(texts)) for name, bounds in report.intervals().items()]
    return {"texts": len(texts), "tokens": report.tokens, "bytes": report.bytes, "nll": report.nll,
            "metrics": [_summary(m) for m in metrics]}


def _finance(model, tokenizer, config: EvaluateConfig, items: list) -> dict[str, Any]:
    from latamlab.evaluation.bootstrap import summarize_scores
    from latamlab.evaluation.finance import finance_rows
    from latamlab.evaluation.metrics import METRICS

    rows = finance_rows(model, tokenizer, items, max_new_tokens=config.max_new_tokens, batch_size=config.batch_size)
    scores = {m: [r[m] for r in rows] for m in METRICS}
    summaries = summarize_scores(scores, groups=[r["vistos"] for r in rows])
    return {"split": config.split, "items": rows, "metrics": [_summary(s) for s in summaries]}


def _variants(model, tokenizer, config: EvaluateConfig) -> dict[str, Any]:
    from latamlab.data.loaders import load_variants
    from latamlab.data.subsets import stratified_positions
    from latamlab.evaluation.harness import CHANCE, MC_TASK, breakdown, item_rows, run_harness

    # el banco viene ordenado por país: `limit` toma preguntas por turnos entre países, no las primeras
    samples = None if config.limit is None else stratified_positions(list(load_variants()), config.limit)
    out = run_harness(model, tokenizer, [MC_TASK], samples=samples, batch_size=config.batch_size)
    rows = item_rows(out["samples"][MC_TASK])
    results = out["results"][MC_TASK]
    by_country, by_category = breakdown(rows, "pais"), breakdown(rows, "categoria")
    return {"task": MC_TASK, "chance": CHANCE, "lm_eval": {m: results[f"{m},none"] for m in ("acc", "acc_norm")},
            "items": rows, "metrics": [_summary(s) for s in by_country if s.group is None],
            "by_country": [_summary(s) for s in by_country if s.group is not None],
            "by_category": [_summary(s) for s in by_category if s.group is not None]}


def _check_inputs(config: EvaluateConfig, source: str) -> tuple[Any, list | None]:
    """Revisa todo lo que puede fallar antes de cargar los pesos: adaptador, plantilla de chat y datos."""
    from latamlab.models.load import load_tokenizer

    if config.adapter is not None:
        from latamlab.train.adapters import check_adapter_base

        check_adapter_base(config.adapter, source)
    tokenizer = load_tokenizer(source, config.mode)
    items = None
    if "finance" in config.tasks:
        from latamlab.evaluation.finance import load_finance_split

        if not getattr(tokenizer, "chat_template", None):
            raise ConfigError(f"El modelo {config.model or source} no tiene plantilla de chat (`chat_template`) y la "
                              "tarea finance responde como asistente: usa un modelo -Instruct o --task perplexity "
                              "o --task variants.")
        items = _take(load_finance_split(config.split), config.limit, f"finanzas ({config.split})")
    return tokenizer, items


def evaluate(config: EvaluateConfig | None = None, **options: Any) -> dict[str, Any]:
    """Evalúa un modelo en las tareas de `config` y devuelve (y, con `output`, guarda) todas las cifras.

    Args:
        config: las opciones; o bien, pásalas como palabras clave: ``evaluate(task="variants", limit=20)``.

    Returns:
        ``{"config": ..., "model": ..., "perplexity": ..., "finance": ..., "variants": ...}`` (solo las tareas
        pedidas). Cada métrica es ``{"metric", "mean", "low", "high", "n", "confidence", "group"?}``.

    Raises:
        ConfigError: opción no válida, adaptador de otro modelo base, modelo sin plantilla de chat para
            finance o conjunto de evaluación vacío.
        DataError: si falta el archivo de una división o está mal formado.
    """
    from latamlab.models.load import load_model, resolve_source
    from latamlab.runtime.notebook import progress

    config = (config or EvaluateConfig()).replace(**options)
    source, _ = resolve_source(config.model, config.mode)
    _, items = _check_inputs(config, source)
    model, tokenizer = load_model(source, precision=config.precision, mode=config.mode)
    if config.adapter is not None:
        from latamlab.train.adapters import attach_adapters

        model = attach_adapters(model, {"adaptador": config.adapter})
    report: dict[str, Any] = {"config": config.to_dict(), "model": source}
    with progress(total=len(config.tasks), desc="Evaluando", unit="tarea") as bar:
        for task in config.tasks:
            bar.set_postfix_str(task)
            if task == "perplexity":
                report[task] = _perplexity(model, tokenizer, config)
            elif task == "finance":
                report[task] = _finance(model, tokenizer, config, items)
            else:
                report[task] = _variants(model, tokenizer, config)
            bar.update(1)
    if config.output is not None:
        config.output.parent.mkdir(parents=True, exist_ok=True)
        config.output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


_TASK_NAMES = {"perplexity": "perplejidad", "finance": "finanzas", "variants": "variantes"}


def format_report(report: dict[str, Any]) -> str:
    """La tabla en español de `evaluate`: tarea, grupo, métrica, valor, intervalo del 95 % y n."""
    from latamlab.evaluation.bootstrap import METRIC_LABELS
    from latamlab.numbers import fmt_number

    lines = [f"{'tarea':<12} {'grupo':<12} {'métrica':<32} {'valor':>8}  {'IC 95 %':<15} {'n':>5}"]
    for task in TASKS:
        if task not in report:
            continue
        part = report[task]
        summaries = part["metrics"] + part.get("by_category", []) + part.get("by_country", [])
        for s in summaries:
            dec = 1 if s["metric"] in ("chrf", "perplexity") else 3
            interval = f"{fmt_number(s['low'], dec)}–{fmt_number(s['high'], dec)}"
            lines.append(f"{_TASK_NAMES[task]:<12} {s.get('group', 'todos'):<12} "
                         f"{METRIC_LABELS.get(s['metric'], s['metric']):<32} {fmt_number(s['mean'], dec):>8}  "
                         f"{interval:<15} {fmt_number(s['n'], 0):>5}")
        if task == "variants":
            lines.append(f"{'':<12} {'':<12} {'(al azar)':<32} {fmt_number(part['chance'], 3):>8}")
    return "\n".join(lines)
