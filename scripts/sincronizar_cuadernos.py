"""Reescribe la insignia de Colab y la celda de instalación de cada cuaderno desde `latamlab/release.py`.

Uso:  .venv/bin/python scripts/sincronizar_cuadernos.py [--check]

Solo cambia la insignia de la primera celda de Markdown y el código de la primera celda de código;
el resto del cuaderno queda byte a byte igual (no se vuelve a ejecutar nada). Con `--check` no escribe
y termina con error si algún cuaderno no coincide.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from latamlab.release import colab_badge, install_cell  # noqa: E402

#: Una insignia «Abrir en Colab» en Markdown, con cualquier destino.
BADGE = re.compile(r"\[!\[Abrir en Colab\]\([^)]*\)\]\([^)]*\)")


def synced(nb: nbformat.NotebookNode, notebook: str) -> nbformat.NotebookNode:
    """Devuelve el cuaderno con la insignia y la celda de instalación de esta versión.

    Args:
        nb: el cuaderno leído con `nbformat`.
        notebook: su ruta dentro del repositorio (``notebooks/…ipynb``), que va en la insignia.

    Returns:
        El mismo objeto, modificado.

    Raises:
        ValueError: si la primera celda no tiene exactamente una insignia o no hay celdas de código.
    """
    first = nb.cells[0]
    if first.cell_type != "markdown" or len(BADGE.findall(first.source)) != 1:
        raise ValueError(f"{notebook}: la primera celda debe ser Markdown con una insignia «Abrir en Colab».")
    first.source = BADGE.sub(lambda _: colab_badge(notebook), first.source)
    code = next((c for c in nb.cells if c.cell_type == "code"), None)
    if code is None:
        raise ValueError(f"{notebook}: no tiene celdas de código.")
    code.source = install_cell()
    return nb


def main(argv: list[str]) -> int:
    stale = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        before = path.read_text(encoding="utf-8")
        after = nbformat.writes(synced(nbformat.reads(before, as_version=4), path.relative_to(ROOT).as_posix())) + "\n"
        if after != before:
            stale.append(path.name)
            if "--check" not in argv:
                path.write_text(after, encoding="utf-8")
    verb = "desactualizados" if "--check" in argv else "reescritos"
    print(f"Cuadernos {verb}: {', '.join(stale) or 'ninguno'}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
