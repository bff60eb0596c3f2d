"""Evaluación: perplejidad y bits por byte (`perplexity`), métricas de texto en español (`metrics`), intervalos
*bootstrap* con desgloses por grupo (`bootstrap`), lm-eval con el modelo en memoria (`harness`), opción múltiple a
mano (`choice`), la tarea de finanzas (`finance`) y ``latamlab evaluar`` (`command`).

Importar este paquete no carga torch, sacrebleu ni rouge-score: cada nombre se importa al usarse.
`perplexity` se importa de su módulo (`latamlab.evaluation.perplexity`) o como `latamlab.perplexity`.
"""

from __future__ import annotations

from latamlab._lazy import lazy_exports

_EXPORTS = {
    "normalize_es": "latamlab.evaluation.metrics",
    "tokens_es": "latamlab.evaluation.metrics",
    "SpanishTokenizer": "latamlab.evaluation.metrics",
    "exact_match": "latamlab.evaluation.metrics",
    "token_f1": "latamlab.evaluation.metrics",
    "rouge_l": "latamlab.evaluation.metrics",
    "chrf": "latamlab.evaluation.metrics",
    "score_answers": "latamlab.evaluation.metrics",
    "bootstrap_ci": "latamlab.evaluation.bootstrap",
    "MetricSummary": "latamlab.evaluation.bootstrap",
    "summarize_scores": "latamlab.evaluation.bootstrap",
    "perplexity_report": "latamlab.evaluation.perplexity",
    "PerplexityReport": "latamlab.evaluation.perplexity",
    "text_nll": "latamlab.evaluation.perplexity",
    "run_harness": "latamlab.evaluation.harness",
    "run_lm_eval_command": "latamlab.evaluation.harness",
    "item_rows": "latamlab.evaluation.harness",
    "breakdown": "latamlab.evaluation.harness",
    "stratified_indices": "latamlab.evaluation.harness",
    "choice_logprobs": "latamlab.evaluation.choice",
    "pick_choice": "latamlab.evaluation.choice",
    "variant_context": "latamlab.evaluation.choice",
    "score_variant_items": "latamlab.evaluation.choice",
    "load_finance_split": "latamlab.evaluation.finance",
    "finance_rows": "latamlab.evaluation.finance",
    "EvaluateConfig": "latamlab.evaluation.command",
    "evaluate": "latamlab.evaluation.command",
    "format_report": "latamlab.evaluation.command",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
