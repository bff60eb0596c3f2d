"""Validador de los datos del curso: ``latamlab datos validar [path]`` llama a :func:`main`.

Revisa codificación, NFC, esquema, divisiones presentes, ids repetidos, duplicados exactos y
casi duplicados, fugas entre divisiones, balance de posiciones de las respuestas, la línea
base «elige la opción más larga», los distractores de variantes que delatan la respuesta (formas
de vosotros y rellenos, ver ``latamlab.data.giveaways``), cuenta las demás pistas de variantes
(``leak_report``) y revisa los tamaños mínimos. Se enseña en el
capítulo de datos.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from latamlab.data.baselines import longest_option_accuracy, other_country_accuracy
from latamlab.data.dedup import cross_pairs, near_duplicate_pairs, pair_kind
from latamlab.data.giveaways import leak_counts, leak_report
from latamlab.errors import DataProblem
from latamlab.numbers import fmt_number
from latamlab.data.jsonl import Record, scan_jsonl
from latamlab.data.schemas import CHAT, FILES, PAISES, Schema, check_record, dedup_text

__all__ = ["MINIMUMS", "SPLITS", "SHOWN_PER_FILE", "validate", "summarize", "main"]

#: Mínimos que pide el curso a cada conjunto.
MINIMUMS: dict[str, int] = {
    "finanzas_pares": 600, "finanzas_paises": 12, "referencia": 80, "variantes": 600,
    "variantes_paises": 18, "variantes_por_pais": 20, "corpus_oraciones": 3000,
    "corpus_palabras": 60000, "paralelo": 200, "originarias": 60, "originarias_lenguas": 2,
    "consumo_pares": 200, "consumo_paises": 8,
}
#: Divisiones con fracción objetivo; la tolerancia es ± ``SPLIT_TOLERANCE``.
SPLITS: dict[str, dict[str, float]] = {
    "finanzas": {"train": 0.8, "validation": 0.1, "test": 0.1},
    "corpus": {"train": 0.9, "test": 0.1},
    "consumo": {"train": 0.8, "validation": 0.1, "test": 0.1},
}
SPLIT_TOLERANCE = 0.03
POSITION_TOLERANCE = 0.03
MAX_LONGEST_BASELINE = 0.35
_REBUILD = "corre `python scripts/construir_datos.py`, que lo arregla solo"
#: Lo que reemplaza a `_REBUILD` fuera de la carpeta de datos del curso: el script solo reconstruye esa.
_BY_HAND = "arréglalo en tus archivos y vuelve a validar"
#: Divisiones de una carpeta de datos de chat propia (la de ``latamlab entrenar --dataset CARPETA``).
CHAT_SPLITS = ("train.jsonl", "validation.jsonl", "test.jsonl")
#: Problemas que `main` muestra de cada archivo; del resto, solo cuántos son.
SHOWN_PER_FILE = 5

Loaded = dict[Path, list[Record]]


def _pct(x: float) -> str:
    return f"{fmt_number(x * 100)} %"


def _read(path: Path, schema: Schema, problems: list[DataProblem]) -> list[Record]:
    records, found = scan_jsonl(path)
    problems.extend(found)
    good = []
    for record in records:
        issues = check_record(schema, record.data)
        problems.extend(DataProblem(path, record.line, what, fix) for what, fix in issues)
        if not issues:
            good.append(record)
    return good


def _duplicates(files: Loaded, schema: Schema, problems: list[DataProblem]) -> None:
    """Ids repetidos y (casi) duplicados dentro de un archivo y fugas entre archivos."""
    flat = [(path, rec) for path, recs in files.items() for rec in recs]
    first_id: dict[str, tuple[Path, int]] = {}
    for path, rec in flat if "id" in schema.fields else []:
        key = rec.data["id"]
        if key in first_id:
            where = first_id[key]
            problems.append(DataProblem(path, rec.line, f"el id {key!r} ya aparece en {where[0].name}:{where[1]}",
                                        "dale un id único"))
        else:
            first_id[key] = (path, rec.line)
    texts = [dedup_text(schema, rec.data) for _, rec in flat]
    blocks = [rec.data[schema.dedup_block] if schema.dedup_block else None for _, rec in flat]
    for i, j, score in near_duplicate_pairs(texts):
        (path_i, rec_i), (path_j, rec_j) = flat[i], flat[j]
        other = f"{path_i.name}:{rec_i.line}"
        kind = pair_kind(texts[i], texts[j], score)
        if path_i != path_j:
            problems.append(DataProblem(path_j, rec_j.line, f"fuga entre divisiones: {kind} de {other}",
                                        f"deja ambos en la misma división o borra uno; {_REBUILD}"))
        elif blocks[i] == blocks[j]:
            problems.append(DataProblem(path_j, rec_j.line, f"{kind} de {other}",
                                        f"borra uno de los dos o reescríbelo; {_REBUILD}"))


def _check_sizes(folder: str, files: Loaded, problems: list[DataProblem]) -> None:
    splits = SPLITS[folder]
    total = sum(len(files.get(p, [])) for p in files if p.stem in splits)
    if not total:
        return
    for path, recs in files.items():
        if path.stem in splits and abs(len(recs) / total - splits[path.stem]) > SPLIT_TOLERANCE:
            share, target = _pct(len(recs) / total), _pct(splits[path.stem])
            problems.append(DataProblem(path, None, f"la división {path.stem} tiene {share} de los datos; "
                                        f"se espera {target} ± {_pct(SPLIT_TOLERANCE)}", _REBUILD))


def _minimum(path: Path, label: str, got: int, key: str, fix: str, problems: list[DataProblem]) -> None:
    if got < MINIMUMS[key]:
        problems.append(DataProblem(path, None, f"{label}: hay {got}; se piden al menos {MINIMUMS[key]}", fix))


def _check_finanzas(files: Loaded, problems: list[DataProblem]) -> list[str]:
    pairs = [r.data for p, recs in files.items() if p.name != "referencia.jsonl" for r in recs]
    folder = next(iter(files)).parent
    countries = Counter(d["pais"] for d in pairs)
    _minimum(folder, "pares de finanzas", len(pairs), "finanzas_pares", "agrega pares en borradores/", problems)
    _minimum(folder, "países en finanzas", len(countries), "finanzas_paises", "agrega pares de otros países",
             problems)
    others = [n for code, n in countries.items() if code != "CO"]
    if pairs and countries["CO"] <= max(others, default=0):
        problems.append(DataProblem(folder, None, f"Colombia debe tener la mayor parte; el reparto es "
                                    f"{dict(countries.most_common(3))}", "agrega pares de Colombia (CO)"))
    ref = [p for p in files if p.name == "referencia.jsonl"]
    for path in ref:
        _minimum(path, "preguntas de referencia", len(files[path]), "referencia", "agrega preguntas", problems)
        train = [p for p in files if p.name == "train.jsonl"]
        _leaks_into(path, files[path], "pregunta", train, files, problems)
        _check_seen(path, files[path], [r.data for p in train for r in files[p]], problems)
    sizes = ", ".join(f"{p.stem} {len(r)}" for p, r in files.items() if p.name != "referencia.jsonl")
    return [f"finanzas: {len(pairs)} pares ({sizes}), {len(countries)} países, "
            f"{countries.get('CO', 0)} de Colombia; referencia: {sum(len(files[p]) for p in ref)} preguntas"]


def _leaks_into(path: Path, recs: list[Record], field: str, targets: list[Path], files: Loaded,
                problems: list[DataProblem]) -> None:
    """Marca preguntas de evaluación que son casi iguales a una instrucción de entrenamiento."""
    for target in targets:
        instructions = [r.data["instruccion"] for r in files[target]]
        for i, j, score in cross_pairs([r.data[field] for r in recs], instructions):
            line = files[target][j].line
            problems.append(DataProblem(path, recs[i].line, f"fuga: la pregunta es casi igual (similitud "
                                        f"{score:.2f}) a la instrucción de {target.name}:{line}",
                                        "reescribe una de las dos; `python scripts/construir_datos.py` "
                                        "quita esa instrucción de finanzas"))


def _check_seen(path: Path, recs: list[Record], train: list[dict[str, Any]], problems: list[DataProblem]) -> None:
    """Comprueba que ``seen_in_train`` sea lo que da la regla de :mod:`latamlab.data.seen`."""
    from latamlab.data.seen import seen_by  # import tardío: solo hace falta con referencia.jsonl

    for rec in recs:
        found = seen_by(rec.data, train)
        if rec.data["seen_in_train"] != (found is not None):
            why = f"la respuesta aparece en {found}" if found else "ninguna respuesta de train la contiene"
            problems.append(DataProblem(path, rec.line, f"`seen_in_train` es {str(rec.data['seen_in_train']).lower()}"
                                        f" pero {why}", _REBUILD))


def _check_consumo(files: Loaded, problems: list[DataProblem]) -> list[str]:
    pairs = [r.data for recs in files.values() for r in recs]
    folder = next(iter(files)).parent
    countries = Counter(d["pais"] for d in pairs)
    _minimum(folder, "pares de consumo", len(pairs), "consumo_pares", "agrega pares", problems)
    _minimum(folder, "países en consumo", len(countries), "consumo_paises", "agrega pares de otros países", problems)
    sizes = ", ".join(f"{p.stem} {len(r)}" for p, r in files.items())
    return [f"consumo: {len(pairs)} pares ({sizes}), {len(countries)} países"]


def _check_variantes(files: Loaded, problems: list[DataProblem]) -> list[str]:
    path, recs = next(iter(files.items()))
    items = [r.data for r in recs]
    countries = Counter(d["pais"] for d in items)
    _minimum(path, "ítems de variantes", len(items), "variantes", "agrega ítems en borradores/", problems)
    _minimum(path, "países en variantes", len(countries), "variantes_paises", "agrega ítems de otros países",
             problems)
    for code, n in sorted(countries.items()):
        _minimum(path, f"ítems de {PAISES[code]} ({code})", n, "variantes_por_pais", f"agrega ítems de {code}",
                 problems)
    positions = Counter(d["respuesta"] for d in items)
    if items:
        for pos in range(4):
            share = positions[pos] / len(items)
            if abs(share - 0.25) > POSITION_TOLERANCE:
                problems.append(DataProblem(path, None, f"la respuesta está en la posición {'ABCD'[pos]} en "
                                            f"{_pct(share)} de los ítems; se espera {_pct(0.25)} ± "
                                            f"{_pct(POSITION_TOLERANCE)}", _REBUILD))
    baseline = longest_option_accuracy(items)
    if baseline > MAX_LONGEST_BASELINE:
        problems.append(DataProblem(path, None, f"elegir la opción más larga acierta {_pct(baseline)} de los ítems; "
                                    f"el máximo es {_pct(MAX_LONGEST_BASELINE)}",
                                    "alarga distractores o acorta respuestas correctas"))
    shares = "/".join(str(positions[p]) for p in range(4))
    return [f"variantes: {len(items)} ítems, {len(countries)} países, posiciones A/B/C/D {shares}, "
            f"línea base «opción más larga» {_pct(baseline)}, «descarta la opción de otro país» "
            f"{_pct(other_country_accuracy(items))}",
            f"variantes, ítems con pistas que delatan la respuesta: {leak_counts(leak_report(items))}"]


def _check_corpus(files: Loaded, problems: list[DataProblem]) -> list[str]:
    by_name = {p.name: [r.data for r in recs] for p, recs in files.items()}
    folder = next(iter(files)).parent
    sentences = by_name.get("train.jsonl", []) + by_name.get("test.jsonl", [])
    words = sum(len(d["texto"].split()) for d in sentences)
    _minimum(folder, "oraciones del corpus", len(sentences), "corpus_oraciones", "agrega oraciones", problems)
    _minimum(folder, "palabras del corpus", words, "corpus_palabras", "agrega oraciones más largas", problems)
    out = [f"corpus: {fmt_number(len(sentences), 0)} oraciones y {fmt_number(words, 0)} palabras "
           f"(train {fmt_number(len(by_name.get('train.jsonl', [])), 0)}, test {len(by_name.get('test.jsonl', []))})"]
    if "paralelo.jsonl" in by_name:
        _minimum(folder / "paralelo.jsonl", "oraciones paralelas", len(by_name["paralelo.jsonl"]), "paralelo",
                 "agrega oraciones", problems)
        out.append(f"paralelo: {len(by_name['paralelo.jsonl'])} oraciones en es/pt/en")
    if "originarias.jsonl" in by_name:
        rows = by_name["originarias.jsonl"]
        langs = Counter(d["lengua"] for d in rows)
        _minimum(folder / "originarias.jsonl", "textos en lenguas originarias", len(rows), "originarias",
                 "agrega textos", problems)
        _minimum(folder / "originarias.jsonl", "lenguas originarias", len(langs), "originarias_lenguas",
                 "agrega textos de otra lengua", problems)
        out.append(f"originarias: {len(rows)} textos en {len(langs)} lenguas ({', '.join(sorted(langs))})")
    return out


_CHECKS = {"finanzas": _check_finanzas, "variantes": _check_variantes, "corpus": _check_corpus,
           "consumo": _check_consumo}


def _folders(root: Path) -> list[Path]:
    """Las carpetas de conjuntos del curso que hay en `root` (o `root` misma, si es una)."""
    present = [root / name for name in FILES if (root / name).is_dir()]
    return [root] if root.name in FILES and not present else present


def _course_root() -> Path | None:
    """La carpeta de datos que trae el curso (la que reconstruye ``scripts/construir_datos.py``), si la hay."""
    from latamlab.data.loaders import installed_data_root
    from latamlab.errors import DataNotFoundError

    try:
        return installed_data_root(Path(__file__).resolve().parents[1]).resolve()
    except DataNotFoundError:
        return None


def _own_fix(problem: DataProblem) -> DataProblem:
    """El problema sin la sugerencia del script de construcción, que solo rehace los datos del curso."""
    parts = [p for p in problem.fix.split("; ") if "construir_datos.py" not in p]
    return DataProblem(problem.path, problem.line, problem.what, "; ".join(parts) or _BY_HAND)


def _check_chat(root: Path, problems: list[DataProblem]) -> list[str]:
    """Una carpeta de datos de chat propia: el mismo chequeo de campos que hace ``latamlab entrenar``."""
    names = [n for n in CHAT_SPLITS if (root / n).is_file() or n == "train.jsonl"]
    files = {root / n: _read(root / n, CHAT, problems) for n in names}
    _duplicates(files, CHAT, problems)
    sizes = ", ".join(f"{p.stem} {len(r)}" for p, r in files.items())
    return [f"datos de chat: {sum(map(len, files.values()))} ejemplos válidos ({sizes})"]


def summarize(root: str | Path) -> tuple[list[str], list[DataProblem]]:
    """Valida ``root`` y devuelve un resumen por conjunto además de los problemas.

    Solo revisa los conjuntos que hay en ``root``. Una carpeta que no es de un conjunto del curso pero trae
    ``train.jsonl`` se revisa como datos de chat propios (esquema `CHAT`, el mismo chequeo de ``latamlab entrenar``).
    Fuera de la carpeta de datos del curso, los arreglos no sugieren ``scripts/construir_datos.py``.

    Args:
        root: la carpeta ``data/``, una carpeta de conjunto (``data/variantes``...) o una de datos de chat.

    Returns:
        Líneas de resumen en español y la lista de problemas (vacía si todo está bien).
    """
    root = Path(root)
    problems: list[DataProblem] = []
    summary: list[str] = []
    if not root.is_dir():
        return [], [DataProblem(root, None, "la carpeta no existe", "pasa la carpeta data/ o una de sus subcarpetas")]
    folders = _folders(root)
    if not folders and (root / "train.jsonl").is_file():
        summary = _check_chat(root, problems)
    elif not folders:
        problems.append(DataProblem(root, None, f"no hay datos que validar: ni carpetas {', '.join(FILES)} ni "
                                    "train.jsonl", "pasa la carpeta data/, una de sus subcarpetas o la carpeta de tus "
                                    "datos de chat (la de `--dataset`)"))
    for folder in folders:
        files: Loaded = {}
        for name, schema in FILES[folder.name].items():
            files[folder / name] = _read(folder / name, schema, problems)
        for schema in {id(s): s for s in FILES[folder.name].values()}.values():
            group = {p: r for p, r in files.items() if FILES[folder.name][p.name] is schema}
            _duplicates(group, schema, problems)
        if folder.name in SPLITS:
            _check_sizes(folder.name, {p: r for p, r in files.items() if p.stem in SPLITS[folder.name]}, problems)
        present = {p: r for p, r in files.items() if p.is_file()}  # los que faltan ya se reportaron
        if present:
            summary.extend(_CHECKS[folder.name](present, problems))
    course = _course_root()
    if course is None or course not in (root.resolve(), root.resolve().parent):
        problems = [_own_fix(p) for p in problems]
    return summary, problems


def validate(root: str | Path) -> list[DataProblem]:
    """Valida los datos del curso.

    Args:
        root: la carpeta ``data/`` o una carpeta de conjunto (``data/finanzas``...).

    Returns:
        Todos los problemas encontrados; una lista vacía significa que los datos están bien.
    """
    return summarize(root)[1]


def main(path: str | None = None) -> int:
    """Imprime los conteos de cada conjunto y los problemas (los primeros `SHOWN_PER_FILE` de cada archivo y
    cuántos más hay); así lo usa la CLI.

    Args:
        path: la carpeta ``data/`` o una carpeta de conjunto; ``None`` usa
            ``latamlab.data.data_root()`` (``LATAMLAB_DATOS`` o la carpeta ``data/`` del repositorio).

    Returns:
        0 si no hay problemas; 1 si hay alguno.
    """
    from latamlab.data.loaders import data_root  # import tardío: cargar `datasets` solo si hace falta

    summary, problems = summarize(path if path is not None else data_root())
    for line in summary:
        print(line)
    if not problems:
        print("[OK] Los datos están bien.")
        return 0
    by_file: dict[str, list[DataProblem]] = {}
    for problem in problems:
        by_file.setdefault(str(problem.path), []).append(problem)
    print(f"[FALLA] Encontré {len(problems)} problema(s):")
    for path, found in by_file.items():
        for problem in found[:SHOWN_PER_FILE]:
            print(problem)
        if len(found) > SHOWN_PER_FILE:
            print(f"… y {len(found) - SHOWN_PER_FILE} problema(s) más en {path}: arregla los de arriba y vuelve a "
                  "validar (suelen tener la misma causa).")
    return 1
