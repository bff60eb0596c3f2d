"""Extrae las figuras (PNG) de los cuadernos ejecutados a slides/figuras/ para las presentaciones.

    python scripts/exportar_figuras.py                       # notebooks/ → slides/figuras/
    python scripts/exportar_figuras.py --cuadernos otra/carpeta --salida /tmp/figuras

Las presentaciones usan las salidas de los propios cuadernos (no figuras redibujadas a mano). Cada PNG recibe
un nombre estable: el número del cuaderno y una etiqueta tomada del código de la celda, en este orden:

1. un comentario ``# figura: nombre`` en la celda (así el autor del cuaderno fija el nombre);
2. el título del gráfico escrito en la celda (``title="…"``, ``set_title("…")``, ``suptitle("…")``);
3. la cadena de texto más larga de la celda fuera de ``print(...)`` (en los gráficos de ``latamlab.plots`` el
   título es el argumento de texto más largo).

El nombre queda en ASCII, en minúsculas y corto («01_huella_de_memoria_del_modelo_por.png»); si se repite en un
cuaderno, lleva «_2», «_3»... Escribe también ``indice.json`` (nombre → cuaderno, celda, etiqueta) y borra los PNG
viejos de la carpeta, para que una figura que ya no existe no quede usada por error.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import unicodedata
from pathlib import Path

_PINNED = re.compile(r"^\s*#\s*figura:\s*(.+?)\s*$", re.MULTILINE)
_TITLE = re.compile(r"""(?:\btitle\s*=\s*|set_title\(\s*|suptitle\(\s*)f?(["'])(.+?)\1""")
_STRING = re.compile(r"""f?(["'])([^"'\n]{6,}?)\1""")
_PRINT = re.compile(r"^\s*print\(.*$", re.MULTILINE)
_MAX_WORDS = 5


def slug(text: str) -> str:
    """Convierte un texto en un nombre de archivo ASCII corto («Huella de memoria (MiB)» → «huella_de_memoria_mib»)."""
    ascii_text = unicodedata.normalize("NFKD", re.sub(r"\{[^}]*\}", "", text)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "_".join(words[:_MAX_WORDS]) or "figura"


def figure_label(source: str, cell_index: int) -> str:
    """Etiqueta de la figura de una celda: comentario ``# figura:``, título del gráfico o cadena más larga."""
    if pinned := _PINNED.search(source):
        return pinned.group(1)
    titles = [m.group(2) for m in _TITLE.finditer(source) if m.group(2).strip()]
    if titles:
        return titles[0]
    strings = [m.group(2) for m in _STRING.finditer(_PRINT.sub("", source))]
    return max(strings, key=len) if strings else f"celda {cell_index}"


def notebook_figures(path: Path) -> list[tuple[str, int, bytes]]:
    """Las figuras PNG de un cuaderno ejecutado: (etiqueta, índice de la celda, bytes del PNG), en orden."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    figures = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                data = "".join(png) if isinstance(png, list) else png
                figures.append((figure_label(source, index), index, base64.b64decode(data)))
    return figures


def export_figures(notebooks_dir: Path, out_dir: Path) -> dict[str, dict]:
    """Escribe los PNG de todos los cuadernos ``NN_*.ipynb`` (sin las soluciones) y devuelve el índice."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.png"):
        old.unlink()
    index: dict[str, dict] = {}
    for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb")):
        if path.stem.endswith("_soluciones"):
            continue
        number = path.name[:2]
        for label, cell_index, png in notebook_figures(path):
            base = f"{number}_{slug(label)}"
            name, repeat = f"{base}.png", 1
            while name in index:
                repeat += 1
                name = f"{base}_{repeat}.png"
            (out_dir / name).write_bytes(png)
            index[name] = {"notebook": path.name, "cell": cell_index, "label": label}
    (out_dir / "indice.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parent.parent
    parser.add_argument("--cuadernos", type=Path, default=root / "notebooks", help="carpeta de los cuadernos")
    parser.add_argument("--salida", type=Path, default=root / "slides" / "figuras", help="carpeta de los PNG")
    args = parser.parse_args()
    index = export_figures(args.cuadernos, args.salida)
    for name, entry in index.items():
        print(f"{name:<52} ← {entry['notebook']}, celda {entry['cell']}")
    print(f"{len(index)} figuras en {args.salida}")


if __name__ == "__main__":
    main()
