"""Construye los archivos finales de ``data/`` a partir de los borradores.

Uso::

    python scripts/construir_datos.py                 # todo, sobre data/
    python scripts/construir_datos.py --datos /tmp/copia --solo variantes --simular

Para cada conjunto lee los borradores y los archivos finales que ya existan (si un id está en
ambos, gana el borrador), descarta duplicados exactos y casi duplicados (se queda con el
primero y dice cuáles descartó), y escribe los archivos finales de forma atómica:

* finanzas: divisiones train/validation/test ≈ 80/10/10 con semilla fija; los grupos de
  instrucciones casi iguales (aunque sean de países distintos) quedan en la misma división, y
  se descartan las instrucciones casi iguales a una pregunta de ``referencia.jsonl``.
* variantes: un solo archivo, con la respuesta correcta repartida exactamente por igual entre
  las posiciones A–D (se intercambian opciones y se corrige ``respuesta``).
* corpus: train/test ≈ 90/10 con la misma regla de grupos.
* consumo: train/validation/test ≈ 80/10/10, como finanzas (sin preguntas de referencia).

En ``referencia.jsonl`` recalcula ``seen_in_train`` contra la división ``train`` recién armada
(la regla está en ``latamlab.data.seen``).

Es idempotente: correrlo dos veces deja los mismos archivos. No toca ``paralelo.jsonl`` ni
``originarias.jsonl``. Al final corre el validador y devuelve su código de salida.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from pathlib import Path
from typing import Any

from latamlab.data.loaders import data_root
from latamlab.data.dedup import clusters, cross_pairs, near_duplicate_pairs, pair_kind
from latamlab.errors import DataError, DataProblem
from latamlab.data.jsonl import scan_jsonl, write_jsonl
from latamlab.data.schemas import FILES, Schema, check_record, dedup_text
from latamlab.data.seen import mark_seen
from latamlab.data.validate import SPLITS, main as validate_main

SOURCES = {
    "finanzas": ["borradores/instrucciones.jsonl", "train.jsonl", "validation.jsonl", "test.jsonl"],
    "referencia": ["borradores/referencia.jsonl", "referencia.jsonl"],
    "variantes": ["borradores/parte_a.jsonl", "borradores/parte_b.jsonl", "variantes.jsonl"],
    "corpus": ["borradores/parte_1.jsonl", "borradores/parte_2.jsonl", "train.jsonl", "test.jsonl"],
    "consumo": ["borradores/pares.jsonl", "train.jsonl", "validation.jsonl", "test.jsonl"],
}
Row = tuple[str, dict[str, Any]]  # (de dónde salió: "archivo:línea", registro)


def read_sources(folder: Path, names: list[str], schema: Schema, skip_invalid: bool) -> list[Row]:
    """Lee los archivos que existan; un id repetido se queda con su primera aparición.

    Que un archivo final repita un id de los borradores es lo normal (es la versión anterior) y
    no se avisa; un id repetido dentro de los borradores sí se avisa.
    """
    rows: list[Row] = []
    seen: dict[str, str] = {}
    for name in names:
        path = folder / name
        if not path.is_file():
            continue
        records, problems = scan_jsonl(path)
        problems += [DataProblem(path, r.line, w, f) for r in records for w, f in check_record(schema, r.data)]
        problems.sort(key=lambda p: p.line or 0)
        for problem in problems:
            if not skip_invalid:
                raise DataError(problem)
            print(f"  salto {problem}")
        bad_lines = {p.line for p in problems}
        for record in records:
            where, key = f"{path.relative_to(folder.parent)}:{record.line}", record.data.get("id")
            if record.line in bad_lines:
                continue
            if key in seen:
                if name.startswith("borradores/"):
                    print(f"  descarto {key} ({where}): id repetido de {seen[key]}")
                continue
            seen[key] = where
            rows.append((where, record.data))
    return rows


def drop_duplicates(rows: list[Row], schema: Schema) -> list[Row]:
    """Descarta duplicados exactos y casi duplicados (mismo bloque), quedándose con el primero."""
    texts = [dedup_text(schema, data) for _, data in rows]
    blocks = [data[schema.dedup_block] if schema.dedup_block else None for _, data in rows]
    dropped: dict[int, str] = {}
    for i, j, score in near_duplicate_pairs(texts, blocks=blocks):
        if i in dropped or j in dropped:
            continue
        dropped[j] = f"{pair_kind(texts[i], texts[j], score)} de {rows[i][1]['id']} ({rows[i][0]})"
    for j, reason in sorted(dropped.items()):
        print(f"  descarto {rows[j][1]['id']} ({rows[j][0]}): {reason}")
    return [row for k, row in enumerate(rows) if k not in dropped]


def drop_leaks(rows: list[Row], schema: Schema, questions: list[str]) -> list[Row]:
    """Descarta filas cuyo texto es casi igual a una pregunta de evaluación."""
    leaked = {j for _, j, _ in cross_pairs(questions, [dedup_text(schema, data) for _, data in rows])}
    for j in sorted(leaked):
        print(f"  descarto {rows[j][1]['id']} ({rows[j][0]}): casi igual a una pregunta de referencia.jsonl")
    return [row for k, row in enumerate(rows) if k not in leaked]


def assign_splits(rows: list[Row], schema: Schema, fractions: dict[str, float], seed: int) -> dict[str, list[dict]]:
    """Reparte grupos de casi duplicados (sin mirar el bloque) entre divisiones, con semilla fija.

    Los grupos se ordenan por un hash del id más pequeño de cada uno; se llenan primero las
    divisiones pequeñas hasta su cuota y el resto va a ``train``.
    """
    texts = [dedup_text(schema, data) for _, data in rows]
    labels = clusters(len(rows), near_duplicate_pairs(texts))
    groups: dict[int, list[dict]] = {}
    for label, (_, data) in zip(labels, rows):
        groups.setdefault(label, []).append(data)

    def order(members: list[dict]) -> str:
        return hashlib.sha256(f"{seed}:{min(m['id'] for m in members)}".encode()).hexdigest()

    quota = {name: round(frac * len(rows)) for name, frac in fractions.items() if name != "train"}
    out: dict[str, list[dict]] = {name: [] for name in fractions}
    for members in sorted(groups.values(), key=order):
        target = next((n for n in quota if len(out[n]) + len(members) <= quota[n]), "train")
        out[target].extend(members)
    return {name: sorted(items, key=lambda d: d["id"]) for name, items in out.items()}


def balance_positions(items: list[dict], seed: int) -> list[dict]:
    """Mueve la opción correcta para que cada posición A–D tenga la misma cantidad (±1)."""
    targets = [k % 4 for k in range(len(items))]
    random.Random(seed).shuffle(targets)
    out = []
    for item, target in zip(items, targets):
        options = list(item["opciones"])
        correct = item["respuesta"]
        options[correct], options[target] = options[target], options[correct]
        out.append({**item, "opciones": options, "respuesta": target})
    return out


def _write(path: Path, rows: list[dict], dry_run: bool) -> None:
    print(f"  {'escribiría' if dry_run else 'escribo'} {path} ({len(rows)} líneas)")
    if not dry_run:
        write_jsonl(path, rows)


def _write_splits(folder: Path, rows: list[Row], schema: Schema, seed: int, dry_run: bool) -> dict[str, list[dict]]:
    """Reparte `rows` en las divisiones de ``SPLITS[folder.name]``, escribe un archivo por división y las devuelve."""
    if not rows:
        return {}
    splits = assign_splits(rows, schema, SPLITS[folder.name], seed)
    for split, items in splits.items():
        _write(folder / f"{split}.jsonl", items, dry_run)
    return splits


def build(root: Path, only: str | None, seed: int, dry_run: bool, skip_invalid: bool) -> None:
    """Construye los conjuntos pedidos dentro de ``root``."""
    if only in (None, "finanzas"):
        folder = root / "finanzas"
        print("finanzas:")
        ref_schema = FILES["finanzas"]["referencia.jsonl"]
        ref = drop_duplicates(read_sources(folder, SOURCES["referencia"], ref_schema, skip_invalid), ref_schema)
        schema = FILES["finanzas"]["train.jsonl"]
        rows = drop_duplicates(read_sources(folder, SOURCES["finanzas"], schema, skip_invalid), schema)
        splits = _write_splits(folder, drop_leaks(rows, schema, [d["pregunta"] for _, d in ref]), schema, seed, dry_run)
        if ref:
            items = mark_seen(sorted((d for _, d in ref), key=lambda d: d["id"]), splits.get("train", []))
            print(f"  {sum(d['seen_in_train'] for d in items)} de {len(items)} preguntas de referencia tienen su "
                  "respuesta en train (seen_in_train)")
            _write(folder / "referencia.jsonl", items, dry_run)
    if only in (None, "variantes"):
        folder = root / "variantes"
        print("variantes:")
        schema = FILES["variantes"]["variantes.jsonl"]
        rows = drop_duplicates(read_sources(folder, SOURCES["variantes"], schema, skip_invalid), schema)
        if rows:
            items = balance_positions(sorted((d for _, d in rows), key=lambda d: d["id"]), seed)
            _write(folder / "variantes.jsonl", items, dry_run)
    for name in ("corpus", "consumo"):  # solo divisiones, sin preguntas de referencia ni posiciones
        if only in (None, name):
            folder = root / name
            print(f"{name}:")
            schema = FILES[name]["train.jsonl"]
            rows = drop_duplicates(read_sources(folder, SOURCES[name], schema, skip_invalid), schema)
            _write_splits(folder, rows, schema, seed, dry_run)


def main(argv: list[str] | None = None) -> int:
    """Punto de entrada: construye, valida e imprime el resultado."""
    parser = argparse.ArgumentParser(description="Construye los archivos finales de data/ desde los borradores.")
    parser.add_argument("--datos", type=Path, default=None,
                        help="carpeta de datos (por defecto, LATAMLAB_DATOS o data/ del repositorio)")
    parser.add_argument("--solo", choices=["finanzas", "variantes", "corpus", "consumo"], default=None)
    parser.add_argument("--semilla", type=int, default=2025)
    parser.add_argument("--simular", action="store_true", help="no escribe nada; solo dice qué haría")
    parser.add_argument("--saltar-invalidas", action="store_true",
                        help="salta las líneas mal formadas en vez de detenerse")
    args = parser.parse_args(argv)
    root = data_root(args.datos)
    try:
        build(root, args.solo, args.semilla, args.simular, args.saltar_invalidas)
    except DataError as exc:
        print(f"[FALLA] {exc}\nArregla la línea o usa --saltar-invalidas.", file=sys.stderr)
        return 2
    if args.simular:
        return 0
    print("\nValidación:")
    return validate_main(str(root / args.solo) if args.solo else str(root))


if __name__ == "__main__":
    sys.exit(main())
