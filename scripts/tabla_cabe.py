"""Escribe la tabla «¿cabe?» de todo el catálogo × GPU × método (cuaderno 07) en JSON y la imprime.

    python scripts/tabla_cabe.py --salida salidas/tabla_cabe.json --max_length 512
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from latamlab.memory.fit_table import fit_table
from latamlab.memory.gpus import price_as_of
from latamlab.numbers import fmt_number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max_length", type=int, default=512)
    parser.add_argument("--batch_size", type=int, default=1)
    parser.add_argument("--salida", type=Path, default=Path("salidas/tabla_cabe.json"))
    args = parser.parse_args()
    rows = fit_table(batch_size=args.batch_size, max_length=args.max_length)
    print(f"{'modelo':<24} {'GPU':<8} {'método':<6} {'GiB':>8}  veredicto")
    for r in rows:
        verdict = (f"cabe (lote máx. {r['max_batch_size']})" if r["fits"] else
                   f"{r['gpus']} GPU con {r['stage']}" if r["gpus"] else "no cabe ni en 64")
        print(f"{r['model']:<24} {r['gpu']:<8} {r['method']:<6} {fmt_number(r['total_gib'], 1):>8}  {verdict}")
    args.salida.parent.mkdir(parents=True, exist_ok=True)
    args.salida.write_text(json.dumps({"max_length": args.max_length, "batch_size": args.batch_size,
                                       "prices_as_of": price_as_of(), "rows": rows}, indent=2, ensure_ascii=False),
                           encoding="utf-8")
    print(f"Escrito {args.salida}")


if __name__ == "__main__":
    main()
