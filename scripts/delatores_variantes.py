"""Cuenta las pistas que delatan la respuesta en ``variantes.jsonl`` y, con ``--detalle``, dice en qué ítems.

Uso::

    python scripts/delatores_variantes.py                     # data/variantes/variantes.jsonl
    python scripts/delatores_variantes.py --detalle otra/variantes.jsonl

Las pistas y sus reglas están en ``latamlab.data.giveaways`` (``leak_report``); las excepciones justificadas,
en ``EXCUSED``, no se cuentan. Devuelve 1 si queda alguna pista.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from latamlab.data.giveaways import PATTERNS, leak_report
from latamlab.data.jsonl import read_jsonl
from latamlab.data.loaders import data_root


def main(argv: list[str] | None = None) -> int:
    """Imprime una línea por pista con su cuenta y, si se pide, los motivos."""
    parser = argparse.ArgumentParser(description="Cuenta las pistas que delatan la respuesta en variantes.")
    parser.add_argument("archivo", type=Path, nargs="?", default=None, help="por defecto, data/variantes/variantes.jsonl")
    parser.add_argument("--detalle", action="store_true", help="muestra el motivo de cada ítem")
    args = parser.parse_args(argv)
    path = args.archivo or data_root() / "variantes" / "variantes.jsonl"
    report = leak_report([r.data for r in read_jsonl(path)])
    for name, reasons in report.items():
        print(f"{PATTERNS[name]}: {len(reasons)}")
        for reason in reasons if args.detalle else []:
            print(f"  {reason}")
    return 1 if any(report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
