"""Adaptadores entre dominios: la tabla 2 × 2 (cada adaptador en cada dominio) y un experimento de transferencia.

Uso:  .venv/bin/python scripts/medir_adaptadores.py [--preset cpu] [--pasos 48] [--pasos_consumo 24]
                                                    [--ejemplos_validacion 16] [--salida salidas/adaptadores.json]

Entrena con `latamlab.train.train` y el preset dado (más pasos que en el cuaderno 04):
- un adaptador de finanzas (`--pasos`) y uno de consumo desde cero (`--pasos_consumo`);
- uno de consumo que parte del de finanzas (`init_adapter`), con los mismos pasos que el de consumo.
Luego mide la pérdida de validación de la base, de cada adaptador y del de transferencia en los mismos
`--ejemplos_validacion` ejemplos de cada dominio, imprime la tabla y lo guarda todo en JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--pasos", type=int, default=48)
    parser.add_argument("--pasos_consumo", type=int, default=24)
    parser.add_argument("--ejemplos_validacion", type=int, default=16)
    parser.add_argument("--salida", type=Path, default=Path("salidas/adaptadores.json"))
    opts = parser.parse_args()

    from latamlab.models.load import load_model
    from latamlab.runtime.notebook import quiet_libraries
    from latamlab.train import load_train_config, train
    from latamlab.train.adapters import attach_adapters, cross_domain_losses, format_loss_table
    from latamlab.train.hardware import load_chat_splits

    quiet_libraries()
    base_cfg = load_train_config(opts.preset, max_eval_examples=opts.ejemplos_validacion, save_steps=0,
                                 eval_on_start=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        runs = {
            "finanzas": base_cfg.replace(max_steps=opts.pasos, eval_steps=opts.pasos, output_dir=root / "finanzas"),
            "consumo": base_cfg.replace(dataset="consumo", max_steps=opts.pasos_consumo, eval_steps=opts.pasos_consumo,
                                        output_dir=root / "consumo"),
        }
        results = {name: train(cfg) for name, cfg in runs.items()}
        transfer_cfg = runs["consumo"].replace(init_adapter=results["finanzas"].adapter_dir,
                                               output_dir=root / "transferencia")
        results["consumo desde finanzas"] = train(transfer_cfg)
        model, tokenizer = load_model(base_cfg.model, precision=base_cfg.precision, mode=base_cfg.mode)
        model = attach_adapters(model, {name: r.adapter_dir for name, r in results.items()})
        datasets = {d: load_chat_splits(base_cfg.replace(dataset=d))[1] for d in ("finanzas", "consumo")}
        table = cross_domain_losses(model, tokenizer, datasets, base_cfg)

    from latamlab.numbers import fmt_number

    print(f"\nPérdida de validación ({opts.ejemplos_validacion} ejemplos por dominio), preset {opts.preset}; "
          f"finanzas {opts.pasos} pasos, consumo {opts.pasos_consumo} pasos:")
    print(format_loss_table(table))
    moved, scratch = results["consumo desde finanzas"], results["consumo"]
    print(f"Transferencia en consumo, {opts.pasos_consumo} pasos: desde cero {fmt_number(scratch.start_eval_loss, 3)} → "
          f"{fmt_number(scratch.eval_loss, 3)} · desde finanzas {fmt_number(moved.start_eval_loss, 3)} → "
          f"{fmt_number(moved.eval_loss, 3)}")
    opts.salida.parent.mkdir(parents=True, exist_ok=True)
    opts.salida.write_text(json.dumps({
        "preset": opts.preset, "steps": {"finanzas": opts.pasos, "consumo": opts.pasos_consumo},
        "eval_examples": opts.ejemplos_validacion, "table": table,
        "runs": {name: {"start_eval_loss": r.start_eval_loss, "eval_loss": r.eval_loss, "seconds": r.seconds,
                        "global_step": r.global_step} for name, r in results.items()},
    }, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"Guardado en {opts.salida}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
