"""`latamlab evaluar --task variants` frente al comando `lm_eval`: misma carpeta de modelo, mismas preguntas.

Uso:  .venv/bin/python scripts/comparar_lm_eval.py [--model smollm2-135m-instruct] [--limit 20]
                                                   [--batch_size 8] [--salida salidas/comparar_lm_eval.json]

Corre las dos vías sobre la carpeta local del modelo en fp32:
- el comando ``lm_eval --model hf --model_args pretrained=CARPETA,dtype=float32 --include_path
  data/variantes/lm_eval --tasks variantes_latam_mc --limit N --log_samples``;
- `latamlab.evaluation.command.evaluate` (lo mismo que ``latamlab evaluar --task variants --limit N``), que
  usa la API de Python de lm-eval con el modelo ya en memoria.
Imprime acc y acc_norm lado a lado, la mayor diferencia de log-verosimilitud por opción y pregunta, y sale con
código 1 si acc o acc_norm difieren en más de 1e-6.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TOLERANCE = 1e-6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m-instruct", help="nombre del catálogo o carpeta local")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--batch_size", type=int, default=8)
    parser.add_argument("--salida", type=Path, default=Path("salidas/comparar_lm_eval.json"))
    opts = parser.parse_args()

    from latamlab.evaluation.command import evaluate
    from latamlab.evaluation.harness import MC_TASK, item_rows, lm_eval_command, run_lm_eval_command
    from latamlab.models.load import resolve_source
    from latamlab.numbers import fmt_number, fmt_sci
    from latamlab.runtime.notebook import quiet_libraries

    from latamlab.data.loaders import load_variants
    from latamlab.data.subsets import stratified_positions

    quiet_libraries()
    folder, revision = resolve_source(opts.model)
    samples = stratified_positions(list(load_variants()), opts.limit)  # las de `evaluate(limit=…)`, por país
    with tempfile.TemporaryDirectory() as tmp:
        print("Comando:", " ".join(lm_eval_command(folder, [MC_TASK], tmp, samples=samples,
                                                    batch_size=opts.batch_size, revision=revision)), flush=True)
        _, results, logged = run_lm_eval_command(folder, [MC_TASK], tmp, samples=samples,
                                                 batch_size=opts.batch_size, revision=revision)
    cli = {m: results["results"][MC_TASK][f"{m},none"] for m in ("acc", "acc_norm")}
    cli_rows = item_rows(logged[MC_TASK])
    ours = evaluate(model=folder, task="variants", limit=opts.limit, precision="fp32",
                    batch_size=opts.batch_size)["variants"]
    same_items = [r["id"] for r in ours["items"]] == [r["id"] for r in cli_rows]
    max_diff = max(abs(a - b) for mine, theirs in zip(ours["items"], cli_rows)
                   for a, b in zip(mine["loglik"], theirs["loglik"]))
    print(f"\nModelo: {folder} · {fmt_number(len(cli_rows), 0)} preguntas de {MC_TASK}")
    print(f"{'métrica':<10} {'lm_eval (comando)':>18} {'latamlab evaluar':>18} {'diferencia':>12}")
    ok = same_items
    for metric in ("acc", "acc_norm"):
        diff = abs(cli[metric] - ours["lm_eval"][metric])
        ok &= diff <= TOLERANCE
        print(f"{metric:<10} {fmt_number(cli[metric], 6):>18} {fmt_number(ours['lm_eval'][metric], 6):>18} "
              f"{fmt_sci(diff):>12}")
    print(f"Mayor diferencia de log-verosimilitud por opción: {fmt_sci(max_diff)} · mismas preguntas: "
          f"{'sí' if same_items else 'no'}")
    print("Iguales a 1e-6." if ok else "DISTINTOS: revisa el modelo, la precisión y las preguntas.")
    opts.salida.parent.mkdir(parents=True, exist_ok=True)
    summary = {"model": folder, "limit": opts.limit, "lm_eval": cli, "latamlab": ours["lm_eval"],
               "max_loglik_diff": max_diff, "same_items": same_items, "equal": ok}
    opts.salida.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
