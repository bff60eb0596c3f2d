"""Cargadores de datos: archivos rotos dan `DataError` con archivo y línea; los buenos, `datasets`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from datasets import Dataset, DatasetDict

from latamlab.data import loaders as data
from latamlab.errors import DataError
from latamlab.data.jsonl import read_jsonl, scan_jsonl, write_jsonl
from latamlab.data.schemas import VARIANTES

REPO = Path(__file__).resolve().parents[1]
ROTOS = Path(__file__).parent / "fixtures" / "datos_rotos"


# Archivo roto → (línea del problema o None si es del archivo entero, texto que debe aparecer).
BROKEN = {
    "json_malo.jsonl": (3, "JSON inválido en la columna"),
    "falta_campo.jsonl": (2, "falta el campo `explicacion`"),
    "campo_extra.jsonl": (2, "campo no permitido `nota`"),
    "tipo_malo.jsonl": (3, "`respuesta` debe ser un entero; recibí str '2'"),
    "vacio.jsonl": (None, "el archivo está vacío"),
    "no_utf8.jsonl": (2, "bytes que no son UTF-8"),
    "respuesta_fuera_de_rango.jsonl": (2, "`respuesta` debe estar entre 0 y 3; recibí 4"),
    "no_nfc.jsonl": (2, "no está en Unicode NFC"),
    "no_es_objeto.jsonl": (2, "se esperaba un objeto JSON"),
    "opciones_repetidas.jsonl": (2, "`opciones` repite una opción"),
}


def variant(n: int = 1, pais: str = "MX", **changes) -> dict:
    """Un ítem de variantes válido."""
    item = {
        "id": f"var-{pais.lower()}-{n:03d}", "pais": pais, "categoria": "lexico",
        "pregunta": f"¿Cómo se le dice al autobús en el país número {n}?",
        "opciones": ["guagua", "camión", "bondi", "micro"], "respuesta": 1,
        "respuestas_aceptadas": ["camión"], "explicacion": "Se dice «camión».", "fuente": "Prueba",
    }
    return {**item, **changes}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_names_file_and_line(name):
    line, text = BROKEN[name]
    path = ROTOS / name
    with pytest.raises(DataError) as err:
        data.load_records(path, VARIANTES)
    where = f"{path}:{line}: " if line else f"{path}: "
    message = str(err.value)
    assert message.startswith(where), message
    assert text in message and " — " in message  # qué está mal — cómo arreglarlo
    assert err.value.problem.line == line


def test_every_broken_fixture_is_covered():
    assert sorted(p.name for p in ROTOS.glob("*.jsonl")) == sorted(BROKEN)


def test_scan_collects_every_bad_line_without_stopping(tmp_path):
    path = tmp_path / "varios.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": \n\n[1]\n{"a": "\xff"}\n{"a": 1, "a": 2}\n')
    records, problems = scan_jsonl(path)
    assert [r.line for r in records] == [1]
    assert [p.line for p in problems] == [2, 3, 4, 5, 6]
    assert "línea vacía" in problems[1].what and "aparece dos veces" in problems[4].what


def test_missing_file_says_how_to_point_elsewhere(tmp_path):
    with pytest.raises(DataError, match=r"variantes\.jsonl: el archivo no existe — .*LATAMLAB_DATOS"):
        data.load_variants(tmp_path)


def test_nothing_is_loaded_half_way(tmp_path):
    folder = tmp_path / "variantes"
    folder.mkdir()
    rows = [json.dumps(variant(n), ensure_ascii=False) for n in (1, 2)] + ['{"id": "var-mx-003"}']
    (folder / "variantes.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"variantes\.jsonl:3: falta el campo"):
        data.load_variants(tmp_path)


def test_load_variantes_returns_typed_dataset(tmp_path):
    write_jsonl(tmp_path / "variantes" / "variantes.jsonl", [variant(1), variant(2, "AR")])
    ds = data.load_variants(tmp_path)
    assert isinstance(ds, Dataset) and ds.num_rows == 2
    assert list(ds.features) == list(VARIANTES.fields)
    assert ds.features["respuesta"].dtype == "int64"
    assert ds[1]["opciones"] == ["guagua", "camión", "bondi", "micro"]


def test_env_var_overrides_default_root(tmp_path, monkeypatch):
    write_jsonl(tmp_path / "variantes" / "variantes.jsonl", [variant(1)])
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    assert data.data_root() == tmp_path.resolve()
    assert data.load_variants().num_rows == 1
    monkeypatch.delenv(data.ENV_VAR)
    assert data.data_root() == REPO / "data"


def test_write_jsonl_normalizes_to_nfc_and_is_atomic(tmp_path):
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"texto": "cafe\u0301"}])
    assert read_jsonl(path)[0].data == {"texto": "café"}

    def rows():
        yield {"texto": "nuevo"}
        raise RuntimeError("falla a mitad de camino")

    with pytest.raises(RuntimeError):
        write_jsonl(path, rows())
    assert read_jsonl(path)[0].data == {"texto": "café"}  # el archivo anterior sigue intacto
    assert sorted(os.listdir(tmp_path)) == ["x.jsonl"]  # sin temporales olvidados


def test_multiple_choice_prompt():
    item = variant(1, "AR", pregunta="En Argentina, ¿cómo se le dice al autobús?", respuesta=2)
    assert data.format_variant_prompt(item) == (
        "País: Argentina\nPregunta: En Argentina, ¿cómo se le dice al autobús?\n"
        "A. guagua\nB. camión\nC. bondi\nD. micro\nRespuesta:"
    )
    assert data.format_variant_prompt(item, answer=True).endswith("Respuesta: C")
    open_prompt = data.format_variant_prompt(item, options=False, answer=True)
    assert open_prompt == "País: Argentina\nPregunta: En Argentina, ¿cómo se le dice al autobús?\nRespuesta: bondi"


def test_prompt_rejects_wrong_number_of_options():
    with pytest.raises(ValueError, match="`opciones` debe tener 4 elementos; recibí 3"):
        data.format_variant_prompt(variant(opciones=["a", "b", "c"]))


def test_shipped_finanzas_load():
    fin = data.load_finance()
    assert isinstance(fin, DatasetDict) and list(fin) == ["train", "validation", "test"]
    assert sum(fin.num_rows.values()) >= 600
    assert data.load_finance_reference().num_rows >= 80


def test_shipped_corpus_load():
    corpus = data.load_corpus()
    assert list(corpus) == ["train", "test"] and sum(corpus.num_rows.values()) >= 3000
    assert data.load_parallel().num_rows >= 200
    assert data.load_indigenous().num_rows >= 60


def test_every_shipped_variant_loads_and_renders_a_prompt():
    items = data.load_variants()
    assert items.num_rows >= 600
    for item in items:
        prompt = data.format_variant_prompt(item)
        assert prompt.count("\n") == 6 and prompt.endswith("Respuesta:")


def test_shipped_consumer_load():
    consumo = data.load_consumer()
    assert isinstance(consumo, DatasetDict) and list(consumo) == ["train", "validation", "test"]
    assert sum(consumo.num_rows.values()) >= 200
    assert len(set(consumo["train"]["pais"])) >= 8
    assert consumo["train"].features["rule_in_flux"].dtype == "bool"
    assert all(isinstance(v, bool) for v in consumo["test"]["rule_in_flux"])


def test_finance_records_carry_their_date_and_flags():
    fin = data.load_finance()
    assert fin["train"].features["valid_as_of"].dtype == "string"
    assert set(fin["train"]["valid_as_of"]) <= {"2024", "2025"}
    flagged = {r["id"] for split in fin.values() for r in split if r["rule_in_flux"]}
    assert {"fin-0263", "fin-0024", "fin-0402", "fin-0508", "fin-0673"} <= flagged  # cepo, Ley 2381, 32123, Bs, bitcoin
    ref = data.load_finance_reference()
    assert ref.features["seen_in_train"].dtype == "bool"
    assert 0 < sum(ref["seen_in_train"]) < ref.num_rows


def test_bool_field_rejects_text(tmp_path):
    from latamlab.data.schemas import CONSUMO

    row = {"id": "con-0001", "pais": "PE", "tema": "garantias", "dificultad": "basica", "instruccion": "¿Qué hago?",
           "respuesta": "Reclama.", "valid_as_of": "2025", "rule_in_flux": 0}
    write_jsonl(tmp_path / "x.jsonl", [row])
    with pytest.raises(DataError, match=r"x\.jsonl:1: `rule_in_flux` debe ser true o false; recibí int 0"):
        data.load_records(tmp_path / "x.jsonl", CONSUMO)


def test_installed_data_root_prefers_the_packaged_copy_then_the_checkout(tmp_path):
    from latamlab.data.loaders import installed_data_root
    from latamlab.errors import DataNotFoundError

    package = tmp_path / "site-packages" / "latamlab"
    (package.parent / "data" / "finanzas").mkdir(parents=True)
    assert installed_data_root(package) == package.parent / "data"  # clon o instalación editable
    (package / "course_data" / "finanzas").mkdir(parents=True)
    assert installed_data_root(package) == package / "course_data"  # instalación normal (Colab)
    with pytest.raises(DataNotFoundError, match="LATAMLAB_DATOS"):
        installed_data_root(tmp_path / "vacio" / "latamlab")
