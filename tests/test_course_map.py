"""El mapa del curso de README.md y de notebooks/README.md dice lo mismo que cada cuaderno.

Cada fila da el título, el tiempo estimado y los requisitos previos que el cuaderno escribe en su primera celda
(«**Tiempo estimado:**», «**Requisitos previos:**») y la insignia de Colab de la versión publicada
(`latamlab.release.colab_badge`). Una fila de un cuaderno que todavía no existe dice «en preparación».
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from latamlab.release import colab_badge

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb") if not p.stem.endswith("_soluciones"))
MAPS = ("README.md", "notebooks/README.md")
#: | 04 · QLoRA en finanzas | 60 minutos | cuadernos 01 (4 bits), … | [![Abrir en Colab](…)](…/04_qlora_finanzas.ipynb) |
ROW = re.compile(r"^\| (\d\d · [^|]+?) \| ([^|]+?) \| ([^|]+?) \| (\[!\[Abrir en Colab\]\([^)]+\)\]\([^)]+/notebooks/"
                 r"(\d\d_\w+\.ipynb)\)) \|$", re.M)
PENDING = "en preparación"


def header(path: Path) -> dict[str, str]:
    """Título, minutos y primera oración de los requisitos previos, leídos de las celdas del cuaderno."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells[:3] if c["cell_type"] == "markdown")
    title = re.search(r"^# (.+)$", text, re.M)
    minutes = re.search(r"\*\*Tiempo estimado:\*\*\s*(\d+) minutos", text)
    needs = re.search(r"\*\*Requisitos previos:\*\*\s*(.+?)\.(?:\s|$)", text, re.S)
    assert title and minutes and needs, f"{path.name}: falta el título, el «Tiempo estimado» o los «Requisitos previos»"
    return {"title": title.group(1), "time": f"{minutes.group(1)} minutos", "needs": " ".join(needs.group(1).split())}


def expected_row(path: Path) -> str:
    """La fila del mapa para el cuaderno `path`, tal como debe estar en los dos README."""
    info = header(path)
    return f"| {info['title']} | {info['time']} | {info['needs']} | {colab_badge(f'notebooks/{path.name}')} |"


def rows(readme: str) -> dict[str, tuple[str, ...]]:
    """Las filas del mapa de un README: nombre del cuaderno → (título, tiempo, requisitos, insignia)."""
    text = (ROOT / readme).read_text(encoding="utf-8")
    found = {m.group(5): m.groups()[:4] for m in ROW.finditer(text)}
    assert len(found) == len(ROW.findall(text)), f"{readme}: un cuaderno aparece dos veces en el mapa"
    return found


@pytest.mark.parametrize("readme", MAPS)
def test_every_lesson_has_its_row_with_time_prerequisites_and_badge(readme):
    found = rows(readme)
    for lesson in LESSONS:
        assert lesson.name in found, f"{readme}: falta la fila del mapa de {lesson.name}:\n{expected_row(lesson)}"
        line = "| " + " | ".join(found[lesson.name]) + " |"
        assert line == expected_row(lesson), \
            f"{readme}: la fila de {lesson.name} no coincide con el cuaderno; debe ser:\n{expected_row(lesson)}"


@pytest.mark.parametrize("readme", MAPS)
def test_rows_of_notebooks_not_written_yet_say_so_and_use_the_release_badge(readme):
    found = rows(readme)
    assert [name[:2] for name in found] == [f"{n:02d}" for n in range(9)], f"{readme}: el mapa va de 00 a 08, en orden"
    for name, (title, time, needs, badge) in found.items():
        assert badge == colab_badge(f"notebooks/{name}"), f"{readme}: la insignia de {name} no es la de la versión"
        assert title.startswith(name[:2] + " · ")
        if not (ROOT / "notebooks" / name).exists():
            assert time == needs == PENDING, f"{readme}: {name} no existe todavía; su fila dice «{PENDING}»"


def test_header_reads_the_notebook_cells(tmp_path):
    source = ("# 09 · Prueba\n\n**Requisitos previos:** cuadernos 01 y 04 (QLoRA). Si no corriste el 04, no importa."
              "\n\n**Tiempo estimado:** 25 minutos de lectura.")
    path = tmp_path / "09_prueba.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "source": source}]}), encoding="utf-8")
    assert header(path) == {"title": "09 · Prueba", "time": "25 minutos", "needs": "cuadernos 01 y 04 (QLoRA)"}
