"""Pasa las directivas de nbval de comentarios en el código (``# NBVAL_CHECK_OUTPUT``) a etiquetas de la celda
(``nbval-check-output``), que el estudiante no ve al leer la celda. Idempotente.

Uso: ``python scripts/etiquetas_nbval.py [cuadernos…]`` (por defecto, todos los de ``notebooks/``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIRECTIVES = {"# NBVAL_CHECK_OUTPUT": "nbval-check-output", "# NBVAL_IGNORE_OUTPUT": "nbval-ignore-output",
              "# NBVAL_SKIP": "nbval-skip", "# NBVAL_RAISES_EXCEPTION": "raises-exception"}


def retag(path: Path) -> int:
    """Quita las directivas del código de cada celda de `path` y las agrega como etiquetas; devuelve cuántas movió."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    moved = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).split("\n")
        keep, tags = [], list(cell.get("metadata", {}).get("tags", []))
        for line in lines:
            tag = DIRECTIVES.get(line.strip())
            if tag:
                moved += 1
                if tag not in tags:
                    tags.append(tag)
            else:
                keep.append(line)
        while keep and not keep[0].strip():  # la línea en blanco que separaba la directiva del código
            keep.pop(0)
        if tags:
            cell.setdefault("metadata", {})["tags"] = tags
            text = "\n".join(keep)
            cell["source"] = [line + "\n" for line in text.split("\n")[:-1]] + [text.split("\n")[-1]]
            if cell["source"] and cell["source"][-1] == "":
                cell["source"].pop()
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return moved


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: {retag(path)} directivas pasadas a etiquetas")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
