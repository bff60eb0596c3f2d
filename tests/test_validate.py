"""Validador y constructor de datos: cada problema sale con archivo y línea; el constructor lo arregla."""

from __future__ import annotations

import importlib.util
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from latamlab.data import validate as val
from latamlab.data.jsonl import read_jsonl, write_jsonl
from latamlab.data.baselines import longest_option_accuracy
from latamlab.data.schemas import FILES

REPO = Path(__file__).resolve().parents[1]
ROTOS = Path(__file__).parent / "fixtures" / "datos_rotos"
SCRIPT = REPO / "scripts" / "construir_datos.py"
# Vocabulario para armar textos al azar (con semilla) que no sean casi duplicados entre sí.
WORDS = ("arriendo cuota carro mercado servicios matrícula seguro vacaciones celular tarjeta gimnasio pensión "
         "prima cesantías predial libranza billetera giro dólares natillera ahorro deuda banco tasa interés "
         "plazo salario impuesto factura recibo cajero cuenta préstamo hipoteca inflación precio canasta "
         "transporte colegio salud vivienda arepa tinto panela cosecha finca barrio vecino alcaldía río").split()


def words(n: int, k: int = 8) -> str:
    return " ".join(random.Random(n).sample(WORDS, k))


def fin(n: int, pais: str = "CO", instruccion: str | None = None) -> dict:
    text = instruccion or f"¿Cómo manejo {words(n)}?"
    return {"id": f"fin-{n:04d}", "pais": pais, "tema": "ahorro", "dificultad": "basica",
            "instruccion": text, "respuesta": f"Respuesta de ejemplo {n}.", "valid_as_of": "2025", "rule_in_flux": False}


def con(n: int, pais: str = "PE") -> dict:
    return {"id": f"con-{n:04d}", "pais": pais, "tema": "garantias", "dificultad": "basica",
            "instruccion": f"¿Qué reclamo por {words(n + 3000)}?", "respuesta": f"Reclama así {n}.",
            "valid_as_of": "2025", "rule_in_flux": n == 1}


def ref(n: int = 1, **changes) -> dict:
    item = {"id": f"ref-{n:03d}", "pais": "CO", "tema": "inflacion", "pregunta": "¿Qué entidad publica el IPC en Colombia?",
            "respuesta": "El DANE", "alternativas": ["DANE"], "fuente": "DANE", "valid_as_of": "2025",
            "rule_in_flux": False, "seen_in_train": False}
    return {**item, **changes}


def var(n: int, pais: str = "MX", correct: str | None = None, respuesta: int = 0) -> dict:
    slang = ["camión", "lana", "chamba", "güero", "chavo", "chido", "neta", "pachanga", "chela", "cuate", "fresa",
             "naco", "padre", "chafa"]
    answer = correct or slang[n % len(slang)]
    options = ["bondi urbano", "guita fácil", "pega diaria", "cipote bravo"]
    options.insert(respuesta, answer)
    options = options[:4]
    return {"id": f"var-{pais.lower()}-{n:03d}", "pais": pais, "categoria": "lexico",
            "pregunta": f"¿Cómo se dice {words(n + 1000, 5)}?",
            "opciones": options, "respuesta": respuesta, "respuestas_aceptadas": [answer],
            "explicacion": "Ejemplo.", "fuente": "Prueba"}


def cor(n: int) -> dict:
    return {"id": f"cor-{n:05d}", "registro": "noticias", "pais": "PE",
            "texto": f"La nota habla de {words(n + 2000, 10)}."}


def good_tree(root: Path) -> Path:
    """Un árbol de datos pequeño y correcto (con mínimos reducidos en las pruebas)."""
    write_jsonl(root / "finanzas/train.jsonl", [fin(n) for n in range(1, 8)] + [fin(8, "MX")])
    write_jsonl(root / "finanzas/validation.jsonl", [fin(9)])
    write_jsonl(root / "finanzas/test.jsonl", [fin(10)])
    write_jsonl(root / "finanzas/referencia.jsonl", [ref()])
    write_jsonl(root / "variantes/variantes.jsonl", [var(n, respuesta=n % 4) for n in range(1, 9)])
    write_jsonl(root / "corpus/train.jsonl", [cor(n) for n in range(1, 10)])
    write_jsonl(root / "corpus/test.jsonl", [cor(10)])
    write_jsonl(root / "corpus/paralelo.jsonl", [{"id": "par-001", "tema": "casa", "es": "Hola.", "pt": "Olá.",
                                                  "en": "Hello."}])
    write_jsonl(root / "corpus/originarias.jsonl", [
        {"id": "ori-001", "lengua": "quechua", "pais": ["PE"], "texto": "wasi", "glosa_es": "casa", "fuente": "x"},
        {"id": "ori-002", "lengua": "guaraní", "pais": ["PY"], "texto": "óga", "glosa_es": "casa", "fuente": "x"}])
    write_jsonl(root / "consumo/train.jsonl", [con(n) for n in range(1, 8)] + [con(8, "CL")])
    write_jsonl(root / "consumo/validation.jsonl", [con(9)])
    write_jsonl(root / "consumo/test.jsonl", [con(10, "MX")])
    return root


@pytest.fixture
def small_minimums(monkeypatch):
    for key in val.MINIMUMS:
        monkeypatch.setitem(val.MINIMUMS, key, 1)


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


def test_unbalanced_variants_fixture():
    path = ROTOS / "desbalance" / "variantes" / "variantes.jsonl"
    found = messages(val.validate(path.parent))
    assert f"{path}:7: el id 'var-mx-001' ya aparece en variantes.jsonl:1 — dale un id único" in found
    assert any(m.startswith(f"{path}:5: duplicado exacto de variantes.jsonl:2 — ") for m in found)
    assert any(m.startswith(f"{path}: la respuesta está en la posición A en 100,0 % de los ítems") for m in found)
    assert any(m.startswith(f"{path}: elegir la opción más larga acierta 100,0 %") for m in found)
    assert any(m.startswith(f"{path}: ítems de México (MX): hay 8; se piden al menos 20") for m in found)


def test_leakage_fixture_finanzas():
    folder = ROTOS / "fuga" / "finanzas"
    found = messages(val.validate(folder))
    assert f"{folder}/validation.jsonl:1: el id 'fin-0002' ya aparece en train.jsonl:2 — dale un id único" in found
    assert any(m.startswith(f"{folder}/test.jsonl:1: fuga entre divisiones: casi duplicado (similitud 0.72) "
                            "de train.jsonl:3 — ") for m in found)
    assert any(m.startswith(f"{folder}/train.jsonl:6: casi duplicado (similitud 0.90) de train.jsonl:4") for m in found)
    assert any(m.startswith(f"{folder}/referencia.jsonl:2: fuga: la pregunta es casi igual") and
               "train.jsonl:5" in m for m in found)
    # La misma plantilla en otro país y en la misma división no es un problema.
    assert not any(m.startswith(f"{folder}/train.jsonl:7:") for m in found)


def test_leakage_fixture_corpus():
    folder = ROTOS / "fuga" / "corpus"
    found = messages(val.validate(folder))
    assert any(m.startswith(f"{folder}/test.jsonl:2: fuga entre divisiones: duplicado exacto de train.jsonl:1")
               for m in found)
    assert f"{folder}/paralelo.jsonl: el archivo no existe — créalo o revisa la ruta (por ejemplo con `LATAMLAB_DATOS`)" in found


def test_line_level_problems_are_all_reported(tmp_path):
    folder = tmp_path / "variantes"
    folder.mkdir()
    bad = [(ROTOS / n).read_bytes() for n in ("no_utf8.jsonl", "respuesta_fuera_de_rango.jsonl", "json_malo.jsonl")]
    (folder / "variantes.jsonl").write_bytes(b"".join(bad))  # líneas 1-2, 3-4 y 5-7
    found = messages(val.validate(folder))
    path = folder / "variantes.jsonl"
    for line, text in [(2, "bytes que no son UTF-8"), (4, "`respuesta` debe estar entre 0 y 3"), (7, "JSON inválido")]:
        assert any(m.startswith(f"{path}:{line}: {text}") for m in found), (line, found)


def test_good_tree_passes_and_main_prints_counts(tmp_path, small_minimums, capsys):
    root = good_tree(tmp_path)
    assert val.validate(root) == []
    assert val.main(str(root)) == 0
    out = capsys.readouterr().out
    assert "finanzas: 10 pares (train 8, validation 1, test 1), 2 países, 9 de Colombia" in out
    assert "variantes: 8 ítems, 1 países, posiciones A/B/C/D 2/2/2/2" in out
    assert "originarias: 2 textos en 2 lenguas" in out and "[OK] Los datos están bien." in out
    assert "consumo: 10 pares (train 8, validation 1, test 1), 3 países" in out
    assert val.main(str(root / "variantes")) == 0  # también una sola carpeta


def test_main_lists_problems_and_fails(tmp_path, small_minimums, capsys):
    root = good_tree(tmp_path)
    write_jsonl(root / "finanzas/test.jsonl", [fin(10, instruccion=fin(3)["instruccion"])])
    (root / "corpus/originarias.jsonl").unlink()
    assert val.main(str(root)) == 1
    out = capsys.readouterr().out
    assert "[FALLA] Encontré 2 problema(s):" in out
    assert f"{root}/finanzas/test.jsonl:1: fuga entre divisiones: duplicado exacto de train.jsonl:3 — " in out
    assert f"{root}/corpus/originarias.jsonl: el archivo no existe" in out


def test_colombia_must_have_the_largest_share(tmp_path, small_minimums):
    root = good_tree(tmp_path)
    write_jsonl(root / "finanzas/train.jsonl", [fin(n, "MX") for n in range(1, 9)])
    assert any("Colombia debe tener la mayor parte" in m for m in messages(val.validate(root / "finanzas")))


def test_missing_folder():
    assert messages(val.validate("/no/existe")) == [
        "/no/existe: la carpeta no existe — pasa la carpeta data/ o una de sus subcarpetas"]


def test_longest_option_baseline_gives_partial_credit_on_ties():
    items = [{"opciones": ["aa", "bb", "c", "d"], "respuesta": 0}, {"opciones": ["a", "bbb", "c", "d"], "respuesta": 0}]
    assert longest_option_accuracy(items) == pytest.approx(0.25)
    assert longest_option_accuracy([]) == 0.0


@pytest.mark.parametrize("folder", sorted(FILES))
def test_shipped_data_is_valid(folder):
    assert messages(val.validate(REPO / "data" / folder)) == []


def test_seen_in_train_must_match_the_rule(tmp_path, small_minimums):
    root = good_tree(tmp_path)
    write_jsonl(root / "finanzas/referencia.jsonl", [ref(seen_in_train=True)])
    found = messages(val.validate(root / "finanzas"))
    assert found == [f"{root}/finanzas/referencia.jsonl:1: `seen_in_train` es true pero ninguna respuesta de train "
                     f"la contiene — {val._BY_HAND}"]  # fuera del data/ del curso, el script no sirve
    write_jsonl(root / "finanzas/train.jsonl", [{**fin(1), "respuesta": "Lo publica el DANE."}] +
                [fin(n) for n in range(2, 8)] + [fin(8, "MX")])
    assert messages(val.validate(root / "finanzas")) == []  # con el DANE en train, `true` es lo correcto
    write_jsonl(root / "finanzas/referencia.jsonl", [ref(seen_in_train=False)])
    assert messages(val.validate(root / "finanzas")) == [
        f"{root}/finanzas/referencia.jsonl:1: `seen_in_train` es false pero la respuesta aparece en fin-0001 — "
        f"{val._BY_HAND}"]


def test_seen_rule_specific_forms_short_forms_and_acronyms():
    from latamlab.data.seen import is_specific, seen_by

    assert [is_specific(f) for f in ("DIAN", "unidad de fomento", "49.799", "6,96", "089")] == [True] * 5
    assert [is_specific(f) for f in ("3", "19 %", "8.000", "no", "la mitad", "tres")] == [False] * 6
    train = [{**fin(1), "respuesta": "Paga sin intereses: la tasa es 19 % en 3 cuotas."},
             {**fin(2), "instruccion": "¿Cuál es la tarifa del IVA?", "respuesta": "La tarifa general es 19 %."}]
    sigla = ref(pregunta="¿Cuál es la sigla del Servicio de Impuestos Nacionales?", respuesta="SIN", alternativas=[])
    assert seen_by(sigla, train) is None  # «sin» en minúsculas no es la sigla
    iva = ref(pregunta="¿Cuál es la tarifa general del IVA en Colombia, en porcentaje?", respuesta="19",
              alternativas=["19 %"])
    assert seen_by(iva, train) == "fin-0002"  # fin-0001 dice 19 pero no trata del IVA
    assert seen_by({**iva, "pais": "MX"}, train) is None  # solo cuenta el mismo país


def test_booleans_and_years_are_checked(tmp_path, small_minimums):
    root = good_tree(tmp_path)
    write_jsonl(root / "consumo/test.jsonl", [{**con(10, "MX"), "rule_in_flux": "no", "valid_as_of": "25"}])
    found = messages(val.validate(root / "consumo"))
    path = root / "consumo/test.jsonl"
    assert f"{path}:1: `valid_as_of` no tiene la forma esperada (año AAAA en que valen los hechos); recibí '25' — " \
           "corrige `valid_as_of`; debe cumplir la expresión regular 20\\d\\d" in found
    assert f"{path}:1: `rule_in_flux` debe ser true o false; recibí str 'no' — escribe `rule_in_flux` como true o " \
           "false, sin comillas" in found


def test_consumo_minimums(tmp_path):
    root = good_tree(tmp_path)
    found = messages(val.validate(root / "consumo"))
    assert f"{root}/consumo: pares de consumo: hay 10; se piden al menos 200 — agrega pares" in found
    assert f"{root}/consumo: países en consumo: hay 3; se piden al menos 8 — agrega pares de otros países" in found


# --- scripts/construir_datos.py ---------------------------------------------------------------

def load_builder():
    spec = importlib.util.spec_from_file_location("construir_datos", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def draft_tree(root: Path) -> Path:
    good = good_tree(root / "_completo")
    for name in ("paralelo.jsonl", "originarias.jsonl"):  # el constructor no los toca
        write_jsonl(root / "corpus" / name, [r.data for r in read_jsonl(good / "corpus" / name)])
    fins = [fin(n) for n in range(1, 41)]
    fins[5] = fin(6, instruccion="¿Qué es la tasa de usura en Colombia y quién la fija?")
    fins[6] = fin(7, "MX", instruccion="¿Qué es la tasa de usura en México y quién la fija?")   # plantilla, otro país
    fins[7] = fin(8, instruccion="¿Quién fija la tasa de usura en Colombia y qué es?")          # casi duplicado
    fins[8] = fin(9, instruccion="¿Qué entidad publica el IPC en Colombia?")                     # igual a referencia
    for k in range(10, 20):  # diez respuestas nombran al DANE: al menos dos quedan en train
        fins[k] = {**fin(k + 1), "respuesta": f"El IPC lo publica el DANE cada mes (ejemplo {k})."}
    write_jsonl(root / "finanzas/borradores/instrucciones.jsonl", fins)
    write_jsonl(root / "finanzas/borradores/referencia.jsonl", [
        ref(alternativas=[]), ref(2, pregunta="¿Qué sigla tiene la entidad que mide la inflación en Colombia?",
                                  respuesta="DANE"),
        ref(3, pregunta="¿Cuál es la sigla de la autoridad tributaria de Colombia?", respuesta="DIAN",
            alternativas=[], seen_in_train=True)])  # el constructor lo corrige: ninguna respuesta nombra la DIAN
    write_jsonl(root / "consumo/borradores/pares.jsonl", [con(n) for n in range(1, 21)])
    items = [var(n) for n in range(1, 12)]
    dup = var(12, correct=items[2]["opciones"][0])
    dup.update(pregunta=items[2]["pregunta"], opciones=list(reversed(items[2]["opciones"])), respuesta=3)
    write_jsonl(root / "variantes/borradores/parte_a.jsonl", items)
    write_jsonl(root / "variantes/borradores/parte_b.jsonl", [dup, var(13, "AR"), var(5, correct="otro")])
    write_jsonl(root / "corpus/borradores/parte_1.jsonl", [cor(n) for n in range(1, 21)])
    write_jsonl(root / "corpus/borradores/parte_2.jsonl", [cor(21), {**cor(22), "texto": cor(4)["texto"]}])
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.jsonl"))}


def test_builder_dedups_splits_and_balances(tmp_path, small_minimums, capsys):
    root = draft_tree(tmp_path)
    builder = load_builder()
    assert builder.main(["--datos", str(root)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "descarto fin-0008 (finanzas/borradores/instrucciones.jsonl:8): casi duplicado (similitud 0.90) de fin-0006" in out
    assert "descarto fin-0009 (finanzas/borradores/instrucciones.jsonl:9): casi igual a una pregunta" in out
    assert "descarto var-mx-012 (variantes/borradores/parte_b.jsonl:1): duplicado exacto de var-mx-003" in out
    assert "descarto cor-00022 (corpus/borradores/parte_2.jsonl:2): duplicado exacto de cor-00004" in out
    assert ("descarto var-mx-005 (variantes/borradores/parte_b.jsonl:3): id repetido de "
            "variantes/borradores/parte_a.jsonl:5") in out

    splits = {s: [r.data for r in read_jsonl(root / f"finanzas/{s}.jsonl")] for s in ("train", "validation", "test")}
    assert {s: len(v) for s, v in splits.items()} == {"train": 30, "validation": 4, "test": 4}
    where = {d["id"]: s for s, rows in splits.items() for d in rows}
    assert where["fin-0006"] == where["fin-0007"]  # la misma plantilla queda en la misma división

    items = [r.data for r in read_jsonl(root / "variantes/variantes.jsonl")]
    assert sorted(Counter(d["respuesta"] for d in items).values()) == [3, 3, 3, 3]
    originals = {d["id"]: d for d in [var(n) for n in range(1, 12)] + [var(13, "AR")]}
    for item in items:
        original = originals[item["id"]]
        assert item["opciones"][item["respuesta"]] == original["opciones"][original["respuesta"]]
        assert sorted(item["opciones"]) == sorted(original["opciones"])
    assert len(read_jsonl(root / "corpus/test.jsonl")) == 2
    seen = {r.data["id"]: r.data["seen_in_train"] for r in read_jsonl(root / "finanzas/referencia.jsonl")}
    assert seen == {"ref-001": True, "ref-002": True, "ref-003": False}
    assert "2 de 3 preguntas de referencia tienen su respuesta en train (seen_in_train)" in out
    consumo = {s: len(read_jsonl(root / f"consumo/{s}.jsonl")) for s in ("train", "validation", "test")}
    assert consumo == {"train": 16, "validation": 2, "test": 2}

    first = snapshot(root)
    assert builder.main(["--datos", str(root)]) == 0
    assert snapshot(root) == first  # idempotente
    for draft in root.glob("*/borradores"):  # también sin borradores: los finales bastan
        for f in draft.iterdir():
            f.unlink()
    assert builder.main(["--datos", str(root)]) == 0
    assert snapshot(root) == {k: v for k, v in first.items() if "borradores" not in k}


def test_builder_stops_on_malformed_drafts(tmp_path, capsys):
    root = draft_tree(tmp_path)
    with (root / "variantes/borradores/parte_b.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"id": "var-ar-099"\n')
    assert load_builder().main(["--datos", str(root), "--solo", "variantes", "--simular"]) == 2
    err = capsys.readouterr().err
    assert f"{root}/variantes/borradores/parte_b.jsonl:4: JSON inválido" in err


def test_builder_runs_as_a_script_from_any_folder(tmp_path):
    root = draft_tree(tmp_path / "datos")
    result = subprocess.run([sys.executable, str(SCRIPT), "--datos", str(root), "--simular"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "escribiría" in result.stdout and not (root / "variantes/variantes.jsonl").exists()


def _grammar_item(tree: Path, line: int, key: str, distractors: list[str]) -> Path:
    """Convierte el ítem de la línea ``line`` de variantes en uno de gramática (la clave queda en su posición)."""
    path = tree / "variantes" / "variantes.jsonl"
    items = [r.data for r in read_jsonl(path)]
    opciones = list(distractors)
    opciones.insert(items[line - 1]["respuesta"], key)
    items[line - 1].update(categoria="gramatica", opciones=opciones, respuestas_aceptadas=[key])
    write_jsonl(path, items)
    return path


def test_vosotros_distractor_is_rejected_with_file_and_line(tmp_path, small_minimums):
    path = _grammar_item(good_tree(tmp_path), 3, "sabés", ["sabéis", "sabís", "sabes"])
    found = messages(val.validate(tmp_path))
    assert [m for m in found if not m.startswith(f"{path}: ")] == [  # sin los de archivo entero
        f"{path}:3: el distractor 'sabéis' usa la forma de vosotros «sabéis», que ninguna respuesta "
        "latinoamericana usaría: delata la respuesta — cámbialo por una forma que se use en algún país "
        "de la región y sea incorrecta aquí (tuteo, voseo de otra zona, usted o ustedes, otro tiempo verbal)"]


def test_vosotros_key_is_allowed_zulia(tmp_path, small_minimums):
    # En el Zulia «vos tenéis» es la respuesta correcta: solo los distractores se revisan.
    _grammar_item(good_tree(tmp_path), 2, "tenéis", ["tenís", "tenés", "tienes"])
    assert messages(val.validate(tmp_path)) == []


def test_dead_filler_is_rejected_with_file_and_line(tmp_path, small_minimums):
    path = _grammar_item(good_tree(tmp_path), 5, "vos", ["sumercé", "vusted", "tú"])
    found = messages(val.validate(tmp_path))
    assert [m for m in found if not m.startswith(f"{path}: ")] == [  # sin los de archivo entero
        f"{path}:5: el distractor 'vusted' es un relleno que nadie elegiría («vusted»: forma inventada, arcaica o de "
        "otra lengua) — cámbialo por una forma real que compita con la respuesta (la de otro país o región)"]


def test_the_build_script_hint_only_for_the_course_data_folder(tmp_path, small_minimums, monkeypatch):
    root = good_tree(tmp_path)
    write_jsonl(root / "finanzas/referencia.jsonl", [ref(seen_in_train=True)])
    monkeypatch.setattr(val, "_course_root", lambda: root.resolve())
    assert [p.fix for p in val.validate(root)] == [val._REBUILD]
    assert [p.fix for p in val.validate(root / "finanzas")] == [val._REBUILD]


def test_only_the_datasets_present_are_checked(tmp_path, small_minimums):
    root = good_tree(tmp_path)
    for name in ("variantes", "corpus", "consumo"):
        shutil.rmtree(root / name)
    summary, problems = val.summarize(root)
    assert problems == [] and len(summary) == 1 and summary[0].startswith("finanzas:")


def test_a_chat_folder_gets_the_same_check_as_training(tmp_path, capsys):
    rows = [fin(n) for n in range(1, 4)]
    del rows[1]["respuesta"]
    rows[2]["respuesta"] = "  "
    write_jsonl(tmp_path / "train.jsonl", [*rows, {"instruccion": "¿Y esto?", "respuesta": 5}])
    assert messages(val.validate(tmp_path)) == [
        f"{tmp_path}/train.jsonl:2: falta el campo `respuesta` — agrega respuesta; los campos de chat son instruccion, "
        "respuesta",
        f"{tmp_path}/train.jsonl:3: `respuesta` está vacío — escribe un valor para `respuesta`",
        f"{tmp_path}/train.jsonl:4: `respuesta` debe ser texto; recibí int 5 — escribe `respuesta` entre comillas"]
    assert "datos de chat: 1 ejemplos válidos (train 1)" in (val.main(str(tmp_path)), capsys.readouterr().out)[1]


def test_an_empty_folder_says_what_it_expected(tmp_path):
    (problem,) = val.validate(tmp_path)
    assert "ni carpetas finanzas, variantes, corpus, consumo ni train.jsonl" in str(problem)


def test_main_shows_the_first_problems_of_each_file_then_a_count(tmp_path, capsys):
    (tmp_path / "train.jsonl").write_bytes("".join(
        f'{{"instruccion": "pregunta {n}", "respuesta": "año {n}"}}\n' for n in range(40)).encode("latin-1"))
    assert val.main(str(tmp_path)) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "[FALLA] Encontré 40 problema(s):" and len(lines) == 2 + val.SHOWN_PER_FILE + 1
    assert lines[-1].startswith(f"… y {40 - val.SHOWN_PER_FILE} problema(s) más en {tmp_path}/train.jsonl")
