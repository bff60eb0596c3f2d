"""Autocomprobaciones del cuaderno 05 (evaluación)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from latamlab.exercises._report import report

__all__ = ["check_bits_per_byte", "check_acc_norm_pick", "check_category_breakdown"]


def check_bits_per_byte(bits: float, perplexity_report) -> bool:
    """🐢 Bits por byte de un `PerplexityReport` a partir de su pérdida total (en nats) y de sus bytes."""
    nll, n_bytes, tokens = perplexity_report.nll, perplexity_report.bytes, perplexity_report.tokens
    expected = nll / (n_bytes * math.log(2))
    if math.isclose(bits, nll / (tokens * math.log(2)), rel_tol=1e-3):
        hint = ("dividiste por los tokens, y eso da bits por token; divide por los bytes UTF-8 del texto "
                "(`bytes`), que no dependen del tokenizador.")
    elif math.isclose(bits, nll / n_bytes, rel_tol=1e-3):
        hint = "la pérdida está en nats (logaritmo natural): divide también por ln 2 (`math.log(2)`) para pasarla a bits."
    else:
        hint = "usa la pérdida total `nll` (en nats), divídela por los bytes (`bytes`) y por ln 2."
    return report(math.isclose(bits, expected, rel_tol=1e-3), hint)


def check_acc_norm_pick(index: int, logprobs: Sequence[float], choices: Sequence[str]) -> bool:
    """🐕 La posición (desde 0) de la opción que elige acc_norm con estas log-verosimilitudes."""
    from latamlab.evaluation.choice import pick_choice

    by_total, by_char = pick_choice(logprobs, choices)
    if index == by_total != by_char:
        hint = ("esa es la que elige acc, la de log-verosimilitud total más alta; para acc_norm divide cada "
                "log-verosimilitud por el largo de su opción en caracteres (`len`) y elige la mayor.")
    else:
        hint = ("divide cada log-verosimilitud por el número de caracteres de su opción y elige la posición "
                "(de 0 a 3) de la mayor, es decir, la menos negativa.")
    return report(index == by_char, hint)


def check_category_breakdown(summaries: Sequence, per_group: int) -> bool:
    """🦁 El desglose por categoría de una muestra con `per_group` preguntas de cada categoría del banco."""
    from latamlab.data.loaders import load_variants

    categories = set(load_variants()["categoria"])
    rows = [s if isinstance(s, dict) else vars(s) for s in summaries]
    groups = {r["group"]: r["n"] for r in rows if r["metric"] == "acc" and r.get("group") is not None}
    if set(groups) != categories:
        shown = ", ".join(sorted(groups)) or "ninguno"
        return report(False, f"tus grupos de exactitud son {shown}; toma la muestra con `stratified_indices(items, "
                             "by=\"categoria\", ...)` (con `limit` solo hay léxico de Argentina) y resume con "
                             "`breakdown(filas, \"categoria\")`.")
    wrong = {g: n for g, n in groups.items() if n != per_group}
    return report(not wrong, f"cada categoría debería tener {per_group} preguntas y en {', '.join(sorted(wrong))} hay "
                             "otra cantidad; pasa `per_group` a `stratified_indices` y usa esa muestra en `samples`.")
