"""Fichas de los datos: cada carpeta de ``data/`` carga con ``datasets.load_dataset`` y sus tablas cuadran.

Cada ficha (``data/<carpeta>/README.md``) marca sus tablas con un comentario HTML en la línea
anterior: ``<!-- campos: archivo.jsonl ... -->`` para la tabla de campos y ``<!-- conteo: nombre -->``
para una tabla de conteos, cuya primera columna es la clave (país, tema...) y las demás, números;
``<!-- pares: referencia-instruccion -->`` marca los pares parecidos de la ficha de finanzas.
Aquí se recalcula cada tabla desde los archivos ``.jsonl``: si cambian los datos y no la ficha
(o al revés), la prueba falla y muestra la tabla esperada. Toda celda numérica se compara, así
que ningún número de una tabla marcada queda sin revisar.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from datasets import Dataset, load_dataset

from latamlab.data import loaders as data
from latamlab.data.dedup import jaccard, trigrams
from latamlab.data.jsonl import read_jsonl
from latamlab.data.schemas import (CATEGORIAS_VARIANTES, DIFICULTADES, FILES, PAISES, REGISTROS_CORPUS,
                              TEMAS_CONSUMO, TEMAS_FINANZAS)
from latamlab.data.baselines import longest_option_accuracy, option_length_accuracy, other_country_accuracy

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"

#: Carpeta → configuración → división → archivo, tal como lo declara el YAML de cada ficha.
CONFIGS: dict[str, dict[str, dict[str, str]]] = {
    "finanzas": {
        "default": {"train": "train.jsonl", "validation": "validation.jsonl", "test": "test.jsonl"},
        "referencia": {"test": "referencia.jsonl"},
    },
    "variantes": {"default": {"test": "variantes.jsonl"}},
    "corpus": {
        "default": {"train": "train.jsonl", "test": "test.jsonl"},
        "paralelo": {"test": "paralelo.jsonl"},
        "originarias": {"test": "originarias.jsonl"},
    },
    "consumo": {"default": {"train": "train.jsonl", "validation": "validation.jsonl", "test": "test.jsonl"}},
}
#: (carpeta, archivo) → el cargador de ``latamlab.data`` que lee ese archivo.
LOADERS: dict[tuple[str, str], Callable[[], Dataset]] = {
    ("finanzas", "train.jsonl"): lambda: data.load_finance()["train"],
    ("finanzas", "validation.jsonl"): lambda: data.load_finance()["validation"],
    ("finanzas", "test.jsonl"): lambda: data.load_finance()["test"],
    ("finanzas", "referencia.jsonl"): data.load_finance_reference,
    ("variantes", "variantes.jsonl"): data.load_variants,
    ("corpus", "train.jsonl"): lambda: data.load_corpus()["train"],
    ("corpus", "test.jsonl"): lambda: data.load_corpus()["test"],
    ("corpus", "paralelo.jsonl"): data.load_parallel,
    ("corpus", "originarias.jsonl"): data.load_indigenous,
    ("consumo", "train.jsonl"): lambda: data.load_consumer()["train"],
    ("consumo", "validation.jsonl"): lambda: data.load_consumer()["validation"],
    ("consumo", "test.jsonl"): lambda: data.load_consumer()["test"],
}
#: Tipo de Python del esquema → cómo lo escribe la columna «Tipo» de la tabla de campos.
TYPES = {str: "string", int: "int64", bool: "bool", list: "list[string]"}
#: Similitud mínima de los pares referencia–instrucción que la ficha de finanzas debe listar.
PARAPHRASE_FLOOR = 0.40
EMPTY = {"", "—"}
NUMBER = re.compile(r"\d+(,\d+)?")

Table = dict[str, dict[str, str]]  # clave (primera columna) → columna → celda


# ---------------------------------------------------------------------------------------------
# Lectura de fichas y datos
# ---------------------------------------------------------------------------------------------

def card(folder: str) -> tuple[dict[str, Any], str]:
    """Devuelve el YAML de la ficha y el cuerpo en Markdown."""
    text = (DATA / folder / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"data/{folder}/README.md debe empezar con el encabezado YAML (---)"
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end]), text[end + 5:]


def _cells(line: str) -> list[str]:
    return [c.strip().replace("**", "").replace("`", "") for c in line.strip().strip("|").split("|")]


def parse_table(lines: Sequence[str]) -> list[dict[str, str]]:
    """Convierte las líneas de una tabla Markdown en filas ``{encabezado: celda}``."""
    header = _cells(lines[0])
    return [dict(zip(header, _cells(line))) for line in lines[2:]]


def marked_tables(body: str) -> dict[str, list[dict[str, str]]]:
    """Tablas precedidas por ``<!-- tipo: nombre -->``, con clave ``"tipo: nombre"``."""
    found: dict[str, list[dict[str, str]]] = {}
    for match in re.finditer(r"^<!-- (\w+): (.+?) -->\n((?:\|.*\n?)+)", body, flags=re.M):
        key = f"{match.group(1)}: {match.group(2)}"
        assert key not in found, f"la marca {key!r} aparece dos veces"
        found[key] = parse_table(match.group(3).strip().splitlines())
    return found


def as_table(rows: list[dict[str, str]]) -> Table:
    """Filas → ``{clave: {columna: celda}}`` (la clave es la primera columna)."""
    table: Table = {}
    for row in rows:
        (_, key), *rest = row.items()
        assert key not in table, f"la clave {key!r} se repite en la tabla"
        table[key] = dict(rest)
    return table


def rows(folder: str, name: str) -> list[dict[str, Any]]:
    return [record.data for record in read_jsonl(DATA / folder / name)]


def line_count(folder: str, name: str) -> int:
    with open(DATA / folder / name, encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


# ---------------------------------------------------------------------------------------------
# Tablas esperadas, calculadas desde los archivos
# ---------------------------------------------------------------------------------------------

def count(groups: dict[str, list[dict]], key: Callable[[dict], Iterable[str]], *,
          label: Callable[[str], str] = str, order: Sequence[str] | None = None,
          extra: dict[str, list[dict]] | None = None, total_row: bool = True) -> Table:
    """Cuenta registros por clave (filas) y grupo (columnas).

    Args:
        groups: columna → registros; con más de una se agrega la columna «Total».
        key: claves de un registro (una lista: un registro puede contar en varias filas).
        label: cómo se escribe la clave en la ficha (p. ej. código → nombre del país).
        order: orden de las filas; por defecto, de mayor a menor total.
        extra: columnas que van después de «Total» sin sumarse a él (p. ej. ``referencia``).
        total_row: si se agrega la fila «Total».
    """
    columns = {**groups, **(extra or {})}
    counters = {col: Counter(k for r in recs for k in key(r)) for col, recs in columns.items()}
    in_total = [counters[c] for c in groups]
    keys = set().union(*counters.values())
    if order:
        ordered = [k for k in order if k in keys]
    else:
        ordered = sorted(keys, key=lambda k: (-sum(c[k] for c in in_total), label(k)))
    table: Table = {}
    for k in ordered:
        cells = {col: str(counters[col][k]) for col in groups}
        if len(groups) > 1:
            cells["Total"] = str(sum(c[k] for c in in_total))
        cells.update({col: str(counters[col][k]) for col in (extra or {})})
        table[label(k)] = cells
    if total_row:
        cells = {col: str(len(recs)) for col, recs in groups.items()}
        if len(groups) > 1:
            cells["Total"] = str(sum(len(r) for r in groups.values()))
        cells.update({col: str(len(recs)) for col, recs in (extra or {}).items()})
        table["Total"] = cells
    return table


def pct(x: float) -> str:
    return f"{x * 100:.1f}".replace(".", ",")


REVISION_CATEGORIES = {"léxico": "lexico", "gramática": "gramatica", "expresiones": "expresiones",
                       "préstamos": "prestamos"}


def revision_counts() -> dict[str, dict[str, tuple[int, int]]]:
    """La tabla «Recuento antes y después» de ``revision.md``.

    Returns:
        Código de país (o «Total») → columna (``Ítems`` o una categoría) → ``(antes, después)``.
    """
    text = (DATA / "variantes" / "revision.md").read_text(encoding="utf-8")
    start = text.index("## Recuento antes y después")
    block = re.search(r"^((?:\|.*\n)+)", text[start:], flags=re.M)
    lines = block.group(1).strip().splitlines()
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for row in parse_table(lines):
        place = row["País"]
        code = re.search(r"\((\w\w)\)", place).group(1) if "(" in place else place
        cells = {"Ítems": (int(row["Antes"]), int(row["Después"]))}
        for name, cat in REVISION_CATEGORIES.items():
            before, after = (int(n) for n in row[name].split("→"))
            cells[cat] = (before, after)
        out[code] = cells
    return out


def paraphrase_pairs() -> Table:
    """Pares (pregunta de referencia, instrucción) del mismo país con similitud ≥ ``PARAPHRASE_FLOOR``."""
    ref = rows("finanzas", "referencia.jsonl")
    table: Table = {}
    for split in CONFIGS["finanzas"]["default"]:
        for pair in rows("finanzas", f"{split}.jsonl"):
            for q in ref:
                if q["pais"] != pair["pais"]:
                    continue
                score = jaccard(trigrams(q["pregunta"]), trigrams(pair["instruccion"]))
                if score >= PARAPHRASE_FLOOR:
                    table[f"{q['id']} / {pair['id']}"] = {"Similitud": f"{score:.2f}".replace(".", ","),
                                                          "División": split}
    return dict(sorted(table.items(), key=lambda kv: (-float(kv[1]["Similitud"].replace(",", ".")), kv[0])))


def expected_finanzas() -> dict[str, Table]:
    splits = {s: rows("finanzas", f) for s, f in CONFIGS["finanzas"]["default"].items()}
    ref = {"referencia": rows("finanzas", "referencia.jsonl")}
    kinds = ("cálculo propio", "ISO 4217")
    return {
        "conteo: finanzas.archivos": {f: {"Filas": str(line_count("finanzas", f))} for f in FILES["finanzas"]},
        "conteo: finanzas.paises": count(splits, lambda r: [r["pais"]], label=PAISES.__getitem__, extra=ref),
        "conteo: finanzas.temas": count(splits, lambda r: [r["tema"]], order=TEMAS_FINANZAS, extra=ref),
        "conteo: finanzas.dificultades": count(splits, lambda r: [r["dificultad"]], order=DIFICULTADES),
        "conteo: referencia.fuentes": count({"Preguntas": ref["referencia"]},
                                            lambda r: [r["fuente"] if r["fuente"] in kinds else "otras"],
                                            order=(*kinds, "otras")),
        "pares: referencia-instruccion": paraphrase_pairs(),
        "conteo: finanzas.vigencia": count(splits, lambda r: [r["valid_as_of"]], extra=ref),
        "conteo: finanzas.norma_cambiante": in_flux({**splits, **ref}),
        "conteo: referencia.vistas": count({"Preguntas": ref["referencia"]},
                                           lambda r: ["sí" if r["seen_in_train"] else "no"], order=("sí", "no")),
    }


def in_flux(groups: dict[str, list[dict]]) -> Table:
    """Los registros con ``rule_in_flux``: id → país y división, en orden de id."""
    found = {r["id"]: {"País": PAISES[r["pais"]], "División": split}
             for split, recs in groups.items() for r in recs if r["rule_in_flux"]}
    return dict(sorted(found.items()))


def expected_consumo() -> dict[str, Table]:
    splits = {s: rows("consumo", f) for s, f in CONFIGS["consumo"]["default"].items()}
    return {
        "conteo: consumo.archivos": {f: {"Filas": str(line_count("consumo", f))} for f in FILES["consumo"]},
        "conteo: consumo.paises": count(splits, lambda r: [r["pais"]], label=PAISES.__getitem__),
        "conteo: consumo.temas": count(splits, lambda r: [r["tema"]], order=TEMAS_CONSUMO),
        "conteo: consumo.dificultades": count(splits, lambda r: [r["dificultad"]], order=DIFICULTADES),
        "conteo: consumo.norma_cambiante": in_flux(splits),
    }


def expected_variantes() -> dict[str, Table]:
    items = rows("variantes", "variantes.jsonl")
    before = revision_counts()
    by_country = count({"Ítems": items}, lambda r: [r["pais"]], total_row=False)
    countries: Table = {}
    for code in by_country:
        cells = {"Antes de la revisión": str(before[code]["Ítems"][0]), **by_country[code]}
        for cat in CATEGORIAS_VARIANTES:
            cells[cat] = str(sum(1 for r in items if r["pais"] == code and r["categoria"] == cat))
        countries[PAISES[code]] = cells
    countries["Total"] = {"Antes de la revisión": str(before["Total"]["Ítems"][0]), "Ítems": str(len(items)),
                          **{cat: str(sum(1 for r in items if r["categoria"] == cat)) for cat in CATEGORIAS_VARIANTES}}
    categories = count({"Ítems": items}, lambda r: [r["categoria"]], order=CATEGORIAS_VARIANTES)
    for cat, cells in categories.items():
        key = "Ítems" if cat == "Total" else cat
        categories[cat] = {"Antes de la revisión": str(before["Total"][key][0]), **cells}
    return {
        "conteo: variantes.archivos": {"variantes.jsonl": {"Filas": str(line_count("variantes", "variantes.jsonl"))}},
        "conteo: variantes.paises": countries,
        "conteo: variantes.categorias": categories,
        "conteo: variantes.posiciones": count({"Ítems": items}, lambda r: ["ABCD"[r["respuesta"]]]),
        "conteo: variantes.lineas_base": {
            "azar": {"Exactitud (%)": pct(0.25)},
            "opción más larga": {"Exactitud (%)": pct(longest_option_accuracy(items))},
            "opción más corta": {"Exactitud (%)": pct(option_length_accuracy(items, min))},
            "descarta la opción de otro país": {"Exactitud (%)": pct(other_country_accuracy(items))},
        },
    }


def expected_corpus() -> dict[str, Table]:
    splits = {s: rows("corpus", f) for s, f in CONFIGS["corpus"]["default"].items()}
    par, ori = rows("corpus", "paralelo.jsonl"), rows("corpus", "originarias.jsonl")
    files: Table = {f: {"Filas": str(line_count("corpus", f))} for f in FILES["corpus"]}
    for split, recs in splits.items():
        files[f"{split}.jsonl"]["Palabras"] = str(sum(len(r["texto"].split()) for r in recs))
    languages = count({"Entradas": ori}, lambda r: [r["lengua"]])
    for lang, cells in languages.items():
        if lang != "Total":
            codes = dict.fromkeys(c for r in ori if r["lengua"] == lang for c in r["pais"])
            cells["Países"] = ", ".join(PAISES[c] for c in codes)
    return {
        "conteo: corpus.archivos": files,
        "conteo: corpus.paises": count(splits, lambda r: [r["pais"]], label=PAISES.__getitem__),
        "conteo: corpus.registros": count(splits, lambda r: [r["registro"]], order=REGISTROS_CORPUS),
        "conteo: paralelo.temas": count({"Oraciones": par}, lambda r: [r["tema"]]),
        "conteo: originarias.lenguas": languages,
        "conteo: originarias.paises": count({"Entradas": ori}, lambda r: r["pais"], label=PAISES.__getitem__,
                                            total_row=False),
    }


EXPECTED: dict[str, Callable[[], dict[str, Table]]] = {
    "finanzas": expected_finanzas, "variantes": expected_variantes, "corpus": expected_corpus,
    "consumo": expected_consumo,
}


def compared(written: Table, wanted: Table) -> Table:
    """Las celdas de la ficha que se comparan: las columnas esperadas y toda celda numérica."""
    columns = {col for cells in wanted.values() for col in cells}
    return {key: {col: cell for col, cell in cells.items()
                  if cell not in EMPTY and (col in columns or NUMBER.fullmatch(cell))}
            for key, cells in written.items()}


def render(table: Table) -> str:
    """La tabla esperada en Markdown, para copiarla en la ficha si la prueba falla."""
    columns = list(dict.fromkeys(col for cells in table.values() for col in cells))
    lines = ["| | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    lines += [f"| {key} | " + " | ".join(cells.get(c, "—") for c in columns) + " |" for key, cells in table.items()]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Pruebas
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def hf_cache(tmp_path_factory) -> str:
    """Caché de ``datasets`` aparte, para no mezclar estas cargas con la caché del usuario."""
    return str(tmp_path_factory.mktemp("hf_datasets"))


@pytest.mark.parametrize("folder", sorted(CONFIGS))
def test_card_yaml_declares_configs_and_licence(folder):
    meta, _ = card(folder)
    declared = {c["config_name"]: {f["split"]: f["path"] for f in c["data_files"]} for c in meta["configs"]}
    assert declared == CONFIGS[folder]
    assert meta["license"] == "cc-by-4.0"
    assert "es" in meta["language"]
    infos = {i["config_name"] for i in meta["dataset_info"]}
    assert infos == set(CONFIGS[folder]), "cada configuración debe declarar sus `features` en `dataset_info`"


@pytest.mark.parametrize(("folder", "config"), [(f, c) for f, cs in CONFIGS.items() for c in cs])
def test_load_dataset_gives_the_files_rows(folder, config, hf_cache):
    loaded = load_dataset(str(DATA / folder), config, cache_dir=hf_cache)
    splits = CONFIGS[folder][config]
    assert list(loaded) == list(splits)
    for split, name in splits.items():
        assert loaded[split].num_rows == line_count(folder, name), f"{folder}/{name}"
        reference = LOADERS[(folder, name)]()
        assert loaded[split].features == reference.features, f"{folder}/{name}: `features` del YAML"
        assert loaded[split].to_list() == reference.to_list(), f"{folder}/{name}"


@pytest.mark.parametrize("folder", sorted(CONFIGS))
def test_fields_tables_match_the_schemas(folder):
    tables = marked_tables(card(folder)[1])
    covered: list[str] = []
    for key, table in tables.items():
        if not key.startswith("campos: "):
            continue
        names = key.removeprefix("campos: ").split()
        covered += names
        for name in names:
            schema = FILES[folder][name]
            assert [r["Campo"] for r in table] == list(schema.fields), f"{key}: campos o su orden"
            assert [r["Tipo"] for r in table] == [TYPES[f.kind] for f in schema.fields.values()], f"{key}: tipos"
    assert sorted(covered) == sorted(FILES[folder]), "cada archivo necesita exactamente una tabla de campos"


@pytest.mark.parametrize("folder", sorted(CONFIGS))
def test_count_tables_match_the_data(folder):
    tables = {k: as_table(v) for k, v in marked_tables(card(folder)[1]).items() if not k.startswith("campos: ")}
    wanted = EXPECTED[folder]()
    assert sorted(tables) == sorted(wanted), "tablas marcadas en la ficha"
    for name, table in wanted.items():
        assert compared(tables[name], table) == table, f"la tabla «{name}» no cuadra; debe ser:\n{render(table)}"


def test_revision_log_after_counts_match_the_data():
    items = rows("variantes", "variantes.jsonl")
    for code, cells in revision_counts().items():
        subset = items if code == "Total" else [r for r in items if r["pais"] == code]
        assert cells["Ítems"][1] == len(subset), code
        for cat in CATEGORIAS_VARIANTES:
            assert cells[cat][1] == sum(1 for r in subset if r["categoria"] == cat), (code, cat)


def test_variant_prompt_examples_are_what_the_tasks_show():
    body = card("variantes")[1]
    examples = re.findall(r"<!-- ejemplo: (\S+) (opciones|abierta) -->\n```text\n(.*?)\n```", body, flags=re.S)
    assert {kind for _, kind, _ in examples} == {"opciones", "abierta"}
    items = {r["id"]: r for r in rows("variantes", "variantes.jsonl")}
    for item_id, kind, text in examples:
        assert text == data.format_variant_prompt(items[item_id], options=kind == "opciones")


def test_lm_eval_commands_name_real_tasks():
    body = card("variantes")[1]
    defined = set()
    for path in (DATA / "variantes" / "lm_eval").glob("*.yaml"):
        defined |= set(re.findall(r"^(?:task|tag): (\S+)$", path.read_text(encoding="utf-8"), flags=re.M))
    named = set(re.findall(r"--tasks ([\w-]+)", body))
    assert {"variantes_latam_mc", "variantes_latam_gen"} <= named <= defined
    assert "--include_path data/variantes/lm_eval" in body
