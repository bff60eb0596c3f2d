"""Evaluación: perplejidad (`perplexity`), métricas de texto en español (`metrics`) e intervalos *bootstrap*
con desgloses por grupo (`bootstrap`).

Importar este paquete no carga torch, sacrebleu ni rouge-score: cada nombre se importa al usarse.
`perplexity` se importa de su módulo (`latamlab.evaluation.perplexity`) o como `latamlab.perplexity`.
"""

from __future__ import annotations

import importlib
from typing import Any

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
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'latamlab.evaluation' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
