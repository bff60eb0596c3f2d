"""Colab simulado: los 18 cuadernos en modo gpu, cada uno en su propio entorno de ejecución, como en Colab.

`scripts/simulacion.py` arma la pila publicada de Colab (`../shared/colab/`), corre la celda de instalación real con el
*commit* actual, sirve los ids del hub del catálogo (con su revisión fijada) desde una caché local con modelos
sustitutos pequeños y calcula en la CPU (``LATAMLAB_DISPOSITIVO=cpu``). Entre un cuaderno y otro solo pasa lo que
quedó en el Drive simulado. Aquí se comprueba lo que un estudiante vería en Colab:

- cada cuaderno corre de principio a fin, sin errores y sin salida de error (stderr) en sus celdas;
- el adaptador del 04 queda en Drive y el 05, el 06 y el 08 lo encuentran ahí (si no, su celda falla);
- el 08 entrena ≈ 2 épocas de los datos del país, no el número fijo de pasos del preset;
- instalar el curso no rompe ningún paquete de Colab (`pip check` no informa conflictos nuevos);
- el cuaderno 00 también corre en un entorno de Colab sin GPU (modo cpu).

La colocación en la GPU y la memoria de una T4 las prueba `make test-gpu` en una máquina con GPU.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import simulacion  # noqa: E402

pytestmark = pytest.mark.slow

FREEZES = simulacion.SHARED_COLAB


def _require_freeze(kind: str) -> None:
    if not (FREEZES / f"pip-freeze-{kind}.txt").is_file():
        pytest.skip(f"falta la lista de paquetes de Colab en {FREEZES} (la carpeta shared/ junto al clon)")


def _failures(report: dict) -> str:
    lines = []
    for nb in report["notebooks"]:
        if not nb["ok"]:
            lines.append(f"{nb['name']}: celda {nb['failed_cell']}: {nb['error']}")
        lines += [f"{nb['name']}: stderr en la {line}" for line in nb["stderr"]]
    return "\n".join(lines)


def _clean(base: Path) -> None:
    """Borra lo pesado de una simulación (entorno, cachés, Drive); queda `informe.json`."""
    for path in base.iterdir():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def gpu_course(tmp_path_factory) -> Iterator[tuple[dict, Path, Path]]:
    """La simulación del curso en modo gpu: su informe, la carpeta del curso en Drive y el Python del entorno."""
    _require_freeze("gpu")
    base = tmp_path_factory.mktemp("colab-gpu")
    report = simulacion.simulate(base, simulacion.COURSE, mode="gpu", freeze="gpu")
    for nb in report["notebooks"]:
        print(f"{nb['name']}: {nb['seconds']:.0f} s")
    yield report, base / "drive" / "MyDrive" / "latamlab", base / "venv" / "bin" / "python"
    _clean(base)


def test_every_notebook_runs_in_gpu_mode_as_colab_runs_it(gpu_course):
    report, _, _ = gpu_course
    assert [nb["name"] for nb in report["notebooks"]] == simulacion.COURSE
    assert not _failures(report), "en el Colab simulado (modo gpu):\n" + _failures(report)


def test_installing_the_course_breaks_nothing_colab_preinstalls(gpu_course):
    report, _, _ = gpu_course
    assert not report["colab_broken"], f"pip check tras la celda de instalación: {report['colab_broken']}"


def test_results_travel_through_drive(gpu_course):
    """El 04 deja su adaptador en Drive y el 05 y el 06, cada uno en su entorno nuevo, lo usan desde ahí."""
    report, drive, _ = gpu_course
    adapter = drive / "salidas" / "qlora-t4" / "adaptador"
    assert (adapter / "adapter_model.safetensors").is_file()
    assert (drive / "salidas" / "proyecto-final" / "CO" / "filas.json").is_file()
    for name in ("05_evaluacion.ipynb", "06_cuantizacion_y_despliegue.ipynb"):
        printed = "".join(c["stdout"] for nb in report["notebooks"] if nb["name"] == name for c in nb["cells"])
        assert "/drive/MyDrive/latamlab/salidas/qlora-t4/adaptador" in printed, f"{name} no usó el adaptador de Drive"


def test_final_project_trains_about_two_epochs(gpu_course):
    _, drive, _ = gpu_course
    log = drive / "salidas" / "proyecto-final" / "CO" / "entrenamiento" / "log.jsonl"
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    epochs = max(r["epoch"] for r in rows)
    assert 1.5 <= epochs <= 3.0, f"el 08 entrenó {max(r['step'] for r in rows)} pasos: {epochs:.1f} épocas"


def test_both_colab_runtimes_pin_the_same_versions_of_what_the_course_installs():
    """Lo que permite correr el entorno de CPU sobre el mismo entorno simulado (ver la prueba siguiente)."""
    _require_freeze("cpu")
    assert simulacion.same_course_pins()


def test_notebook_00_runs_in_a_colab_cpu_runtime(gpu_course, tmp_path):
    """El 00 en un entorno de Colab sin GPU: modo cpu, con su modelo de PyPI, sobre el mismo entorno de paquetes."""
    _require_freeze("cpu")
    if not simulacion.same_course_pins():
        pytest.skip("las listas de Colab con y sin GPU ya no fijan lo mismo: la prueba anterior dice qué cambió")
    *_, python = gpu_course
    try:
        report = simulacion.simulate(tmp_path, ["00_bienvenida_y_entorno.ipynb"], mode="cpu", freeze="cpu",
                                     python=python)
    finally:
        _clean(tmp_path)
    assert not _failures(report), "en el Colab simulado sin GPU:\n" + _failures(report)
    assert not report["colab_broken"], report["colab_broken"]
