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
import sys
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


@pytest.fixture(scope="module")
def gpu_course(tmp_path_factory) -> tuple[dict, Path]:
    _require_freeze("gpu")
    base = tmp_path_factory.mktemp("colab-gpu")
    report = simulacion.simulate(base, simulacion.COURSE, mode="gpu", freeze="gpu",
                                 venv=simulacion.default_venv())
    for nb in report["notebooks"]:
        print(f"{nb['name']}: {nb['seconds']:.0f} s")
    return report, base / "drive" / "MyDrive" / "latamlab"


def test_every_notebook_runs_in_gpu_mode_as_colab_runs_it(gpu_course):
    report, _ = gpu_course
    assert [nb["name"] for nb in report["notebooks"]] == simulacion.COURSE
    assert not _failures(report), "en el Colab simulado (modo gpu):\n" + _failures(report)


def test_installing_the_course_breaks_nothing_colab_preinstalls(gpu_course):
    report, _ = gpu_course
    assert not report["colab_broken"], f"pip check tras la celda de instalación: {report['colab_broken']}"


def test_results_travel_through_drive(gpu_course):
    """El 04 deja su adaptador en Drive y el 05 y el 06, cada uno en su entorno nuevo, lo usan desde ahí."""
    report, drive = gpu_course
    adapter = drive / "salidas" / "qlora-t4" / "adaptador"
    assert (adapter / "adapter_model.safetensors").is_file()
    assert (drive / "salidas" / "proyecto-final" / "CO" / "filas.json").is_file()
    for name in ("05_evaluacion.ipynb", "06_cuantizacion_y_despliegue.ipynb"):
        printed = "".join(c["stdout"] for nb in report["notebooks"] if nb["name"] == name for c in nb["cells"])
        assert "/drive/MyDrive/latamlab/salidas/qlora-t4/adaptador" in printed, f"{name} no usó el adaptador de Drive"


def test_final_project_trains_about_two_epochs(gpu_course):
    _, drive = gpu_course
    log = drive / "salidas" / "proyecto-final" / "CO" / "entrenamiento" / "log.jsonl"
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    epochs = max(r["epoch"] for r in rows)
    assert 1.5 <= epochs <= 3.0, f"el 08 entrenó {max(r['step'] for r in rows)} pasos: {epochs:.1f} épocas"


def test_notebook_00_runs_in_a_colab_cpu_runtime(tmp_path):
    _require_freeze("cpu")
    report = simulacion.simulate(tmp_path, ["00_bienvenida_y_entorno.ipynb"], mode="cpu", freeze="cpu",
                                 venv=simulacion.default_venv())
    assert not _failures(report), "en el Colab simulado sin GPU:\n" + _failures(report)
    assert not report["colab_broken"], report["colab_broken"]
