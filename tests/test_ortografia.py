"""Ortografía en español de todo lo que se lee del curso (hunspell es_MX + docs/palabras.txt).

La revisión está en scripts/revisar_ortografia.py (también `make ortografia`). Sin hunspell o sin su diccionario
las pruebas que lo necesitan se saltan con el motivo; .ci/run instala `hunspell hunspell-es` con apt-get.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import revisar_ortografia as orto  # noqa: E402

PROBLEM = orto.hunspell_problem()
needs_hunspell = pytest.mark.skipif(PROBLEM is not None, reason=f"sin revisión de ortografía: {PROBLEM}")
FILES = sorted({name for name, _, _ in orto.sources()})


def test_every_kind_of_learner_text_is_checked():
    assert {"README.md", "GLOSARIO.md", "notebooks/README.md", "docs/guia_instructor.md",
            "data/variantes/revision.md"} <= set(FILES)
    for folder, pattern in (("notebooks", "[0-9][0-9]_*.ipynb"), ("slides", "*.md"), ("docs", "*.md"),
                            ("data", "*/README.md")):
        expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).glob(pattern)}
        assert expected and expected <= set(FILES), f"faltan textos de {folder}/ en la revisión"


@needs_hunspell
@pytest.mark.parametrize("name", FILES)
def test_spelling(name):
    problems = orto.misspellings()[name]
    assert not problems, orto.describe(name, problems)


def test_word_list_has_a_header_and_is_sorted_without_repetitions():
    lines = orto.WORD_LIST.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# "), "docs/palabras.txt empieza con un encabezado de comentarios (#)"
    listed = orto.read_word_list()
    assert all(" " not in w for w in listed), "una sola palabra por línea en docs/palabras.txt"
    assert len(set(listed)) == len(listed), "hay palabras repetidas en docs/palabras.txt"
    assert listed == sorted(listed, key=orto.sort_key), \
        "docs/palabras.txt no está en orden alfabético: corre `python scripts/revisar_ortografia.py --ordenar`"


@needs_hunspell
def test_word_list_only_holds_words_hunspell_rejects():
    listed = orto.read_word_list()
    redundant = sorted(set(listed) - orto.unknown_to_hunspell(listed))
    assert not redundant, f"hunspell ya acepta estas palabras: quítalas de docs/palabras.txt: {redundant}"


def test_every_listed_word_is_still_used():
    used = {w for _, _, text in orto.sources() for _, w in orto.words(text)}
    unused = [w for w in orto.read_word_list() if w not in used and w[:1].upper() + w[1:] not in used]
    assert not unused, f"estas palabras de docs/palabras.txt ya no aparecen en ningún texto: quítalas: {unused}"


def test_prose_blanks_code_links_math_tags_directives_and_glosses_but_keeps_lines():
    text = ("---\nmarp: true\n---\n<!-- _class: portada -->\n"
            "El ajuste fino (*fine-tuning*) con `load_model` y $\\frac{a}{b}$ en <b>negrita</b>.\n"
            "```python\nprint('hola')\n```\n"
            "Mira [la guía](https://example.com/guia) y docs/escala.md o ll.load_model con LATAMLAB_MODO=cpu.\n"
            "<!--\nNota para quien enseña: se revisa.\n-->\n")
    kept = orto.prose(text)
    assert kept.count("\n") == text.count("\n")
    found = [w for _, w in orto.words(text)]
    assert {"ajuste", "negrita", "guía", "Nota", "enseña", "revisa"} <= set(found)
    assert not {"marp", "true", "portada", "fine", "tuning", "load", "frac", "print", "hola", "https", "example",
                "escala", "md", "ll", "model", "cpu", "python", "b"} & set(found)


def test_identifiers_and_affixes_are_skipped_and_apostrophes_kept():
    found = [w for _, w in orto.words("fp32 LoRA GGUF var-mx-010 -ción «pa'trás» bien-escrito\n")]
    assert found == ["pa'trás", "bien", "escrito"]


@needs_hunspell
def test_a_misspelling_is_reported_with_file_cell_line_word_and_how_to_fix():
    text = "Una línea bien escrita.\nAquí hay una palavra mal escrita y un tokenizador.\n"
    unknown = orto.unknown_to_hunspell(w for _, w in orto.words(text))
    known = set(orto.read_word_list())
    problems = [("celda 3", line, w) for line, w in orto.words(text)
                if w in unknown and not orto.accepted_by_list(w, known)]
    assert problems == [("celda 3", 2, "palavra")]
    message = orto.describe("notebooks/00_x.ipynb", problems)
    assert "notebooks/00_x.ipynb, celda 3, línea 2: «palavra»" in message
    assert "Corrígela" in message and "docs/palabras.txt" in message


def test_list_words_in_lowercase_also_accept_a_capital_initial():
    assert orto.accepted_by_list("Tokenizador", {"tokenizador"})
    assert not orto.accepted_by_list("colab", {"Colab"})
