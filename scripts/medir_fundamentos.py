"""Mide las cifras del issue de fundamentos e imprime una tabla (y la guarda en JSON).

Uso:  .venv/bin/python scripts/medir_fundamentos.py [--salida salidas/fundamentos.json]

- `latamlab preparar` con la caché vacía (en una carpeta temporal), en segundos;
- carga del modelo del modo cpu en nf4 desde la caché: proceso completo y solo `load_model`;
- huella nf4 / bf16;
- normas de los gradientes LoRA: modelo recién cargado, tras `generate()` con la guarda y sin ella;
- `latamlab entorno --json` es JSON válido.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOAD = """
import time; t0 = time.perf_counter()
from latamlab.runtime.notebook import quiet_libraries; quiet_libraries()
from latamlab.models.load import load_model
t1 = time.perf_counter(); load_model("smollm2-135m-instruct", precision="nf4"); t2 = time.perf_counter()
print(f"{t2 - t0:.2f} {t2 - t1:.2f}")
"""
GRADS = """
import json, torch
from latamlab.runtime.notebook import quiet_libraries; quiet_libraries()
import bitsandbytes as bnb
from peft import LoraConfig, get_peft_model
from latamlab.models.load import load_model
def norm(generate, guard):
    model, tok = load_model("smollm2-135m-instruct", precision="nf4", device="cpu")
    for m in model.modules():
        if isinstance(m, bnb.nn.Linear4bit):
            m.support_avx512bf16_for_cpu = not guard
    if generate:
        with torch.no_grad():
            model.eval(); model.generate(**tok("Hola", return_tensors="pt"), max_new_tokens=3, do_sample=False)
    torch.manual_seed(0)
    peft = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"])); peft.train()
    batch = tok("La inflación en Colombia se mide con el IPC.", return_tensors="pt")
    peft(**batch, labels=batch["input_ids"]).loss.backward()
    grads = [p.grad for n, p in peft.named_parameters() if "lora_B" in n]
    return float(torch.sqrt(sum((g.float() ** 2).sum() for g in grads if g is not None) or torch.tensor(0.0)))
print(json.dumps({"recien_cargado": norm(False, True), "tras_generate_con_guarda": norm(True, True),
                  "tras_generate_sin_guarda": norm(True, False)}))
"""


def _python(code: str, env: dict | None = None) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return out.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--salida", default=str(ROOT / "salidas" / "fundamentos.json"))
    args = parser.parse_args()
    results: dict = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "LATAMLAB_CACHE": cache, "LATAMLAB_PROGRESO": "0"}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "latamlab.cli", "preparar"], env=env, check=True, capture_output=True)
        results["preparar_cache_vacia_s"] = round(time.perf_counter() - start, 1)
    total, only_load = map(float, _python(LOAD).split())
    results["carga_nf4_proceso_completo_s"] = total
    results["carga_nf4_solo_load_model_s"] = only_load
    results["huella_mib"] = json.loads(_python(
        "import json; from latamlab.runtime.notebook import quiet_libraries; quiet_libraries()\n"
        "from latamlab.models.load import load_model\n"
        "print(json.dumps({p: load_model('smollm2-135m-instruct', precision=p)[0].get_memory_footprint() / 2**20"
        " for p in ['bf16', 'nf4']}))"))
    results["proporcion_nf4_bf16"] = round(results["huella_mib"]["nf4"] / results["huella_mib"]["bf16"], 4)
    results["normas_gradiente_lora"] = json.loads(_python(GRADS))
    entorno = subprocess.run([sys.executable, "-m", "latamlab.cli", "entorno", "--json"], capture_output=True,
                             text=True, check=True)
    results["entorno_json_valido"] = isinstance(json.loads(entorno.stdout), dict)
    for key, value in results.items():
        print(f"{key}: {value}")
    Path(args.salida).parent.mkdir(parents=True, exist_ok=True)
    Path(args.salida).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"Guardado en {args.salida}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
