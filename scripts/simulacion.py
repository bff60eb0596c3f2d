"""Colab simulado en la CPU: cada cuaderno en su propio entorno de ejecución, en modo gpu, como lo corre un estudiante.

Qué reproduce de Colab (ver `../shared/colab/`):
- **Su pila**: un entorno virtual con los paquetes de la lista publicada de Colab (`pip-freeze-*.txt`) que el curso
  instala (todas sus dependencias) y los preinstalados que dependen de ellos (gradio, diffusers…), a las versiones de
  Colab; torch es la rueda CPU local (Colab trae 2.11+cu128). Python es el de esta máquina (3.11), no el 3.13 de
  Colab. Cada simulación arma uno nuevo con `uv` (segundos, desde su caché), así que nada de una anterior cuenta.
- **La celda de instalación real** de cada cuaderno, apuntada al *commit* actual (`LATAMLAB_RELEASE_URL/REF`),
  y `pip check` antes y después: lo que el curso rompa de Colab aparece como conflicto nuevo.
- **Un entorno de ejecución nuevo por cuaderno**: kernel nuevo, carpeta de trabajo vacía (``/content``), caché de
  latamlab vacía. Lo único que pasa de un cuaderno a otro es el Drive simulado: un sustituto de ``google.colab``
  cuyo ``drive.mount`` enlaza el punto de montaje con una carpeta que persiste. (Los paquetes instalados sí
  persisten entre cuadernos, para no reinstalar dieciocho veces; la celda de instalación corre igual.)
- **El modo gpu**, con los ids del hub del catálogo (y su revisión fijada) servidos sin internet desde una caché de
  Hugging Face que guarda modelos sustitutos pequeños bajo esos mismos ids, y el cálculo en la CPU por
  ``LATAMLAB_DISPOSITIVO=cpu``. La colocación en la GPU y la memoria de una T4 las prueba `make test-gpu`.

Uso: ``python scripts/simulacion.py [--modo gpu|cpu] [--cuadernos 03 04 …] [--freeze gpu|cpu] [--salida DIR]``.
Lo usa `tests/test_colab_simulado.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SHARED_COLAB = ROOT.parent / "shared" / "colab"
TORCH = os.environ.get("TORCH", "torch==2.13.0")

#: Paquetes de Colab que el entorno simulado instala a su versión de Colab, además de las dependencias del curso
#: (`course_closure`): Jupyter, que Colab trae, y los preinstalados que dependen de lo que el curso mueve
#: (gradio, gradio-client y diffusers piden huggingface-hub < 2).
COLAB_EXTRAS = ("ipykernel", "ipywidgets", "jupyter-client", "gradio", "gradio-client", "diffusers")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def course_closure(root: str = "latamlab") -> set[str]:
    """Los nombres de todo lo que instala el curso (sus dependencias y las de ellas, sin extras), leídos del
    entorno donde corre este programa (el curso instalado, como en `make test`)."""
    import importlib.metadata as md
    from packaging.requirements import Requirement

    seen, todo = set(), [root]
    while todo:
        name = _norm(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for line in requires:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen - {_norm(root)}


#: Modelos sustitutos: id del hub → modelo local que se guarda bajo ese id (y la revisión fijada del catálogo).
STANDINS = {"Qwen/Qwen2.5-1.5B-Instruct": "diminuto-qwen2", "Qwen/Qwen2.5-0.5B-Instruct": "diminuto-qwen2"}

#: Pasos de entrenamiento de los presets en la simulación (el 08 calcula los suyos por épocas).
SHORT_STEPS = 6

#: Orden de un curso: cada lección y luego sus soluciones.
COURSE = [p.name for p in sorted(NOTEBOOKS.glob("0*.ipynb"))]

GOOGLE_COLAB_STUB = '''"""Sustituto de google.colab para la simulación: `drive.mount` enlaza el punto de montaje con el Drive simulado."""
'''
DRIVE_STUB = '''"""Sustituto de google.colab.drive: el Drive simulado es la carpeta de LATAMLAB_SIM_DRIVE."""
import os
from pathlib import Path


def mount(mountpoint, force_remount=False, timeout_ms=120000, readonly=False):
    target = Path(os.environ["LATAMLAB_SIM_DRIVE"])
    (target / "MyDrive").mkdir(parents=True, exist_ok=True)
    point = Path(mountpoint)
    point.parent.mkdir(parents=True, exist_ok=True)
    if point.is_symlink():
        point.unlink()
    point.symlink_to(target, target_is_directory=True)
    print(f"Mounted at {mountpoint}")
'''


def training_changes(steps: int) -> dict[str, Any]:
    """Los cambios al preset ``t4`` para las verificaciones (esta simulación y `make test-gpu`): pocos pasos, mismo
    lote y largo (misma memoria).

    Con ``save_steps = steps // 3`` el cuaderno 04 corta su corrida en el paso ``2 * save_steps + 1`` y la continúa
    desde un punto de control, como en una desconexión real; ``logging_steps = 1`` le deja ver cada paso.
    Con ``max_train_examples = 32`` el cuaderno 08, que calcula sus pasos para ≈ 2 épocas de los ejemplos que usa
    (`latamlab.data.country.steps_for_epochs`), entrena 4 pasos en vez de cientos.
    """
    save = max(1, steps // 3)
    return {"max_steps": steps, "save_steps": save, "eval_steps": max(1, steps // 2), "logging_steps": 1,
            "warmup_steps": 1, "max_train_examples": 32, "max_eval_examples": 8}


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs)


#: Paquetes de la lista de Colab que no se fijan: torch 2.13 (la rueda CPU local) pide setuptools >= 77 y Colab trae
#: 75.2 (su torch 2.11 no lo pide); fijarlo haría que pip bajara a un torch de CUDA que sí lo acepte.
UNPINNED = ("setuptools",)


def freeze_pins(freeze: Path, names: set[str] | None = None) -> list[str]:
    """Las líneas ``nombre==versión`` de la lista de Colab para `names` (por defecto, lo que instala el curso y
    `COLAB_EXTRAS`), sin torch, sin las bibliotecas de CUDA (torch es la rueda CPU local) ni `UNPINNED`."""
    wanted = {_norm(n) for n in (names if names is not None else course_closure() | set(COLAB_EXTRAS))}
    wanted = {n for n in wanted if n != "torch" and n not in UNPINNED and not n.startswith(("nvidia-", "cuda-", "triton"))}
    pins = []
    for line in freeze.read_text(encoding="utf-8").splitlines():
        if "==" not in line or line.startswith("#"):
            continue
        name, version = line.split("==", 1)
        if _norm(name) in wanted:
            pins.append(f"{name}=={version.split('+')[0].strip()}")
    return pins


def pip_check(python: Path) -> set[str]:
    """Las líneas de `pip check`: los conflictos entre paquetes instalados."""
    out = subprocess.run([str(python), "-m", "pip", "check"], text=True, capture_output=True)
    return {line.strip() for line in out.stdout.splitlines() if line.strip() and "No broken" not in line}


def same_course_pins() -> bool:
    """Si las listas de Colab con GPU y sin GPU fijan las mismas versiones de todo lo que instala el curso."""
    return freeze_pins(SHARED_COLAB / "pip-freeze-gpu.txt") == freeze_pins(SHARED_COLAB / "pip-freeze-cpu.txt")


def torch_wheel() -> Path:
    """La rueda CPU local de torch (`TORCH`), buscada en los ``find-links`` de la configuración de pip."""
    version = TORCH.split("==", 1)[1]
    out = subprocess.run([sys.executable, "-m", "pip", "config", "list"], text=True, capture_output=True).stdout
    folders = [f for line in out.splitlines() if "find-links" in line
               for f in line.split("=", 1)[1].strip().strip("'\"").split()]
    for folder in folders + os.environ.get("PIP_FIND_LINKS", "").split():
        found = sorted(Path(folder).glob(f"torch-{version}+cpu-*.whl")) + sorted(Path(folder).glob(f"torch-{version}-*.whl"))
        if found:
            return found[0]
    raise SystemExit(f"No encuentro la rueda CPU de {TORCH} en los find-links de pip ({folders or 'ninguno'}): sin ella, "
                     "pip bajaría un torch de CUDA. Pon la carpeta de la rueda en PIP_FIND_LINKS.")


def colab_venv(folder: Path, freeze: Path) -> Path:
    """Crea en `folder` un entorno nuevo con la pila de Colab de `freeze`; devuelve su Python.

    Lo arma `uv` (el ejecutable junto a este Python), que enlaza los paquetes desde su caché: ≈ 10 s y casi nada de
    disco con la caché llena. pip, a la versión de Colab, queda dentro para la celda de instalación (``%pip``).
    """
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        raise SystemExit("Falta `uv` (está en las dependencias de prueba: `make install-test`).")
    shutil.rmtree(folder, ignore_errors=True)
    run([uv, "venv", "-q", "--python", sys.executable, str(folder)])
    python = folder / "bin" / "python"
    pip_pin = next((line.strip() for line in freeze.read_text(encoding="utf-8").splitlines()
                    if line.lower().startswith("pip==")), "pip")
    run([uv, "pip", "install", "-q", "--python", str(python), str(torch_wheel()), pip_pin, *freeze_pins(freeze)])
    return python


def standin_hub(cache: Path, standins: dict[str, str | Path] = STANDINS) -> dict[str, str]:
    """Guarda modelos locales bajo ids del hub en una caché de Hugging Face, como los deja una descarga fijada.

    Con revisión fijada en el catálogo, solo existe ``snapshots/<revisión>`` (una descarga por *commit* no escribe
    ``refs/main``); sin revisión, una instantánea con ``refs/main``, como una descarga de la rama principal.

    Args:
        cache: la carpeta ``hub`` de la caché (``$HF_HOME/hub``).
        standins: id del hub → nombre de un modelo local del catálogo (``str``) o carpeta de un modelo (``Path``;
            la usa `scripts/probar_gpu.py`). Una instantánea que ya tiene ``config.json`` no se vuelve a copiar.

    Returns:
        id del hub → carpeta de su instantánea.
    """
    from latamlab.models.catalog import find_card
    from latamlab.models.offline import local_model_path

    made = {}
    for hub_id, local in standins.items():
        card = find_card(hub_id)
        revision = card.revision if card is not None and card.revision else "0" * 40
        repo = cache / ("models--" + hub_id.replace("/", "--"))
        snapshot = repo / "snapshots" / revision
        if not (snapshot / "config.json").is_file():
            shutil.rmtree(repo, ignore_errors=True)
            shutil.copytree(local if isinstance(local, Path) else local_model_path(local), snapshot,
                            ignore=shutil.ignore_patterns("latamlab_completo.json"))
            if card is None or not card.revision:
                (repo / "refs").mkdir(parents=True)
                (repo / "refs" / "main").write_text(revision, encoding="utf-8")
        made[hub_id] = str(snapshot)
    return made


def share_built_models(store: Path, models: Path, into_runtime: bool) -> None:
    """Pasa los modelos que el curso construye con su propio código (origen ``local``: diminuto-llama, diminuto-qwen2)
    entre entornos de ejecución: del almacén a la caché de un entorno nuevo (`into_runtime`) o de vuelta.

    En Colab cada entorno los vuelve a construir (≈ 40 s cada uno en un núcleo), como vuelve a descargar los del hub
    (aquí también compartidos, en ``hf/``). Compartirlos solo ahorra ese tiempo: un modelo que falta se construye al
    pedirlo, así que ningún cuaderno puede depender de que otro lo haya dejado. Los de PyPI o del hub no pasan.
    """
    from latamlab.models.catalog import catalog

    local = {card.name for card in catalog().values() if card.source == "local"}
    source, target = (store, models) if into_runtime else (models, store)
    for name in sorted(local):
        if (source / name).is_dir() and not (target / name).exists():
            shutil.copytree(source / name, target / name)


def head() -> str:
    return run(["git", "rev-parse", "HEAD"], cwd=ROOT).stdout.strip()


@dataclass
class CellResult:
    index: int
    status: str
    seconds: float
    error: str = ""
    stderr: str = ""
    stdout: str = ""


@dataclass
class NotebookResult:
    name: str
    seconds: float
    ok: bool
    failed_cell: int | None = None
    error: str = ""
    stderr: list[str] = field(default_factory=list)
    cells: list[CellResult] = field(default_factory=list)


def _execute(client, code: str, timeout: float) -> tuple[str, list[dict]]:
    outputs: list[dict] = []

    def keep(msg):
        if msg["msg_type"] in ("stream", "error", "execute_result", "display_data"):
            outputs.append({"type": msg["msg_type"], **msg["content"]})

    reply = client.execute_interactive(code, output_hook=keep, timeout=timeout)
    return reply["content"]["status"], outputs


def run_notebook(python: Path, notebook: Path, workdir: Path, env: dict[str, str],
                 cell_timeout: float = 900) -> NotebookResult:
    """Corre `notebook` de principio a fin en un kernel nuevo de `python`, con carpeta de trabajo `workdir` vacía.

    Se detiene en la primera celda que falla (como «Ejecutar todo» en Colab).
    """
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = workdir.parent / "kernels" / "colab"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "colab", "language": "python"}), encoding="utf-8")
    workdir.mkdir(parents=True, exist_ok=True)
    manager = KernelManager(kernel_name="colab", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))
    manager.start_kernel(cwd=str(workdir), env=env)
    client = manager.client()
    client.start_channels()
    result = NotebookResult(name=notebook.name, seconds=0.0, ok=True)
    start = time.perf_counter()
    try:
        client.wait_for_ready(timeout=120)
        cells = nbformat.read(notebook, as_version=4).cells
        for index, cell in enumerate(cells):
            if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
                continue
            t0 = time.perf_counter()
            status, outputs = _execute(client, cell.source, cell_timeout)
            stderr = "".join(o.get("text", "") for o in outputs if o["type"] == "stream" and o.get("name") == "stderr")
            error = "\n".join(f"{o['ename']}: {o['evalue']}" for o in outputs if o["type"] == "error")
            stdout = "".join(o.get("text", "") for o in outputs if o["type"] == "stream" and o.get("name") == "stdout")
            result.cells.append(CellResult(index, status, time.perf_counter() - t0, error, stderr, stdout[:4000]))
            if stderr.strip():
                result.stderr.append(f"celda {index}: {stderr.strip()[:400]}")
            if status != "ok" or error:
                result.ok, result.failed_cell, result.error = False, index, error or status
                break
    finally:
        result.seconds = time.perf_counter() - start
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return result


def simulate(base: Path, notebooks: list[str], mode: str = "gpu", freeze: str = "gpu",
             python: Path | None = None) -> dict:
    """Corre `notebooks` en orden, cada uno en su entorno de ejecución, y devuelve el informe (también en JSON).

    Args:
        base: carpeta de la simulación (entorno, Drive, cachés e ``informe.json``).
        notebooks: nombres de los cuadernos, en orden.
        mode: ``gpu`` o ``cpu`` (``LATAMLAB_MODO`` de los kernels).
        freeze: la lista de Colab con la que se arma el entorno (``gpu`` o ``cpu``).
        python: el Python de un entorno de Colab simulado que ya existe (otra simulación) en lugar de uno nuevo.
            Sirve para el entorno de CPU: las dos listas de Colab fijan las mismas versiones de todo lo que instala el
            curso (`same_course_pins`), así que ese entorno es el mismo; `pip check` cuenta entonces solo lo que rompen
            estos cuadernos.
    """
    base.mkdir(parents=True, exist_ok=True)
    freeze_file = SHARED_COLAB / f"pip-freeze-{freeze}.txt"
    t0 = time.perf_counter()
    if python is None:
        python = colab_venv(base / "venv", freeze_file)  # nuevo en cada simulación: nada de una anterior cuenta
    venv_seconds = time.perf_counter() - t0
    before = pip_check(python)
    stub = base / "stub" / "google" / "colab"
    stub.mkdir(parents=True, exist_ok=True)
    (stub / "__init__.py").write_text(GOOGLE_COLAB_STUB, encoding="utf-8")
    (stub / "drive.py").write_text(DRIVE_STUB, encoding="utf-8")
    hub = base / "hf" / "hub"
    made = standin_hub(hub)
    drive = base / "drive"
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "LATAMLAB_DATOS", "LATAMLAB_MODO", "LATAMLAB_CACHE",
                        "LATAMLAB_RESULTADOS", "LATAMLAB_DRIVE", "LATAMLAB_DISPOSITIVO", "LATAMLAB_CAMBIOS_PRESET",
                        "HF_HOME", "HF_HUB_CACHE", "JPY_PARENT_PID",
                        # Colab guarda los .pyc; sin ellos cada kernel nuevo recompila torch y transformers (≈ 9 s).
                        "PYTHONDONTWRITEBYTECODE")}
    env.update({
        "PYTHONPATH": str(stub.parent.parent), "LATAMLAB_RELEASE_URL": f"file://{ROOT}",
        "LATAMLAB_RELEASE_REF": head(), "HF_HOME": str(base / "hf"), "HF_HUB_OFFLINE": "1",
        "LATAMLAB_SIM_DRIVE": str(drive), "MPLBACKEND": "agg", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    })
    if mode == "gpu":  # pocos pasos en los presets: la lógica es la misma, el tiempo de CI no
        env.update({"LATAMLAB_MODO": "gpu", "LATAMLAB_DISPOSITIVO": "cpu",
                    "LATAMLAB_CAMBIOS_PRESET": json.dumps(training_changes(SHORT_STEPS))})
    else:
        env["LATAMLAB_MODO"] = mode
    results = []
    built = base / "modelos-construidos"
    for name in notebooks:
        runtime = base / "runtimes" / Path(name).stem
        shutil.rmtree(runtime, ignore_errors=True)
        content = runtime / "content"
        content.mkdir(parents=True)
        run_env = {**env, "LATAMLAB_DRIVE": str(content / "drive"), "LATAMLAB_CACHE": str(runtime / "cache")}
        share_built_models(built, runtime / "cache" / "modelos", into_runtime=True)
        result = run_notebook(python, NOTEBOOKS / name, content, run_env)
        share_built_models(built, runtime / "cache" / "modelos", into_runtime=False)
        results.append(result)
        verdict = "bien" if result.ok else f"FALLA en la celda {result.failed_cell}: {result.error[:300]}"
        print(f"{name}: {result.seconds:.0f} s · {verdict}", flush=True)
        for line in result.stderr:
            print(f"    stderr {line[:300]}", flush=True)
    after = pip_check(python)
    colab_names = {_norm(line.split("==", 1)[0]) for line in freeze_file.read_text(encoding="utf-8").splitlines()
                   if "==" in line}
    report = {
        "mode": mode, "freeze": freeze_file.name, "venv_seconds": round(venv_seconds, 1), "standins": made,
        "pip_check_new": sorted(after - before), "pip_check_colab": sorted(before),
        # Lo que importa: un paquete que Colab trae y que la instalación del curso dejó roto. (Los paquetes GGUF, que
        # traen Gemma 3 270M y SmolLM2, se instalan a propósito sin sus dependencias, que compilarían llama.cpp.)
        "colab_broken": sorted(line for line in after - before if _norm(line.split()[0]) in colab_names),
        "notebooks": [asdict(r) for r in results],
    }
    (base / "informe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modo", default="gpu", choices=["gpu", "cpu"])
    parser.add_argument("--freeze", default="gpu", choices=["gpu", "cpu"])
    parser.add_argument("--cuadernos", nargs="*", help="prefijos (03, 04_qlora…) o nombres; por defecto, todos")
    parser.add_argument("--salida", type=Path, default=Path("salidas/colab-simulado"))
    args = parser.parse_args(argv)
    chosen = [n for n in COURSE if not args.cuadernos or any(n.startswith(p) for p in args.cuadernos)]
    report = simulate(args.salida.resolve(), chosen, args.modo, args.freeze)
    failed = [n["name"] for n in report["notebooks"] if not n["ok"]]
    print(f"pip check, paquetes de Colab rotos tras instalar el curso: {report['colab_broken'] or 'ninguno'}"
          f" (conflictos nuevos en total: {report['pip_check_new'] or 'ninguno'})")
    print(f"cuadernos que fallan: {', '.join(failed) or 'ninguno'}")
    return 1 if failed or report["colab_broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
