"""`make test-gpu`: el modo gpu del curso en una T4 emulada sobre cualquier GPU CUDA, con un solo comando y sin red.

En una máquina con GPU CUDA:

1. Revisa lo que necesita además de PyTorch (transformers, peft, bitsandbytes, trl, datasets, Jupyter…), lo importa
   y dice qué ruedas (*wheels*) llevar si falta algo. ``--ruedas DIR`` instala sin red las de DIR (en una carpeta de
   la salida, sin tocar el Python del sistema).
2. Construye un Qwen2.5-1.5B-Instruct de **pesos aleatorios** con la configuración real que trae el paquete
   (``latamlab/models/configs/qwen2.5-1.5b-instruct.json``), en fp16, con el tokenizador de ``diminuto-qwen2`` (sus
   ids caben en el vocabulario real), y lo guarda en una caché de Hugging Face bajo ``Qwen/Qwen2.5-1.5B-Instruct`` y
   la revisión fijada del catálogo (`simulacion.standin_hub`): los cuadernos lo cargan como al real, sin red. La
   memoria es la real, porque los pesos tienen su tamaño; las respuestas del modelo no significan nada.
3. Corre las pruebas de pytest marcadas ``gpu`` y los cuadernos 03, 04, 05, 06 y 08 en modo gpu, cada uno en un
   kernel nuevo, con la T4 emulada en cada proceso (``scripts/t4_emulada/``: capacidad 7.5, así que fp16; 15 GiB
   de memoria) y pocos pasos de entrenamiento (``LATAMLAB_CAMBIOS_PRESET``). Un cuaderno que falla se informa con
   su celda y su error, y se sigue con el siguiente.
4. Imprime el pico de memoria CUDA y el tiempo de cada parte, una tabla de resumen, y guarda las cifras en
   ``salidas/probar-gpu/informe.json``. Termina con 1 si algo falló. Ningún cuaderno sigue corriendo pasados 8
   minutos desde el comienzo (``--limite-total``): el que se corta o no alcanza a empezar se informa como tal.

Sin GPU CUDA (aquí, en la integración continua) es un ensayo en seco: revisa lo que se puede sin GPU (la
configuración que trae el paquete, los ganchos de la emulación, la lista de cuadernos y de pruebas), dice por qué
se salta y termina con 0.

Uso: ``python scripts/probar_gpu.py [--cuadernos 04 05] [--sin-pruebas] [--sin-cuadernos] [--pasos 6]
[--limite-cuaderno 180] [--limite-total 480] [--ruedas DIR] [--salida DIR] [--seco]``. Lo llama
``make test-gpu``; lo prueba `tests/test_gpu_emulado.py`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / "scripts" / "t4_emulada"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HOOKS))
sys.path.insert(0, str(ROOT / "scripts"))

from simulacion import training_changes  # noqa: E402

from latamlab.numbers import fmt_number  # noqa: E402

HUB_ID = "Qwen/Qwen2.5-1.5B-Instruct"
#: El que carga el cuaderno 03 en la GPU (tres copias en fp32 del 1,5B no caben en una T4).
SMALL_HUB_ID = "Qwen/Qwen2.5-0.5B-Instruct"
QWEN_CONFIG = ROOT / "latamlab" / "models" / "configs" / "qwen2.5-1.5b-instruct.json"
#: Lo que dicen la ficha y el config.json publicados de Qwen2.5-1.5B-Instruct.
DOCUMENTED = {"hidden_size": 1536, "num_hidden_layers": 28, "num_attention_heads": 12, "num_key_value_heads": 2,
              "intermediate_size": 8960, "vocab_size": 151936, "tie_word_embeddings": True,
              "max_position_embeddings": 32768, "rms_norm_eps": 1e-6}
DOCUMENTED_ROPE_THETA = 1e6
NOTEBOOKS = ("03", "04", "05", "06", "08")
TARGET_SECONDS = 8 * 60

#: Lo que necesita además de PyTorch: (módulo, distribución, para qué, imprescindible).
REQUIREMENTS = (
    ("transformers", "transformers", "modelos", True),
    ("peft", "peft", "adaptadores LoRA", True),
    ("accelerate", "accelerate", "carga en la GPU y entrenamiento", True),
    ("bitsandbytes", "bitsandbytes", "4 bits: pruebas gpu y cuadernos 04, 05, 06 y 08", True),
    ("trl", "trl", "entrenar: cuadernos 04 y 08", True),
    ("datasets", "datasets", "datos del curso y modelos diminutos", True),
    ("yaml", "pyyaml", "presets", True),
    ("numpy", "numpy", "todo", True),
    ("tqdm", "tqdm", "barras de progreso", True),
    ("matplotlib", "matplotlib", "gráficos de los cuadernos", True),
    ("pytest", "pytest", "pruebas gpu", True),
    ("nbformat", "nbformat", "leer los cuadernos", True),
    ("jupyter_client", "jupyter-client", "kernels de los cuadernos", True),
    ("ipykernel", "ipykernel", "kernels de los cuadernos", True),
    ("sacrebleu", "sacrebleu", "chrF: cuadernos 04, 05 y 08", False),
    ("rouge_score", "rouge-score", "ROUGE-L: cuadernos 04, 05 y 08", False),
    ("lm_eval", "lm-eval", "arnés de evaluación: cuadernos 05 y 08", False),
    ("torchao", "torchao", "int8 del cuaderno 06", False),
    ("gguf", "gguf", "archivos GGUF del cuaderno 06", False),
)


# --- Lo que se revisa también sin GPU -------------------------------------------------------------------------

def check_config() -> tuple[bool, str]:
    """La configuración que trae el paquete carga como `Qwen2Config` con los tamaños publicados."""
    from transformers import AutoConfig, Qwen2Config

    config = AutoConfig.from_pretrained(QWEN_CONFIG)
    wrong = {k: getattr(config, k, None) for k, v in DOCUMENTED.items() if getattr(config, k, None) != v}
    rope = (getattr(config, "rope_parameters", None) or {}).get("rope_theta", getattr(config, "rope_theta", None))
    if rope != DOCUMENTED_ROPE_THETA:
        wrong["rope_theta"] = rope
    if not isinstance(config, Qwen2Config) or wrong:
        return False, f"{QWEN_CONFIG.name}: {type(config).__name__}, distinto de lo publicado en {wrong}"
    return True, (f"{QWEN_CONFIG.relative_to(ROOT)}: Qwen2Config, {config.num_hidden_layers} capas, ancho "
                  f"{config.hidden_size}, vocabulario {fmt_number(config.vocab_size, 0)}")


def check_hooks(env: dict[str, str]) -> tuple[bool, str]:
    """En un proceso nuevo con ``LATAMLAB_EMULAR_T4=1``, torch dice capacidad 7.5 y el curso elige fp16."""
    import t4_emulada  # noqa: F401  (importable desde aquí también)

    code = ("import torch, t4_emulada; from latamlab.runtime.device import native_bf16; "
            "print(tuple(torch.cuda.get_device_capability()), native_bf16('cuda'))")
    out = subprocess.run([sys.executable, "-c", code], env=env, text=True, capture_output=True, cwd=ROOT)
    ok = out.returncode == 0 and out.stdout.strip().splitlines()[-1:] == ["(7, 5) False"]
    detail = out.stdout.strip()[-200:] or out.stderr.strip()[-300:]
    return ok, f"ganchos de scripts/t4_emulada/: capacidad y bf16 nativo en un proceso nuevo → {detail}"


def check_emulation_on_gpu(env: dict[str, str]) -> tuple[bool, str]:
    """En la GPU, un proceso con la T4 emulada: capacidad 7.5, fp16, 14 GiB caben y 16 GiB no."""
    code = """
import json, torch
from latamlab.quant.presets import compute_dtype_for
from latamlab.runtime.device import native_bf16
fits = {}
for gib in (14, 16):
    try:
        x = torch.empty(gib * 2**30, dtype=torch.uint8, device="cuda")
        del x
        fits[gib] = True
    except torch.OutOfMemoryError:
        fits[gib] = False
    torch.cuda.empty_cache()
print(json.dumps({"capability": list(torch.cuda.get_device_capability()), "bf16": native_bf16("cuda"),
                  "dtype": str(compute_dtype_for("cuda")), "fits": fits}))
"""
    quiet = {k: v for k, v in env.items() if k != "LATAMLAB_T4_PICOS"}
    out = subprocess.run([sys.executable, "-c", code], env=quiet, text=True, capture_output=True, cwd=ROOT)
    try:
        seen = json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return False, f"T4 emulada en la GPU: el proceso de prueba falló: {out.stderr.strip()[-400:]}"
    ok = (seen["capability"] == [7, 5] and seen["bf16"] is False and seen["dtype"] == "torch.float16"
          and seen["fits"] == {"14": True, "16": False})
    return ok, (f"T4 emulada en la GPU: capacidad {seen['capability']}, cálculo {seen['dtype']}, "
                f"¿caben 14 GiB? {seen['fits']['14']}, ¿caben 16 GiB? {seen['fits']['16']}")


def notebook_paths(prefixes: list[str]) -> list[Path]:
    """Las lecciones (no las soluciones) que empiezan por cada prefijo, en orden."""
    found = []
    for prefix in prefixes:
        matches = [p for p in sorted((ROOT / "notebooks").glob(f"{prefix}*.ipynb")) if "_soluciones" not in p.name]
        if len(matches) != 1:
            raise SystemExit(f"`--cuadernos`: «{prefix}» debe nombrar un cuaderno; encontré {len(matches)}.")
        found.append(matches[0])
    return found


def gpu_test_files() -> list[Path]:
    """Los archivos de pruebas con la marca ``gpu``."""
    return [p for p in sorted((ROOT / "tests").glob("test_*.py")) if "mark.gpu" in p.read_text(encoding="utf-8")]


def pins() -> dict[str, str]:
    """Distribución → requisito fijado en pyproject.toml (``bitsandbytes==0.50.2``)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = {}
    for req in re.findall(r'^\s*"([A-Za-z0-9_.-]+(?:==|>=)[^"]*)",?\s*(?:#.*)?$', text, flags=re.M):
        name = re.split(r"[<>=!~]", req, maxsplit=1)[0].lower().replace("_", "-")
        found[name] = req if "==" in req else name
    return found


def requirement_status(env: dict[str, str], real_import: bool) -> dict[str, dict[str, Any]]:
    """Por módulo: versión instalada o el error al importarlo (`real_import`) o al buscarlo."""
    modules = [m for m, *_ in REQUIREMENTS]
    dists = {m: d for m, d, *_ in REQUIREMENTS}
    if not real_import:
        from importlib import metadata

        status = {}
        for module, dist, *_ in REQUIREMENTS:
            if importlib.util.find_spec(module) is None:
                status[module] = {"ok": False, "detail": "no está instalado"}
                continue
            try:
                status[module] = {"ok": True, "detail": metadata.version(dist)}
            except metadata.PackageNotFoundError:
                status[module] = {"ok": True, "detail": "instalado"}
        return status
    code = f"""
import importlib, json
from importlib import metadata
out = {{}}
for m, d in {dists!r}.items():
    try:
        mod = importlib.import_module(m)
        try:
            version = metadata.version(d)
        except metadata.PackageNotFoundError:
            version = str(getattr(mod, "__version__", "instalado"))
        out[m] = {{"ok": True, "detail": version}}
    except Exception as e:
        out[m] = {{"ok": False, "detail": f"{{type(e).__name__}}: {{e}}"[:200]}}
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-c", code], env=env, text=True, capture_output=True, cwd=ROOT)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {m: {"ok": False, "detail": proc.stderr.strip()[-200:]} for m in modules}


def print_requirements(status: dict[str, dict[str, Any]], where: str) -> list[str]:
    """Imprime la tabla de lo que se necesita además de PyTorch; devuelve las distribuciones que faltan."""
    print(f"\nLo que make test-gpu necesita además de PyTorch ({where}):")
    missing = []
    for module, dist, use, essential in REQUIREMENTS:
        item = status[module]
        mark = "[OK]" if item["ok"] else ("[FALLA]" if essential else "[FALTA]")
        print(f"  {mark:8} {dist:15} {item['detail'][:60]:60} {use}")
        if not item["ok"]:
            missing.append(dist)
    if missing:
        wanted = [pins().get(d, d) for d in missing]
        print("  Lleva las ruedas que faltan (su carpeta viaja con el proyecto; ≤ 64 MiB en total) y pásala con "
              "--ruedas (o make test-gpu RUEDAS=DIR). En una máquina con internet:\n"
              f"    pip download --no-deps -d salidas/ruedas {' '.join(wanted)}\n"
              "  [FALLA] = imprescindible; [FALTA] = solo algunas celdas, que fallarán diciendo qué falta.")
    return missing


# --- El modelo sustituto ----------------------------------------------------------------------------------------

def build_standin(dest: Path, tokenizer_dir: Path, device: str = "cuda", num_hidden_layers: int | None = None,
                  hub_id: str = HUB_ID) -> Path:
    """Guarda en `dest` un modelo de pesos aleatorios con la configuración real de `hub_id`, en fp16.

    El Qwen2.5-1.5B-Instruct del modo gpu sale de la configuración que trae el paquete; el Qwen2.5-0.5B-Instruct
    que usa el cuaderno 03 en la GPU, de ``latamlab/memory/architectures.yaml``.

    Args:
        dest: carpeta de salida (se reemplaza).
        tokenizer_dir: carpeta de un tokenizador con plantilla de chat cuyos ids sean < 151 936. Las filas de las
            incrustaciones (compartidas con la capa de salida) de los ids que no tiene quedan en cero, así que el
            modelo genera ids que el tokenizador sabe decodificar.
        device: donde se inicializan los pesos (en la GPU tarda segundos).
        num_hidden_layers: menos capas, solo para probar este script en la CPU.

    Returns:
        `dest`, con ``config.json``, ``generation_config.json``, ``model.safetensors`` y el tokenizador.
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    from latamlab.memory.configs import model_config

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    config = AutoConfig.from_pretrained(QWEN_CONFIG) if hub_id == HUB_ID else model_config(hub_id)
    # Los tokens especiales del tokenizador que viaja con el modelo (los de Qwen no existen en él).
    config.bos_token_id, config.eos_token_id, config.pad_token_id = (
        tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id)
    if num_hidden_layers is not None:
        config.num_hidden_layers = num_hidden_layers
        if getattr(config, "layer_types", None):
            config.layer_types = config.layer_types[:num_hidden_layers]
    shutil.rmtree(dest, ignore_errors=True)
    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float16)
    with torch.no_grad():  # filas fuera del tokenizador en cero: lo generado son ids que el tokenizador conoce
        model.get_input_embeddings().weight[len(tokenizer):] = 0
    model.generation_config = GenerationConfig(eos_token_id=tokenizer.eos_token_id,
                                               pad_token_id=tokenizer.pad_token_id, do_sample=False)
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    del model
    if device != "cpu":
        torch.cuda.empty_cache()
    return dest


def prepare_hub(base: Path) -> tuple[str, float]:
    """Los modelos diminutos en la caché del curso y el sustituto en la de Hugging Face.

    Returns:
        (carpeta de la instantánea del sustituto, segundos).
    """
    from simulacion import standin_hub

    from latamlab.models.offline import local_model_path

    start = time.perf_counter()
    for name in ("diminuto-llama", "diminuto-qwen2"):  # los usan las pruebas y los cuadernos 03 y 05
        local_model_path(name)
    hub, ready = base / "hf" / "hub", base / "hf" / "sustituto-listo.txt"
    if not ready.is_file():  # una corrida anterior en esta máquina ya lo dejó listo
        snapshots = {}
        for hub_id in (HUB_ID, SMALL_HUB_ID):
            shutil.rmtree(hub / ("models--" + hub_id.replace("/", "--")), ignore_errors=True)
            folder = build_standin(base / "sustituto", local_model_path("diminuto-qwen2"), hub_id=hub_id)
            snapshots[hub_id] = standin_hub(hub, {hub_id: folder})[hub_id]
            shutil.rmtree(folder)
        ready.write_text(snapshots[HUB_ID], encoding="utf-8")
    return ready.read_text(encoding="utf-8"), time.perf_counter() - start


# --- Procesos con la T4 emulada ---------------------------------------------------------------------------------

def child_env(base: Path, steps: int, site: Path | None) -> dict[str, str]:
    """El entorno de cada proceso de la verificación: T4 emulada, modo gpu, sin red, cachés de `base`."""
    drop = ("LATAMLAB_DISPOSITIVO", "LATAMLAB_MODO", "LATAMLAB_CACHE", "LATAMLAB_RESULTADOS", "LATAMLAB_DRIVE",
            "HF_HOME", "HF_HUB_CACHE", "TRANSFORMERS_CACHE", "JPY_PARENT_PID")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    paths = [str(HOOKS), *([str(site)] if site else []), str(ROOT)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    env.update({
        "PYTHONPATH": os.pathsep.join(paths), "LATAMLAB_EMULAR_T4": "1", "LATAMLAB_T4_PICOS": str(base / "picos"),
        "LATAMLAB_MODO": "gpu", "HF_HUB_OFFLINE": "1", "HF_HOME": str(base / "hf"),
        "LATAMLAB_CACHE": str(base / "cache"), "LATAMLAB_RESULTADOS": str(base / "trabajo"),
        "LATAMLAB_CAMBIOS_PRESET": json.dumps(training_changes(steps)), "LATAMLAB_PROGRESO": "0",
        "MPLBACKEND": "agg", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    })
    return env


def install_wheels(folder: Path, site: Path) -> None:
    """Instala sin red y sin dependencias las ruedas de `folder` en `site` (no toca el Python del sistema)."""
    files = sorted(p for p in folder.iterdir() if p.suffix == ".whl" or p.name.endswith(".tar.gz"))
    if not files:
        raise SystemExit(f"`--ruedas`: {folder} no tiene ruedas (.whl) ni fuentes (.tar.gz).")
    print(f"Instalando {len(files)} ruedas de {folder} en {site} (sin red, sin dependencias)…", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--upgrade",
                    "--target", str(site), *map(str, files)], check=True)


def subprocess_peaks(folder: Path, before: set[str]) -> list[dict[str, Any]]:
    """Los picos que escribieron al salir los procesos hijos nuevos (los que murieron con SIGKILL no escriben)."""
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json")) if p.name not in before]


def run_tests(files: list[Path], env: dict[str, str], base: Path) -> dict[str, Any]:
    """Las pruebas marcadas ``gpu``, en un proceso de pytest con la T4 emulada."""
    import xml.etree.ElementTree as ET

    peaks, report, log = base / "picos", base / "pytest.xml", base / "pytest.txt"
    before = {p.name for p in peaks.glob("*.json")} if peaks.is_dir() else set()
    cmd = [sys.executable, "-m", "pytest", "-m", "gpu", "-p", "no:cacheprovider", "-q", f"--junitxml={report}",
           *map(str, files)]
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT).returncode
    seconds = time.perf_counter() - start
    counts, failures = {"pasan": 0, "fallan": 0, "se saltan": 0}, []
    if report.is_file():
        for case in ET.parse(report).iter("testcase"):
            problem = case.find("failure") if case.find("failure") is not None else case.find("error")
            if problem is not None:
                counts["fallan"] += 1
                message = (problem.get("message") or "").splitlines()[0][:300] if problem.get("message") else ""
                failures.append(f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}: {message}")
            elif case.find("skipped") is not None:
                counts["se saltan"] += 1
            else:
                counts["pasan"] += 1
    peak = max([p["peak_bytes"] for p in subprocess_peaks(peaks, before)], default=0)
    ok = code == 0
    if not ok and not failures:
        failures.append(f"pytest terminó con {code}: " + log.read_text(encoding="utf-8")[-600:])
    return {"name": "pruebas gpu (pytest)", "ok": ok, "seconds": seconds, "peak_bytes": peak, "counts": counts,
            "failures": failures, "log": str(log)}


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _kernel_peak(client: Any) -> int:
    """El pico de memoria CUDA del kernel (`t4_emulada.peak_bytes`), sin tocar su historial."""
    try:
        reply = client.execute_interactive("", store_history=False, timeout=60,
                                           user_expressions={"pico": "__import__('t4_emulada').peak_bytes()"})
        return int(reply["content"]["user_expressions"]["pico"]["data"]["text/plain"])
    except Exception:  # noqa: BLE001  (un kernel muerto o colgado no tiene cifra)
        return -1


def run_notebook(path: Path, env: dict[str, str], base: Path, limit_s: float) -> dict[str, Any]:
    """Corre `path` de principio a fin en un kernel nuevo; se detiene en la primera celda que falla o se pasa.

    Returns:
        Un dict con ``ok``, ``seconds``, ``peak_bytes`` (del kernel), ``peak_cell`` (la celda donde llegó al pico),
        ``subprocess_peak_bytes``, ``failed_cell``, ``error`` y el tiempo de cada celda.
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = base / "kernels" / "t4"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "T4 emulada", "language": "python"}), encoding="utf-8")
    workdir, peaks = base / "trabajo", base / "picos"
    workdir.mkdir(parents=True, exist_ok=True)
    before = {p.name for p in peaks.glob("*.json")} if peaks.is_dir() else set()
    result: dict[str, Any] = {"name": path.stem, "ok": True, "seconds": 0.0, "peak_bytes": 0, "peak_cell": None,
                              "subprocess_peak_bytes": 0, "failed_cell": None, "error": "", "cells": []}
    manager = KernelManager(kernel_name="t4", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))
    start = time.perf_counter()
    log = (base / "kernels" / f"{path.stem}.log").open("w", encoding="utf-8")  # la salida del proceso del kernel
    manager.start_kernel(cwd=str(workdir), env=env, stdout=log, stderr=subprocess.STDOUT)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
                continue
            left = limit_s - (time.perf_counter() - start)
            errors: list[str] = []

            def keep(msg: dict) -> None:
                if msg["msg_type"] == "error":
                    trace = [_ANSI.sub("", line).strip() for line in msg["content"].get("traceback", [])]
                    where = [t.splitlines()[0] for t in trace[1:-1] if t][-2:]
                    errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}"[:400]
                                  + (f" (en {' → '.join(where)[:300]})" if where else ""))

            t0 = time.perf_counter()
            try:
                if left <= 0:
                    raise TimeoutError
                reply = client.execute_interactive(cell.source, output_hook=keep, timeout=left)
                status = reply["content"]["status"]
            except TimeoutError:
                status, errors = "timeout", [f"se pasó de los {fmt_number(limit_s, 0)} s que tenía este cuaderno "
                                             "(--limite-cuaderno, --limite-total)"]
            peak = _kernel_peak(client) if status != "timeout" else -1
            result["cells"].append({"index": index, "status": status, "seconds": time.perf_counter() - t0,
                                    "peak_bytes": peak})
            if peak > result["peak_bytes"]:
                result["peak_bytes"], result["peak_cell"] = peak, index
            if status != "ok" or errors:
                result.update(ok=False, failed_cell=index, error=" | ".join(errors) or status)
                break
    except Exception as error:  # noqa: BLE001  (el kernel no arrancó o murió: se informa y se sigue)
        result.update(ok=False, error=f"{type(error).__name__}: {error}"[:400])
    finally:
        result["seconds"] = time.perf_counter() - start
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        log.close()
    result["subprocess_peak_bytes"] = max([p["peak_bytes"] for p in subprocess_peaks(peaks, before)], default=0)
    return result


# --- Informe ----------------------------------------------------------------------------------------------------

def _gib(n: int) -> str:
    return "sin dato" if n < 0 else f"{fmt_number(n / 2**30, 2)} GiB"


def print_summary(device: str, parts: list[dict[str, Any]], total_s: float) -> None:
    """La tabla de resumen en español: resultado, pico de memoria CUDA y tiempo de cada parte."""
    print(f"\nResumen · T4 emulada sobre {device} (capacidad 7.5 → fp16; 15 GiB por proceso)")
    print(f"{'parte':32} {'resultado':34} {'pico CUDA':>11} {'tiempo':>9}")
    for part in parts:
        if "counts" in part:
            c = part["counts"]
            verdict = f"{c['pasan']} pasan, {c['fallan']} fallan, {c['se saltan']} se saltan"
        else:
            verdict = ("bien" if part["ok"] else "no corrió" if part["failed_cell"] is None and not part.get("cells")
                       else f"FALLA en la celda {part['failed_cell']}")
        peak = max(part["peak_bytes"], part.get("subprocess_peak_bytes", 0))
        print(f"{part['name'][:32]:32} {verdict[:34]:34} {_gib(peak):>11} {fmt_number(part['seconds'], 0):>7} s")
    for part in parts:
        for failure in part.get("failures", []) or ([f"celda {part['failed_cell']}: {part['error']}"]
                                                    if not part["ok"] else []):
            print(f"  {part['name']}: {failure[:500]}".replace("celda None: ", ""))
    print(f"Tiempo total: {fmt_number(total_s / 60, 1)} min (objetivo: {TARGET_SECONDS // 60} min o menos).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cuadernos", nargs="*", default=list(NOTEBOOKS), help="prefijos de los cuadernos")
    parser.add_argument("--sin-pruebas", action="store_true", help="no corre las pruebas de pytest marcadas gpu")
    parser.add_argument("--sin-cuadernos", action="store_true", help="no corre los cuadernos")
    parser.add_argument("--pasos", type=int, default=6, help="pasos de entrenamiento (max_steps) de los cuadernos")
    parser.add_argument("--limite-cuaderno", type=float, default=180, help="segundos como máximo por cuaderno")
    parser.add_argument("--limite-total", type=float, default=TARGET_SECONDS,
                        help="segundos como máximo de toda la corrida; los cuadernos que no alcanzan no corren")
    parser.add_argument("--ruedas", type=Path, help="carpeta con las ruedas que faltan en la máquina con GPU")
    parser.add_argument("--salida", type=Path, default=ROOT / "salidas" / "probar-gpu")
    parser.add_argument("--seco", action="store_true", help="ensayo en seco aunque haya GPU")
    args = parser.parse_args(argv)
    if args.pasos < 4:
        parser.error(f"`--pasos` debe ser ≥ 4 (el cuaderno 04 corta su corrida y la retoma); recibí {args.pasos}.")
    start = time.perf_counter()
    base = args.salida.resolve()
    notebooks = notebook_paths(args.cuadernos) if not args.sin_cuadernos else []
    tests = gpu_test_files() if not args.sin_pruebas else []

    import torch

    cuda = torch.cuda.is_available() and not args.seco
    site = None
    if cuda and args.ruedas:
        site = base / "sitio"
        install_wheels(args.ruedas.resolve(), site)
        sys.path.insert(0, str(site))
    env = child_env(base, args.pasos, site)

    print("Revisiones de la emulación, la configuración y las listas:")
    checks = [check_config(), check_hooks(env),
              (True, f"cuadernos: {', '.join(p.name for p in notebooks) or 'ninguno'}"),
              (True, f"pruebas gpu: {', '.join(p.name for p in tests) or 'ninguna'}")]
    for ok, message in checks:
        print(f"  {'[OK]' if ok else '[FALLA]'} {message}")
    if cuda:
        ok, message = check_emulation_on_gpu(env)
        print(f"  {'[OK]' if ok else '[FALLA]'} {message}")
        checks.append((ok, message))
    static_ok = all(ok for ok, _ in checks)
    where = "importados en un proceso con la T4 emulada" if cuda else "buscados en este Python, sin importarlos"
    status = requirement_status(env, real_import=cuda)
    missing = print_requirements(status, where)

    if not cuda:
        reason = "ensayo en seco pedido (--seco)" if args.seco else "no hay GPU CUDA aquí"
        listed = f"{', '.join(NOTEBOOKS[:-1])} y {NOTEBOOKS[-1]}"
        print(f"\nmake test-gpu: {reason}; se salta. En una máquina con GPU corre las pruebas `gpu` y los cuadernos "
              f"{listed} con una T4 emulada (fp16, 15 GiB) y un Qwen2.5-1.5B de pesos aleatorios.")
        return 0 if static_ok else 1

    device = torch.cuda.get_device_name(0)
    print(f"\nGPU: {device} · capacidad real {'.'.join(map(str, torch.cuda.get_device_capability(0)))} · "
          f"{fmt_number(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)} GiB; se emula una T4.")
    shutil.rmtree(base / "trabajo", ignore_errors=True)
    shutil.rmtree(base / "picos", ignore_errors=True)
    base.mkdir(parents=True, exist_ok=True)
    os.environ.update({k: env[k] for k in ("LATAMLAB_CACHE", "HF_HOME", "HF_HUB_OFFLINE", "LATAMLAB_PROGRESO")})
    report: dict[str, Any] = {"device": device, "emulated": {"capability": [7, 5], "memory_bytes": 15 * 2**30},
                              "training_changes": training_changes(args.pasos), "requirements": status,
                              "missing": missing, "checks": [m for _, m in checks], "parts": []}
    print("Preparando los modelos diminutos y el Qwen2.5-1.5B de pesos aleatorios…", flush=True)
    try:
        snapshot, seconds = prepare_hub(base)
    except Exception as error:  # noqa: BLE001  (sin modelos no hay nada que correr: se dice por qué y se termina)
        report["error"] = f"{type(error).__name__}: {error}"[:600]
        (base / "informe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"[FALLA] No pude preparar los modelos: {report['error']}")
        return 1
    report.update(standin=snapshot, prepare_seconds=seconds)
    print(f"  listo en {fmt_number(seconds, 0)} s: {HUB_ID} → {snapshot}", flush=True)

    parts = report["parts"]
    if tests:
        print(f"\nPruebas gpu: {' '.join(p.name for p in tests)}", flush=True)
        part = run_tests(tests, env, base)
        parts.append(part)
        counts = ", ".join(f"{n} {word}" for word, n in part["counts"].items())
        print(f"  {counts} · pico {_gib(part['peak_bytes'])} · {fmt_number(part['seconds'], 0)} s", flush=True)
        for failure in part["failures"]:
            print(f"  FALLA {failure}")
    for path in notebooks:
        left = args.limite_total - (time.perf_counter() - start)
        if left < 20:
            parts.append({"name": path.stem, "ok": False, "seconds": 0.0, "peak_bytes": 0, "failed_cell": None,
                          "error": f"no corrió: se acabó el tiempo total ({fmt_number(args.limite_total, 0)} s, "
                                   "--limite-total)"})
            print(f"\nCuaderno {path.name}: {parts[-1]['error']}", flush=True)
            continue
        print(f"\nCuaderno {path.name}…", flush=True)
        part = run_notebook(path, env, base, min(args.limite_cuaderno, left))
        parts.append(part)
        verdict = "bien" if part["ok"] else f"FALLA en la celda {part['failed_cell']}: {part['error']}"
        print(f"  {verdict}", flush=True)
        print(f"  pico del kernel {_gib(part['peak_bytes'])} (celda {part['peak_cell']}) · de sus subprocesos "
              f"{_gib(part['subprocess_peak_bytes'])} · {fmt_number(part['seconds'], 0)} s", flush=True)

    total = time.perf_counter() - start
    report["total_seconds"] = total
    print_summary(device, parts, total)
    (base / "informe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"Cifras en {base / 'informe.json'}")
    failed = [p["name"] for p in parts if not p["ok"]]
    if missing:
        print(f"Faltaban: {', '.join(missing)} (ver arriba qué ruedas llevar).")
    print(f"Partes que fallan: {', '.join(failed) or 'ninguna'}")
    return 1 if failed or not static_ok else 0


if __name__ == "__main__":
    sys.exit(main())
