"""GLOSARIO.md dice la verdad: cada término aparece donde dice, y cada glosa en inglés de los cuadernos está en él."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "GLOSARIO.md"
LESSONS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb") if not p.stem.endswith("_soluciones"))
GLOSS = re.compile(r"\(\*([^*]+)\*")  # «ajuste fino (*fine-tuning*)»: la glosa en inglés tras el término


def entries() -> list[tuple[str, str, list[str]]]:
    """Filas de la tabla: (español, inglés sin cursivas ni siglas, lugares)."""
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("Español", "") or set(cells[0]) <= {"-"}:
            continue
        english = re.search(r"\*([^*]+)\*", cells[1])
        assert english, f"la glosa en inglés va en cursiva: {line}"
        rows.append((cells[0], english.group(1), [p.strip() for p in cells[2].split(",")]))
    return rows


def place_text(place: str) -> str:
    """Markdown de la lección `NN` o las fichas técnicas (README.md) bajo `data/...`."""
    if place.startswith("data/"):
        folder = ROOT / place
        assert folder.is_dir(), f"{place} no existe"
        return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("README.md")))
    lessons = [p for p in LESSONS if p.name.startswith(f"{place}_")]
    assert lessons, f"no hay un cuaderno {place}"
    return "\n".join(c.source for c in nbformat.read(lessons[0], as_version=4).cells if c.cell_type == "markdown")


def pattern(term: str) -> re.Pattern:
    """El término, sin distinguir mayúsculas, con cada palabra en singular o plural."""
    words = re.sub(r"\(.*?\)", "", term).split()
    return re.compile(r"\b" + r"\s+".join(re.escape(w) + r"(?:e?s)?" for w in words) + r"\b", re.IGNORECASE)


def singular(term: str) -> str:
    return " ".join(w[:-1] if w.endswith("s") else w for w in term.lower().split())


@pytest.mark.parametrize("spanish,english,places", entries(), ids=lambda v: v if isinstance(v, str) else None)
def test_each_entry_appears_where_it_says(spanish, english, places):
    for place in places:
        text = place_text(place)
        assert pattern(spanish).search(text), f"«{spanish}» no aparece en {place}"
        assert pattern(english).search(text), f"«{english}» no aparece en {place}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_every_english_gloss_in_a_notebook_is_in_the_glossary(path):
    known = {singular(english) for _, english, _ in entries()}
    text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")
    missing = {g for g in GLOSS.findall(text) if singular(g) not in known}
    assert not missing, f"glosas de {path.name} que faltan en GLOSARIO.md: {sorted(missing)}"


def test_pattern_accepts_plurals_and_rejects_other_words():
    assert pattern("modelo de lenguaje grande").search("modelos de lenguaje grandes (LLM)")
    assert not pattern("huella de memoria").search("la memoria de la huella")
