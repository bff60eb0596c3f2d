"""Revisa la ortografía en español de todo lo que lee quien estudia o enseña el curso, con hunspell.

Uso:  python scripts/revisar_ortografia.py [--ordenar]

Revisa el Markdown de cada cuaderno (lecciones y soluciones), los README, GLOSARIO.md, docs/*.md, las
presentaciones de slides/ (con las notas para quien enseña) y las fichas de data/. Antes de revisar quita lo que
no es prosa en español: bloques y fragmentos de código, direcciones, fórmulas de LaTeX, etiquetas HTML,
directivas de Marp, la cabecera YAML, las glosas en inglés en cursiva (*fine-tuning*) e identificadores
(palabras con dígitos, guiones bajos o mayúsculas internas, siglas en mayúsculas, rutas de archivos).
Lo que hunspell no conoce y sí es correcto (términos técnicos, palabras regionales, nombres) va en
docs/palabras.txt. Con `--ordenar` reescribe esa lista ordenada y sin repeticiones. La misma revisión corre
en `tests/test_ortografia.py` (y con `make ortografia`).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
WORD_LIST = ROOT / "docs" / "palabras.txt"
# Debian (hunspell-es 1:7.5) trae un solo diccionario, el «es» general de RLA-ES, y cada país (es_MX, es_CO,
# es_AR, es_CL, es_PE…, y también es_ES) es un enlace a ese mismo archivo: ninguno marca el léxico de España
# como error. Elegimos es_MX, el de más hablantes de la región, para que el nombre diga la variante que escribe
# el curso; si una versión futura trae diccionarios distintos por país, es el que corresponde. Las palabras
# regionales de otros países (las del banco de variantes) van en docs/palabras.txt.
DICTIONARY = "es_MX"

_FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\w$])\$(?![\s$]).+?(?<![\s\\])\$(?![\w$])", re.S)
_DIRECTIVE = re.compile(r"<!--\s*_?[a-zA-Z]+:[^\n]*?-->")  # <!-- _class: portada -->, <!-- _paginate: false -->
_COMMENT_MARKS = re.compile(r"<!--|-->")  # las notas para quien enseña se revisan: solo se quitan las marcas
_TAG = re.compile(r"</?[a-zA-Z][^>\n]*>")
_LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")  # [texto](destino): se revisa el texto
_URL = re.compile(r"\b(?:https?|file)://\S+|\bwww\.\S+")
_PATH = re.compile(r"[\w.~-]*(?:/[\w.*…-]+)+/?|\b[\w*…-]+\.(?:md|ipynb|py|ya?ml|jsonl?|toml|txt|cfg|css|mjs|html|png|"
                   r"svg|sh|safetensors|gguf|bin)\b")
_DOTTED = re.compile(r"\S*=\S*|\b\w+(?:\.\w+)+\b")  # LATAMLAB_MODO=cpu, ll.load_model, llama.cpp
# *cursiva*, también partida en dos líneas, pero no **negrita**
_GLOSS = re.compile(r"(?<![*\w])\*(?![\s*])((?:[^*\n]|\n(?!\s*\n))+?)(?<!\s)\*(?![*\w])")
_CHUNK = re.compile(r"[\w'’-]+")  # una palabra con sus guiones y apóstrofos: «pa'trás», «var-mx-010», «-ción»
_KEY_COLUMN = re.compile(r"(<!-- conteo: [^\n]*-->\n(?:[^\n]*\n){2})((?:\|[^|\n]*\|[^\n]*\n)+)")


def _blank(match: re.Match) -> str:
    """Reemplaza lo quitado por espacios, conservando los saltos de línea (y así el número de cada línea)."""
    return re.sub(r"[^\n]", " ", match.group())


def prose(markdown: str) -> str:
    """Devuelve el Markdown con solo la prosa en español; lo demás queda en blanco, línea por línea.

    Args:
        markdown: el texto de un archivo o de una celda de Markdown.

    Returns:
        Un texto con las mismas líneas que `markdown`.
    """
    text = _FRONT_MATTER.sub(_blank, markdown)
    # En las tablas de conteo de las fichas de data/, la primera columna es la clave del dato («garantias»,
    # «basica»), que tests/test_datasheets.py compara con los archivos .jsonl: no es prosa.
    text = _KEY_COLUMN.sub(lambda m: m.group(1) + re.sub(r"(?m)^\|[^|\n]*", lambda c: " " * len(c.group()),
                                                            m.group(2)), text)
    for pattern in (_FENCE, _CODE, _MATH, _DIRECTIVE, _COMMENT_MARKS, _TAG, _LINK_TARGET, _URL, _PATH, _DOTTED, _GLOSS):
        text = pattern.sub(_blank, text)
    return text


def is_identifier(chunk: str) -> bool:
    """Dice si `chunk` es un identificador, una sigla o un sufijo (fp32, LoRA, GGUF, load_model, var-mx-010, -ción)."""
    return (any(ch.isdigit() or ch == "_" for ch in chunk) or any(ch.isupper() for ch in chunk[1:])
            or chunk.startswith("-") or chunk.endswith("-"))


def words(markdown: str) -> Iterator[tuple[int, str]]:
    """Recorre las palabras de la prosa de `markdown` con su número de línea (desde 1).

    Una palabra con apóstrofo («pa'trás») queda entera; las unidas por guion se revisan una por una.
    """
    for number, line in enumerate(prose(markdown).splitlines(), start=1):
        for chunk in _CHUNK.findall(line.replace("’", "'")):
            if not is_identifier(chunk):
                yield from ((number, w) for w in chunk.strip("'").split("-") if len(w.strip("'")) > 1)


def sources() -> Iterator[tuple[str, str, str]]:
    """Recorre los textos revisados: (archivo relativo a la raíz, lugar dentro de él, Markdown).

    El lugar es ``""`` para un archivo Markdown y ``"celda N"`` (desde 1) para una celda de un cuaderno.
    """
    files = [ROOT / "README.md", ROOT / "GLOSARIO.md", ROOT / "notebooks" / "README.md",
             *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "slides").glob("*.md")),
             *sorted((ROOT / "data").glob("*/README.md")), *sorted((ROOT / "data").glob("*/revision.md"))]
    for path in files:
        yield path.relative_to(ROOT).as_posix(), "", path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        # json y no nbformat: importar nbformat tarda más que toda la revisión.
        for index, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"], start=1):
            if cell["cell_type"] == "markdown":
                yield path.relative_to(ROOT).as_posix(), f"celda {index}", "".join(cell["source"])


def read_word_list(path: Path = WORD_LIST) -> list[str]:
    """Las palabras de la lista del proyecto, en su orden, sin el encabezado de comentarios (``#``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def sort_key(word: str) -> tuple[str, str]:
    """Orden de la lista: sin distinguir mayúsculas ni tildes primero, y luego tal cual."""
    plain = word.casefold().translate(str.maketrans("áéíóúüñ", "aeiouun"))
    return plain, word


def hunspell_problem() -> str | None:
    """Devuelve por qué no se puede revisar aquí (en español), o ``None`` si hunspell y su diccionario están."""
    if shutil.which("hunspell") is None:
        return "no está hunspell: instálalo con `apt-get install hunspell hunspell-es` (lo hace .ci/run)"
    done = subprocess.run(["hunspell", "-d", DICTIONARY, "-l"], input="casa\n", capture_output=True, text=True)
    if done.returncode != 0 or "Can't open" in done.stderr:
        return f"hunspell no encuentra el diccionario {DICTIONARY}: instala `hunspell-es` con apt-get"
    return None


def unknown_to_hunspell(candidates: Iterable[str]) -> set[str]:
    """Las palabras de `candidates` que el diccionario de hunspell no acepta (una sola llamada)."""
    unique = sorted(set(candidates))
    parts = sorted({part for word in unique for part in word.split("'") if part})
    done = subprocess.run(["hunspell", "-d", DICTIONARY, "-l"], input="\n".join(parts) + "\n",
                          capture_output=True, text=True, encoding="utf-8", check=True)
    rejected = set(done.stdout.split())
    return {word for word in unique if any(part in rejected for part in word.split("'"))}


def accepted_by_list(word: str, known: set[str]) -> bool:
    """Como hunspell: una palabra de la lista en minúscula vale también con inicial mayúscula."""
    return word in known or (word[:1].isupper() and word[:1].lower() + word[1:] in known)


@functools.lru_cache(maxsize=1)
def misspellings() -> dict[str, list[tuple[str, int, str]]]:
    """Las palabras desconocidas de cada archivo revisado: archivo → [(lugar, línea, palabra)]."""
    found = [(name, place, line, word) for name, place, text in sources() for line, word in words(text)]
    known = set(read_word_list())
    unknown = unknown_to_hunspell(w for *_, w in found if not accepted_by_list(w, known))
    report: dict[str, list[tuple[str, int, str]]] = {}
    for name, place, line, word in found:
        report.setdefault(name, [])
        if word in unknown and not accepted_by_list(word, known):
            report[name].append((place, line, word))
    return report


def describe(name: str, problems: list[tuple[str, int, str]]) -> str:
    """El mensaje en español de los errores de un archivo, con el lugar de cada palabra y cómo arreglarlo."""
    lines = [f"{name}, {place + ', ' if place else ''}línea {line}: «{word}»" for place, line, word in problems]
    return (f"{len(problems)} palabra(s) que hunspell ({DICTIONARY}) no conoce:\n  " + "\n  ".join(lines) +
            "\nCorrígela; si está bien escrita (término técnico, palabra regional, nombre), agrégala a "
            "docs/palabras.txt en su lugar alfabético.")


def main(argv: list[str]) -> int:
    if "--ordenar" in argv:
        text = WORD_LIST.read_text(encoding="utf-8").splitlines()
        header = [line for line in text if line.startswith("#")]
        body = sorted(set(read_word_list()), key=sort_key)
        WORD_LIST.write_text("\n".join(header + body) + "\n", encoding="utf-8")
        print(f"docs/palabras.txt: {len(body)} palabras, ordenadas")
        return 0
    if problem := hunspell_problem():
        print(f"No puedo revisar la ortografía: {problem}.")
        return 1
    bad = {name: problems for name, problems in misspellings().items() if problems}
    for name, problems in bad.items():
        print(describe(name, problems).split("\nCorrígela")[0])
    total = sum(len(p) for p in bad.values())
    print(f"Ortografía: {total} palabra(s) desconocidas en {len(bad)} archivo(s) de {len(misspellings())} revisados.")
    if total:
        print("Corrige cada una o, si está bien escrita, agrégala a docs/palabras.txt.")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
