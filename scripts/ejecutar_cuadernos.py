"""Ejecuta cuadernos en modo cpu y los guarda con salidas y metadatos limpios.

Uso:  .venv/bin/python scripts/ejecutar_cuadernos.py [notebooks/00_*.ipynb ...]

Así se producen las salidas que se suben al repositorio (nbval las compara después). Falla si una
celda escribe en stderr: esas salidas cambian entre máquinas y no deben quedar en el cuaderno.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
KEEP_METADATA = {"kernelspec", "language_info"}


def clean(nb: nbformat.NotebookNode) -> list[str]:
    """Quita metadatos propios de la máquina y devuelve las celdas que escribieron en stderr."""
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in KEEP_METADATA}
    nb.metadata["language_info"] = {"name": "python"}
    noisy = []
    for i, cell in enumerate(nb.cells):
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                noisy.append(f"celda {i}: {out['text'][:200]!r}")
    return noisy


def run(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("LATAMLAB_MODO", "cpu")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    NotebookClient(nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   record_timing=False).execute()
    noisy = clean(nb)
    nbformat.write(nb, path)
    return noisy


def main(paths: list[str]) -> int:
    targets = [Path(p) for p in paths] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    status = 0
    for path in targets:
        print(f"Ejecutando {path.name}…", flush=True)
        noisy = run(path)
        for line in noisy:
            print(f"  stderr en {path.name}, {line}")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
