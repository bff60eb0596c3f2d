"""Autocomprobaciones del cuaderno 08 (proyecto final)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from latamlab.exercises._report import report

__all__ = ["check_explanation_share", "check_paired_interval", "check_second_country"]

#: Veredictos posibles sobre una porción: los que permite leer el intervalo de la diferencia.
VERDICTS = ("mejoró", "empeoró", "sin cambio claro")


def check_explanation_share(share: float, corpus: Mapping[str, Sequence[Mapping[str, Any]]]) -> bool:
    """🐢 La fracción (0 a 1) de los ejemplos de entrenamiento del corpus del país que son explicaciones."""
    train = corpus["train"]
    explanations = sum(e["fuente"] == "explicacion" for e in train)
    expected = explanations / len(train)
    if math.isclose(share, 100 * expected, rel_tol=1e-3):
        hint = "diste un porcentaje; el ejercicio pide la fracción, entre 0 y 1 (divide por 100)."
    elif math.isclose(share, explanations / max(1, len(train) - explanations), rel_tol=1e-3):
        hint = "dividiste por las oraciones; divide por **todos** los ejemplos de `corpus[\"train\"]`."
    elif math.isclose(share, 1 - expected, rel_tol=1e-3):
        hint = "esa es la fracción de oraciones; cuenta los ejemplos con `fuente == \"explicacion\"`."
    else:
        hint = "cuenta los ejemplos de `corpus[\"train\"]` con `fuente == \"explicacion\"` y divide por su total."
    return report(math.isclose(share, expected, rel_tol=1e-3), hint)


def check_paired_interval(interval: Sequence[float], base_rows: Sequence[Mapping[str, Any]],
                          adapter_rows: Sequence[Mapping[str, Any]], metric: str = "acc") -> bool:
    """🐕 ``(media, bajo, alto)`` de la diferencia adaptador − base pregunta por pregunta, con `bootstrap_ci`."""
    from latamlab.evaluation.bootstrap import bootstrap_ci

    before = [float(r[metric]) for r in base_rows]
    after = [float(r[metric]) for r in adapter_rows]
    expected = bootstrap_ci([a - b for a, b in zip(after, before)])
    if len(interval) != 3:
        return report(False, "pasa una tupla `(media, bajo, alto)`, la que devuelve `bootstrap_ci`.")
    ok = all(math.isclose(x, y, abs_tol=1e-9) for x, y in zip(interval, expected))
    reversed_ = bootstrap_ci([b - a for a, b in zip(after, before)])
    if all(math.isclose(x, y, abs_tol=1e-9) for x, y in zip(interval, reversed_)):
        hint = "restaste al revés: la diferencia es adaptador − base (positiva si el adaptador acierta más)."
    elif math.isclose(interval[0], expected[0], abs_tol=1e-9):
        hint = ("la media está bien, pero el intervalo no es el del remuestreo pareado: pásale a `bootstrap_ci` "
                "la lista de diferencias por pregunta (con su `seed=0` por defecto), no los dos intervalos.")
    else:
        hint = ("resta, pregunta por pregunta, la métrica del adaptador menos la de la base y pásale esa lista a "
                "`bootstrap_ci`.")
    return report(ok, hint)


def check_second_country(change, verdict: str, country: str) -> bool:
    """🦁 El cambio en la porción de `country` con el adaptador de **otro** país, y su veredicto leído del intervalo."""
    from latamlab.data.loaders import load_variants

    n_country = sum(item["pais"] == country for item in load_variants())
    if verdict not in VERDICTS:
        return report(False, f"el veredicto debe ser uno de {', '.join(VERDICTS)}; recibí {verdict!r}.")
    if change.change.n != n_country:
        return report(False, f"la porción de {country} tiene {n_country} preguntas y tu cambio tiene "
                             f"{change.change.n}: evalúa la base y el segundo adaptador en todas las de {country}.")
    low, high = change.change.low, change.change.high
    expected = "mejoró" if low > 0 else "empeoró" if high < 0 else "sin cambio claro"
    if verdict != expected and expected == "sin cambio claro":
        hint = ("el intervalo de la diferencia contiene el 0: con estas preguntas no se puede decir que cambió; "
                "la media sola no basta.")
    else:
        hint = "mira el intervalo de la diferencia: si queda entero sobre 0 mejoró, si queda bajo 0 empeoró."
    return report(verdict == expected, hint)
