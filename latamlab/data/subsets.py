"""Subconjuntos repartidos por país: nunca «las primeras N filas» de un archivo ordenado por país.

Los archivos del curso vienen agrupados por país (primero Colombia, luego México…): las 8 primeras filas de
``data/finanzas/validation.jsonl`` son casi todas colombianas, y una validación con ellas no mide nada del resto
de la región. :func:`stratified_subset` toma los ejemplos **por turnos** entre países (uno de cada país antes de
repetir ninguno), sorteados con una semilla fija: la misma llamada da siempre el mismo subconjunto.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from latamlab.errors import ConfigError

__all__ = ["stratified_positions", "stratified_subset"]

T = TypeVar("T")


def stratified_positions(records: Sequence[Mapping[str, Any]], n: int, key: str = "pais",
                         seed: int | None = 0) -> list[int]:
    """Posiciones de `n` registros repartidos por turnos entre los valores de `key` (por defecto, el país).

    Reparto por turnos (*round-robin*): en cada vuelta entra un registro de cada grupo, hasta juntar `n`; un
    grupo que se acaba deja de participar. Con `seed` (un entero) se sortean el orden de los grupos y el de
    los registros dentro de cada grupo; con ``seed=None`` se respeta el orden del archivo. Los registros sin
    `key` forman un solo grupo.

    Returns:
        Las posiciones elegidas, en orden creciente (el orden del archivo); todas si ``n >= len(records)``.

    Raises:
        ConfigError: si `n` no es un entero ≥ 0.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"`n` debe ser un entero ≥ 0 (cuántos ejemplos tomar); recibí {n!r}.")
    if n >= len(records):
        return list(range(len(records)))
    groups: dict[Any, list[int]] = {}
    for i, record in enumerate(records):
        groups.setdefault(record.get(key), []).append(i)
    order = list(groups.values())
    if seed is not None:
        rng = random.Random(seed)
        order = [groups[k] for k in sorted(groups, key=str)]  # el sorteo no depende del orden del archivo
        rng.shuffle(order)
        for group in order:
            rng.shuffle(group)
    picked: list[int] = []
    for turn in range(max(len(g) for g in order)):
        picked += [group[turn] for group in order if turn < len(group)]
        if len(picked) >= n:
            break
    return sorted(picked[:n])


def stratified_subset(records: T, n: int, key: str = "pais", seed: int | None = 0) -> T:
    """`n` registros de `records` repartidos por turnos entre países (o entre los valores de `key`).

    Args:
        records: una lista de registros (diccionarios) o un ``datasets.Dataset``.
        n: cuántos tomar; si es ≥ al total, se devuelven todos.
        key: el campo por el que se reparte (``"pais"``; p. ej., ``"tema"`` o ``"seen_in_train"``).
        seed: semilla del sorteo (ver :func:`stratified_positions`); ``None`` = el orden del archivo.

    Returns:
        Lo mismo que recibiste (lista o ``Dataset``), con los elegidos en el orden del archivo.

    Raises:
        ConfigError: si `n` no es un entero ≥ 0.
    """
    if hasattr(records, "select") and hasattr(records, "column_names"):  # datasets.Dataset
        column = records[key] if key in records.column_names else [None] * len(records)
        return records.select(stratified_positions([{key: v} for v in column], n, key, seed))
    rows = list(records)
    return [rows[i] for i in stratified_positions(rows, n, key, seed)]
