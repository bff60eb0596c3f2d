"""Qué configuración desplegar en qué hardware, con las filas medidas que la respaldan (cuaderno 06).

La tabla de decisión es criterio del curso (qué formato corre bien en cada hardware); las cifras que la acompañan
salen de la tabla medida (`latamlab.deploy.table.deployment_table`) de la misma corrida, nunca escritas a mano.
"""

from __future__ import annotations

from typing import Sequence

__all__ = ["DECISIONS", "format_decisions"]

#: (hardware, qué desplegar, formatos de la tabla que lo respaldan).
DECISIONS = (
    ("Computador con CPU (x86, sin GPU)",
     "GGUF Q4_K_M con llama.cpp, Ollama o LM Studio; Q8_0 si sobra memoria y quieres la calidad de fp32",
     ("gguf-q4_k_m", "gguf-q8_0")),
    ("Apple Silicon (M1 a M4)",
     "los mismos GGUF con llama.cpp (Metal) u Ollama; bitsandbytes no es el camino ahí",
     ("gguf-q4_k_m", "gguf-q8_0")),
    ("Colab con T4 (16 GB, sin bf16 ni 2:4)",
     "para seguir entrenando o evaluar: nf4 con el adaptador sin fusionar; para servir: fusionado en fp16",
     ("nf4", "fp32")),
    ("GPU de servidor (Ampere o más nueva)",
     "fusionado en bf16; 2:4 acelera en sus núcleos dispersos, pero solo tras reentrenar la poda",
     ("fp32", "torchao-int8")),
)


def _evidence(row) -> str:
    from latamlab.deploy.table import FORMAT_LABELS
    from latamlab.numbers import fmt_number

    if row is None:
        return "no está en la tabla"
    if row.missing:
        return f"{FORMAT_LABELS[row.format]}: sin medir aquí"
    return (f"{FORMAT_LABELS[row.format]}: {fmt_number(row.size_mb, 0)} MiB, {fmt_number(row.generate_tps, 1)} tokens/s, "
            f"perplejidad {fmt_number(row.perplexity, 1)}")


def format_decisions(rows: Sequence) -> str:
    """La tabla de decisión en español, con las cifras medidas de cada formato que la respalda.

    Args:
        rows: filas de `deployment_table` (las que faltan o no se midieron lo dicen).

    Returns:
        Un bloque de texto: por cada hardware, la recomendación y una línea por formato medido.
    """
    by_format = {r.format: r for r in rows}
    lines = []
    for hardware, advice, formats in DECISIONS:
        lines.append(f"{hardware}\n  → {advice}")
        lines += [f"    {_evidence(by_format.get(fmt))}" for fmt in formats]
    return "\n".join(lines)
