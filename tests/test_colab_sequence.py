"""La secuencia de Colab, reproducida aquí: primera celda real, luego `import latamlab` en el mismo kernel.

Un entorno virtual nuevo con solo torch y Jupyter hace de Colab (que trae su propio torch) y un módulo
`google.colab` vacío hace que la celda actúe. La celda se ejecuta tal como está en el cuaderno, con la
versión apuntada (por `LATAMLAB_RELEASE_URL`/`LATAMLAB_RELEASE_REF`) al *commit* actual de este clon:
lo que no está en `HEAD` no entra. Falla si la celda vuelve a una instalación editable desde un clon
(el kernel que ya corre no la ve) o si los datos no van dentro del paquete.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from latamlab import release

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "00_bienvenida_y_entorno.ipynb"
TORCH = os.environ.get("TORCH", "torch==2.13.0")

pytestmark = pytest.mark.slow

CHECK_DATA = """
import latamlab, latamlab.data.loaders as loaders
finance = ll.load_finance()
print("paquete:", latamlab.__file__)
print("datos:", loaders.data_root())
print("filas:", {name: split.num_rows for name, split in finance.items()})
assert (loaders.data_root() / "variantes" / "lm_eval" / "variantes_latam_mc.yaml").is_file()
"""


def _head() -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()


def _fresh_venv(folder: Path) -> Path:
    """Crea un entorno con solo torch y Jupyter, como el que trae Colab; usa la caché de pip."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    # pip al día, como en Colab (el de `venv` puede ser viejo y rechaza URL `git+file:///…`).
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", TORCH, "ipykernel", "jupyter_client"], check=True)
    return python


def _execute(client, code: str) -> dict:
    """Ejecuta `code` en el kernel y devuelve su estado, sus salidas y los segundos que tardó."""
    outputs: list[dict] = []

    def keep(msg):
        if msg["msg_type"] in ("stream", "error", "execute_result", "display_data"):
            outputs.append({"type": msg["msg_type"], **msg["content"]})

    start = time.perf_counter()
    reply = client.execute_interactive(code, output_hook=keep, timeout=900)
    return {"status": reply["content"]["status"], "outputs": outputs, "seconds": time.perf_counter() - start}


def _text(result: dict) -> str:
    return "".join(o.get("text", "") or "\n".join(o.get("traceback", [])) for o in result["outputs"])


def test_first_cell_installs_the_course_in_the_running_kernel(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    cells = [c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]
    start = time.perf_counter()
    python = _fresh_venv(tmp_path / "venv")
    print(f"entorno con torch y Jupyter: {time.perf_counter() - start:.1f} s")
    stub = tmp_path / "stub" / "google" / "colab"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('"""Sustituto de google.colab para la prueba."""\n', encoding="utf-8")
    spec = tmp_path / "kernels" / "colab"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        f'{{"argv": ["{python}", "-m", "ipykernel_launcher", "-f", "{{connection_file}}"], '
        f'"display_name": "colab", "language": "python"}}', encoding="utf-8")
    work = tmp_path / "content"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LATAMLAB_DATOS", "VIRTUAL_ENV")}
    env.update({"PYTHONPATH": str(tmp_path / "stub"), release.ENV_URL: f"file://{ROOT}", release.ENV_REF: _head()})

    manager = KernelManager(kernel_name="colab", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))
    manager.start_kernel(cwd=str(work), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        results = {name: _execute(client, code) for name, code in
                   [("instalación", cells[0]), ("setup", cells[1]), ("datos", CHECK_DATA), ("repetición", cells[0])]}
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    for name, result in results.items():
        print(f"{name}: {result['seconds']:.1f} s")
        errors = [o for o in result["outputs"] if o["type"] == "error"]
        assert result["status"] == "ok" and not errors, f"la celda «{name}» falló:\n{_text(result)}"
    data = _text(results["datos"])
    site = str(tmp_path / "venv")
    assert f"paquete: {site}" in data and f"datos: {site}" in data, data  # instalado, no el clon
    assert "'train': 544" in data, data
    assert "Modo: cpu" in _text(results["setup"])
