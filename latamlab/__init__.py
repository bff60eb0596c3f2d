"""latamlab: herramientas del curso para adaptar modelos de lenguaje en hardware modesto.

Lo que usan los cuadernos está a mano aquí (`setup`, `load_model`, `print_report`…). Se importa sin
cargar torch ni transformers: cada nombre se resuelve al usarlo por primera vez.
"""

from __future__ import annotations

from latamlab._lazy import lazy_exports
from latamlab.runtime.noise import silence_library_noise

silence_library_noise()  # antes de que torch, torchao o bitsandbytes se importen (ver latamlab.runtime.noise)

__version__ = "0.2.0"

_EXPORTS = {
    "setup": "latamlab.runtime.notebook",
    "progress": "latamlab.runtime.notebook",
    "print_report": "latamlab.runtime.report",
    "environment_report": "latamlab.runtime.report",
    "resolve_mode": "latamlab.runtime.device",
    "results_path": "latamlab.runtime.storage",
    "to_model_device": "latamlab.runtime.device",
    "load_model": "latamlab.models.load",
    "load_tokenizer": "latamlab.models.load",
    "catalog": "latamlab.models.catalog",
    "prepare": "latamlab.models.offline",
    "load_finance": "latamlab.data.loaders",
    "load_consumer": "latamlab.data.loaders",
    "load_variants": "latamlab.data.loaders",
    "load_corpus": "latamlab.data.loaders",
    "stratified_subset": "latamlab.data.subsets",
    "perplexity": "latamlab.evaluation.perplexity",
    "score_answers": "latamlab.evaluation.metrics",
    "bootstrap_ci": "latamlab.evaluation.bootstrap",
    "summarize_scores": "latamlab.evaluation.bootstrap",
    "perplexity_report": "latamlab.evaluation.perplexity",
    "score_variant_items": "latamlab.evaluation.choice",
    "run_harness": "latamlab.evaluation.harness",
    "item_rows": "latamlab.evaluation.harness",
    "breakdown": "latamlab.evaluation.harness",
    "stratified_indices": "latamlab.evaluation.harness",
    "EvaluateConfig": "latamlab.evaluation.command",
    "evaluate": "latamlab.evaluation.command",
    "TrainConfig": "latamlab.train.config",
    "bar_chart": "latamlab.plots",
    "interval_chart": "latamlab.plots",
    "fmt_number": "latamlab.numbers",
    "estimate_memory": "latamlab.memory.estimate",
    "loading_bytes": "latamlab.memory.estimate",
    "measure_training_step": "latamlab.memory.ledger",
    "memoria": "latamlab.memory.report",
    "fit_table": "latamlab.memory.fit_table",
    "compare_claim": "latamlab.memory.cost",
    "training_cost": "latamlab.memory.cost",
    "get_gpu": "latamlab.memory.gpus",
}

__all__ = [*_EXPORTS, "__version__"]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
