"""La tabla completa de despliegue (todos los formatos), la curva de poda y la fusión en 4 bits, medidas.

Uso:  .venv/bin/python scripts/medir_despliegue.py [--modelo smollm2-135m-instruct] [--adaptador CARPETA]
          [--formatos fp32,bf16,...] [--textos 50] [--finanzas 16] [--variantes 38] [--poda] [--hilos 1]
          [--carpeta ~/.cache/latamlab/despliegue] [--salida salidas/despliegue.json]
      .venv/bin/python scripts/medir_despliegue.py --compilar     # compila llama-cpp-python una vez (4 min en 2 núcleos libres)

Con `--adaptador`, el adaptador se fusiona en la base en fp32 (`merge_adapter`) y se mide el modelo fusionado;
además se mide la fusión en nf4 frente a fp32 (`merge_gap`). Cada formato se mide en un proceso propio, así la
memoria (RSS) y el tiempo de carga de uno no dependen de los anteriores. Los GGUF se guardan en `--carpeta` y
se reutilizan. El cuaderno 06 mide una versión corta (`latamlab.deploy.table.CPU_FORMATS`, pocos ejemplos).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modelo", default="smollm2-135m-instruct")
    parser.add_argument("--adaptador", type=Path, default=None)
    parser.add_argument("--formatos", default=None, help="separados por comas; por defecto, todos")
    parser.add_argument("--textos", type=int, default=50)
    parser.add_argument("--finanzas", type=int, default=16)
    parser.add_argument("--variantes", type=int, default=38)
    parser.add_argument("--hilos", type=int, default=1)
    parser.add_argument("--poda", action="store_true", help="mide también la curva de poda")
    parser.add_argument("--carpeta", type=Path, default=Path.home() / ".cache" / "latamlab" / "despliegue")
    parser.add_argument("--salida", type=Path, default=Path("salidas/despliegue.json"))
    parser.add_argument("--compilar", action="store_true", help="compila llama-cpp-python en la caché y termina")
    opts = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(opts.hilos)
    os.environ.setdefault("LATAMLAB_PROGRESO", "0")
    if opts.compilar:
        from latamlab.deploy.gguf import build_llama_cpp

        build_llama_cpp()
        return 0
    import torch

    torch.set_num_threads(opts.hilos)
    from latamlab.deploy.table import FORMATS, deployment_table, format_deployment_table
    from latamlab.models.load import resolve_source
    from latamlab.numbers import fmt_number
    from latamlab.runtime.notebook import quiet_libraries

    quiet_libraries()
    formats = opts.formatos.split(",") if opts.formatos else list(FORMATS)
    model_dir = Path(resolve_source(opts.modelo, "cpu")[0])
    opts.carpeta.mkdir(parents=True, exist_ok=True)
    report: dict = {"model": str(model_dir), "threads": opts.hilos, "n": {"texts": opts.textos,
                    "finance": opts.finanzas, "variants": opts.variantes}}
    if opts.adaptador is not None:
        from latamlab.data.loaders import load_corpus
        from latamlab.deploy.merge import merge_adapter, merge_gap
        from latamlab.models.load import load_model

        from latamlab.data.subsets import stratified_subset

        texts = [r["texto"] for r in stratified_subset(list(load_corpus()["test"]), opts.textos)]
        report["merge"] = [merge_gap(model_dir, opts.adaptador, texts, precision=p) for p in ("fp32", "nf4")]
        for gap in report["merge"]:
            diff = fmt_number(gap["max_abs_logit_diff"], 6)
            print(f"fusión en {gap['precision']}: máx. |Δ logit| {diff}, perplejidad "
                  f"{fmt_number(gap['perplexity_unmerged'], 2)} → {fmt_number(gap['perplexity_merged'], 2)}")
        base, tokenizer = load_model(str(model_dir), precision="fp32")
        model_dir = opts.carpeta / "fusionado"
        merge_adapter(base, opts.adaptador, output=model_dir, tokenizer=tokenizer)
    rows = deployment_table(model_dir, formats, n_texts=opts.textos, n_finance=opts.finanzas,
                            n_variants=opts.variantes, work_dir=opts.carpeta, isolate=True)
    print(format_deployment_table(rows))
    report["rows"] = [r.as_dict() for r in rows]
    from latamlab.deploy.gguf import tensor_types

    report["gguf_tensor_types"] = {p.name: tensor_types(p) for p in sorted(opts.carpeta.glob("*.gguf"))}
    for name, types in report["gguf_tensor_types"].items():
        print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in types.items()))
    if opts.poda:
        from latamlab.data.loaders import load_corpus
        from latamlab.data.subsets import stratified_subset
        from latamlab.deploy.prune import pruning_curve

        texts = [r["texto"] for r in stratified_subset(list(load_corpus()["test"]), opts.textos)]
        curve = pruning_curve(model_dir, texts)
        for p in curve:
            print(f"poda {p['kind']} {fmt_number(100 * p['sparsity'], 0)} %: perplejidad "
                  f"{fmt_number(p['perplexity'], 1)}, un pase {fmt_number(1000 * p['forward_s'], 1)} ms")
        report["pruning"] = curve
    opts.salida.parent.mkdir(parents=True, exist_ok=True)
    opts.salida.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"Guardado en {opts.salida}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
