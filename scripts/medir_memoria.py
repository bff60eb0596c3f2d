"""Estimación contra medición exacta de la memoria de entrenamiento, en CPU (cuaderno 07).

Para cada arquitectura × {full, lora, qlora} × {con, sin gradient checkpointing} imprime la estimación
de `latamlab.memory.estimate_memory`, el libro exacto de un paso real (`measure_training_step`) y el
error; después compara la memoria de solo cargar los pesos con `model.get_memory_footprint()` en cada
precisión. Escribe todo en JSON.

    python scripts/medir_memoria.py                       # por defecto: 5 arquitecturas, carga sin Qwen
    python scripts/medir_memoria.py --completo            # y la carga de Qwen2.5-0.5B entero (24 capas)
    python scripts/medir_memoria.py --rapido              # solo los modelos diminutos (≈ 15 s)
    python scripts/medir_memoria.py --salida memoria.json
    python scripts/medir_memoria.py --dispositivo cuda --salida resultados/memoria-GPU-FECHA.json  # en una GPU:
        # suma el pico de torch.cuda.max_memory_allocated de cada paso (guárdalo en el repositorio con su fecha)
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

import torch

from latamlab.memory.configs import model_config, shrink_depth
from latamlab.memory.estimate import loading_bytes
from latamlab.memory.validate import compare_step
from latamlab.numbers import fmt_number
from latamlab.quant.presets import TORCH_DTYPES
from latamlab.runtime.notebook import quiet_libraries

MIB = 2**20


def architectures(fast: bool) -> list[tuple[str, object, str]]:
    """(nombre, configuración, tipo de cálculo). Los del hub, con pesos aleatorios y menos capas."""
    tiny = [("diminuto-llama", model_config("diminuto-llama"), "fp32"),
            ("diminuto-qwen2", model_config("diminuto-qwen2"), "bf16")]
    if fast:
        return tiny
    salamandra = shrink_depth(model_config("salamandra-2b-instruct"), 2)
    # Como Salamandra (vocabulario de 256 000 sin compartir), más angosta para caber en esta máquina.
    salamandra.hidden_size, salamandra.intermediate_size = 512, 1360
    salamandra.num_attention_heads = salamandra.num_key_value_heads = 4
    salamandra.head_dim = 128
    return [*tiny,
            ("smollm2-135m (Llama, 30 capas)", model_config("smollm2-135m-instruct"), "fp32"),
            ("qwen2.5-0.5b (2 de 24 capas)", shrink_depth(model_config("qwen2.5-0.5b-instruct"), 2), "fp32"),
            ("tipo salamandra (vocab. 256 000, 2 capas, ancho 512)", salamandra, "bf16")]


def training_table(fast: bool, batch_size: int, max_length: int, workdir: Path, device: str = "cpu") -> list[dict]:
    rows = []
    peak = f" {'pico CUDA MiB':>14} {'pico estimado MiB':>18}" if device == "cuda" else ""
    print(f"{'arquitectura':<52} {'método':<6} {'ckpt':<4} {'estimado MiB':>13} {'medido MiB':>11} {'error %':>8}{peak}")
    for name, config, dtype in architectures(fast):
        for method in ("full", "lora", "qlora"):
            for checkpointing in (False, True):
                comparison = compare_step(name, config, method, checkpointing, batch_size, max_length, dtype,
                                          lora_dropout=0.05, workdir=workdir, device=device)
                row = {**comparison.to_dict(), "dtype": dtype}
                rows.append(row)
                if device == "cuda":
                    with_peaks = comparison.estimate.counted + comparison.estimate.temporary
                    peak = f" {fmt_number(row['peak_allocated'] / MIB):>14} {fmt_number(with_peaks / MIB):>18}"
                print(f"{name:<52} {method:<6} {'sí' if checkpointing else 'no':<4} "
                      f"{fmt_number(row['estimated_total'] / MIB):>13} {fmt_number(row['measured_total'] / MIB):>11} "
                      f"{fmt_number(row['error_percent'], 2):>8}{peak}")
    return rows


def loading_table(fast: bool, workdir: Path, complete: bool = False) -> list[dict]:
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    from latamlab.models.load import guard_cpu_4bit
    from latamlab.models.offline import local_model_path

    sources = [("diminuto-llama", local_model_path("diminuto-llama"))]
    if not fast:
        sources.append(("smollm2-135m-instruct", local_model_path("smollm2-135m-instruct")))
    if complete:
        qwen = workdir / "qwen2.5-0.5b"
        torch.manual_seed(0)
        AutoModelForCausalLM.from_config(model_config("qwen2.5-0.5b-instruct"), dtype=torch.bfloat16).save_pretrained(qwen)
        sources.append(("qwen2.5-0.5b (aleatorio, 24 capas)", qwen))
    rows = []
    print(f"\n{'modelo':<36} {'precisión':<9} {'estimado MiB':>13} {'get_memory_footprint MiB':>25} {'error %':>8}")
    for name, folder in sources:
        for precision in ("nf4", "fp4", "int8", "bf16", "fp16", "fp32"):
            quant = None
            if precision in ("nf4", "fp4"):
                quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=precision,
                                           bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=torch.bfloat16)
            elif precision == "int8":
                quant = BitsAndBytesConfig(load_in_8bit=True)
            dtype = TORCH_DTYPES.get(precision, torch.bfloat16)
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, quantization_config=quant,
                                                         device_map={"": "cpu"})
            if quant is not None:
                guard_cpu_4bit(model)
            footprint = model.get_memory_footprint()
            estimate = loading_bytes(folder, precision, "bf16")
            error = 100 * (estimate / footprint - 1)
            rows.append({"model": name, "precision": precision, "estimated": estimate, "footprint": footprint,
                         "error_percent": error})
            print(f"{name:<36} {precision:<9} {fmt_number(estimate / MIB):>13} {fmt_number(footprint / MIB):>25} "
                  f"{fmt_number(error, 2):>8}")
            del model
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rapido", action="store_true", help="solo los modelos diminutos (segundos)")
    parser.add_argument("--completo", action="store_true", help="suma la carga de Qwen2.5-0.5B con sus 24 capas")
    parser.add_argument("--batch_size", type=int, default=2)
    parser.add_argument("--max_length", type=int, default=64)
    parser.add_argument("--dispositivo", choices=("cpu", "cuda"), default="cpu",
                        help="cuda: mide también el pico de torch.cuda.max_memory_allocated de cada paso")
    parser.add_argument("--salida", type=Path, default=Path("salidas/medir_memoria.json"))
    args = parser.parse_args()
    quiet_libraries()
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="latamlab-memoria-") as tmp:
        training = training_table(args.rapido, args.batch_size, args.max_length, Path(tmp), args.dispositivo)
        loading = loading_table(args.rapido, Path(tmp), args.completo)
    seconds = time.perf_counter() - start
    worst = max(abs(r["error_percent"]) for r in training)
    worst_loading = max(abs(r["error_percent"]) for r in loading)
    print(f"\nPeor error del entrenamiento: {fmt_number(worst, 2)} % (meta: 10 %) · de la carga: "
          f"{fmt_number(worst_loading, 2)} % (meta: 3 %) · {fmt_number(seconds, 0)} s")
    args.salida.parent.mkdir(parents=True, exist_ok=True)
    args.salida.write_text(json.dumps({
        "date": date.today().isoformat(), "machine": platform.processor() or platform.machine(),
        "gpu": torch.cuda.get_device_name() if args.dispositivo == "cuda" else None,
        "torch": torch.__version__, "batch_size": args.batch_size, "max_length": args.max_length,
        "training": training, "loading": loading, "seconds": seconds}, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"Escrito {args.salida}")


if __name__ == "__main__":
    main()
