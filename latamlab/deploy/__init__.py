"""Despliegue (cuaderno 06): fusionar adaptadores (`merge`), GGUF con llama.cpp (`gguf`), la tabla medida de
formatos (`table`), la poda por magnitud (`prune`) y la tabla de decisión (`decision`).

Importar este paquete no carga torch ni llama.cpp: cada nombre se importa al usarse.
"""

from __future__ import annotations

from latamlab._lazy import lazy_exports

_EXPORTS = {
    "merge_adapter": "latamlab.deploy.merge",
    "merge_gap": "latamlab.deploy.merge",
    "is_quantized": "latamlab.deploy.merge",
    "convert_to_gguf": "latamlab.deploy.gguf",
    "quantize_gguf": "latamlab.deploy.gguf",
    "llama_cpp_missing": "latamlab.deploy.gguf",
    "converter_path": "latamlab.deploy.gguf",
    "LlamaCppLM": "latamlab.deploy.gguf_model",
    "FORMATS": "latamlab.deploy.table",
    "CPU_FORMATS": "latamlab.deploy.table",
    "DeployRow": "latamlab.deploy.table",
    "deployment_table": "latamlab.deploy.table",
    "format_deployment_table": "latamlab.deploy.table",
    "stratified_variants": "latamlab.deploy.table",
    "prune_magnitude": "latamlab.deploy.prune",
    "prune_2_4": "latamlab.deploy.prune",
    "pruning_curve": "latamlab.deploy.prune",
    "deployment_chart": "latamlab.deploy.charts",
    "pruning_chart": "latamlab.deploy.charts",
    "DECISIONS": "latamlab.deploy.decision",
    "format_decisions": "latamlab.deploy.decision",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
