"""Cada error que comete quien aprende se lee como una línea en español: lo que recibí y cómo arreglarlo.

Una tabla de equivocaciones comunes (nombres mal escritos, precisión equivocada, datos rotos, YAML con errores,
carpetas sin permiso, continuar sin puntos de control, el cuaderno 05 antes del 04…), un *fixture* por caso. Cada una
corre como la correría alguien en su terminal o su cuaderno (un proceso aparte, en la carpeta del caso) y se
comprueba: el código de salida, una sola línea nuestra en español que cita lo recibido y dice cómo arreglarlo, nada
en inglés antes (ni el ruido de las bibliotecas) y nada a medio escribir en la carpeta. (Reemplaza a la tabla más corta que corría `main` en el mismo proceso en ``test_train_run.py``.)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "data" / "finanzas" / "train.jsonl"
#: Palabras que delatan un mensaje en inglés (de una biblioteca o del sistema), fuera de rutas y de `código`.
ENGLISH = re.compile(r"\b(the|is|not|and|of|to|for|found|expected|Failed|Warning|Traceback|Error|No such|denied|"
                     r"allowed|mapping|cannot|could)\b")
#: Cómo empiezan nuestras líneas en stderr: el error, un aviso y la barra de progreso del entrenamiento.
OURS = ("error: ", "aviso: ", "Entrenando")


@dataclass
class Mistake:
    """Una equivocación: el comando (o la celda de un cuaderno) y lo que su línea de error debe decir."""

    args: list[str]
    received: str
    fix: str
    code: int = 2
    cell: str | None = None  # una celda de cuaderno en vez de un comando


def _rows(n: int = 6) -> list[dict]:
    return [json.loads(line) for line in TRAIN.read_text(encoding="utf-8").splitlines()[:n]]


def _write(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _chat_folder(tmp_path: Path, line: int | None = None, **change) -> str:
    """Una carpeta con seis registros de chat; `change` cambia (o, con None, quita) campos de la línea `line`."""
    rows = _rows()
    for key, value in change.items():
        if value is None:
            del rows[line - 1][key]
        else:
            rows[line - 1][key] = value
    return str(_write(tmp_path / "datos" / "train.jsonl", rows).parent)


def _train(tmp_path: Path, *args: str) -> list[str]:
    return ["entrenar", "diminuto", "--output_dir", str(tmp_path / "salida"), *args]


# --- Nombres y valores mal escritos ------------------------------------------------------------------------------


@pytest.fixture
def modelo_mal_escrito(tmp_path):
    return Mistake(_train(tmp_path, "--model", "diminuto-lama"), "`--model` 'diminuto-lama'",
                   "¿Quisiste decir diminuto-llama")


@pytest.fixture
def precision_equivocada(tmp_path):
    return Mistake(_train(tmp_path, "--precision", "nf5"), "recibí 'nf5'", "¿Quisiste decir `nf4`?")


@pytest.fixture
def preset_mal_escrito(tmp_path):
    return Mistake(["entrenar", "diminutos"], "'diminutos'", "¿Quisiste decir `diminuto`?")


@pytest.fixture
def modo_mal_escrito(tmp_path):
    return Mistake(_train(tmp_path, "--mode", "diminuta"), "`--mode`", "¿Quisiste decir `diminuto`?")


@pytest.fixture
def opcion_que_no_existe(tmp_path):
    return Mistake(_train(tmp_path, "--epochs", "3"), "'--epochs'", "¿Quisiste decir `--num_train_epochs`?")


@pytest.fixture
def tasa_que_no_es_numero(tmp_path):
    return Mistake(_train(tmp_path, "--learning_rate", "abc"), "recibí 'abc'", "debe ser un número")


@pytest.fixture
def cero_pasos(tmp_path):
    return Mistake(_train(tmp_path, "--max_steps", "0"), "recibí 0", "-1 para usar `num_train_epochs`")


@pytest.fixture
def conjunto_mal_escrito(tmp_path):
    return Mistake(_train(tmp_path, "--dataset", "finanza"), "recibí 'finanza'", "¿Quisiste decir `finanzas`?")


@pytest.fixture
def fp16_en_cpu(tmp_path):
    return Mistake(_train(tmp_path, "--compute_dtype", "fp16"), "`--compute_dtype`=fp16", "Usa `--compute_dtype`=auto")


@pytest.fixture
def max_length_muy_corto(tmp_path):
    return Mistake(_train(tmp_path, "--max_length", "8"), "`--max_length`=8", "Sube `--max_length`")


@pytest.fixture
def adaptador_inicial_que_no_existe(tmp_path):
    return Mistake(_train(tmp_path, "--init_adapter", str(tmp_path / "no-existe")), "no-existe",
                   "da la carpeta `adaptador` de un entrenamiento anterior")


@pytest.fixture
def memoria_con_modelo_mal_escrito(tmp_path):
    return Mistake(["memoria", "--model", "gema"], "`--model` 'gema'", "¿Quisiste decir gemma-3-270m")


@pytest.fixture
def preparar_un_modelo_desconocido(tmp_path):
    return Mistake(["preparar", "--models", "smollm"], "`--models` 'smollm'", "latamlab modelos")


@pytest.fixture
def evaluar_con_tarea_mal_escrita(tmp_path):
    return Mistake(["evaluar", "--task", "variantez"], "recibí 'variantez'", "¿Quisiste decir")


@pytest.fixture
def evaluar_sin_adaptador(tmp_path):
    return Mistake(["evaluar", "--task", "variantes", "--adapter", str(tmp_path / "salidas" / "adaptador")],
                   "adaptador", "Da la carpeta que guardó el entrenamiento")


# --- Archivos YAML -----------------------------------------------------------------------------------------------


@pytest.fixture
def yaml_que_no_existe(tmp_path):
    return Mistake(["entrenar", "mi_config.yaml"], "mi_config.yaml", "revisa la ruta")


@pytest.fixture
def yaml_con_clave_mal_escrita(tmp_path):
    (tmp_path / "mio.yaml").write_text("model: diminuto-llama\nlearning_rat: 0.001\n", encoding="utf-8")
    return Mistake(["entrenar", str(tmp_path / "mio.yaml")], "`learning_rat`", "¿Quisiste decir `learning_rate`?")


@pytest.fixture
def yaml_mal_sangrado(tmp_path):
    (tmp_path / "mio.yaml").write_text("model: diminuto-llama\nlearning_rate: 0.001\n  max_steps: 2\n",
                                       encoding="utf-8")
    return Mistake(["entrenar", str(tmp_path / "mio.yaml")], "mio.yaml:3", "revisa la sangría")


@pytest.fixture
def yaml_con_valor_invalido(tmp_path):
    (tmp_path / "mio.yaml").write_text("model: diminuto-llama\nprecision: nf5\n", encoding="utf-8")
    return Mistake(["entrenar", str(tmp_path / "mio.yaml")], "mio.yaml: `precision`", "recibí 'nf5'")


# --- Carpetas de salida -------------------------------------------------------------------------------------------


@pytest.fixture
def carpeta_sin_permiso(tmp_path):
    locked = tmp_path / "cerrada"
    locked.mkdir(mode=0o500)
    target = "/sys/latamlab-salidas" if os.geteuid() == 0 else str(locked / "salidas")  # a root no lo frena chmod
    return Mistake(["entrenar", "diminuto", "--output_dir", target], f"`--output_dir`={target}",
                   "elige una carpeta tuya")


@pytest.fixture
def registro_sin_campos_de_chat(tmp_path):
    _write(tmp_path / "datos" / "train.jsonl", [{"id": "x", "pregunta": "¿Qué es el IVA?"}])
    return Mistake(_train(tmp_path, "--dataset", str(tmp_path / "datos")),
                   "train.jsonl:1: falta el campo `instruccion`, `respuesta`", "agrega instruccion, respuesta")


@pytest.fixture
def salida_dentro_de_un_archivo(tmp_path):
    (tmp_path / "notas.txt").write_text("hola\n", encoding="utf-8")
    return Mistake(["entrenar", "diminuto", "--output_dir", str(tmp_path / "notas.txt" / "salida")], "notas.txt",
                   "que es un archivo y no una carpeta; elige otra ruta")


@pytest.fixture
def continuar_sin_puntos_de_control(tmp_path):
    (tmp_path / "salida").mkdir()
    return Mistake(_train(tmp_path, "--resume"), "no hay puntos de control", "quita `--resume` para empezar de cero")


@pytest.fixture
def puntos_de_control_sin_resume(tmp_path):
    (tmp_path / "salida" / "checkpoint-3").mkdir(parents=True)
    return Mistake(_train(tmp_path), "ya tiene puntos de control", "usa `resume` para continuar")


# --- Datos de entrenamiento rotos ----------------------------------------------------------------------------------


@pytest.fixture
def falta_la_respuesta(tmp_path):
    return Mistake(_train(tmp_path, "--dataset", _chat_folder(tmp_path, 5, respuesta=None)),
                   "train.jsonl:5: falta el campo `respuesta`", "agrega respuesta")


@pytest.fixture
def respuesta_vacia(tmp_path):
    return Mistake(_train(tmp_path, "--dataset", _chat_folder(tmp_path, 3, respuesta="  ")),
                   "train.jsonl:3: `respuesta` está vacío", "escribe un valor para `respuesta`")


@pytest.fixture
def respuesta_que_no_es_texto(tmp_path):
    return Mistake(_train(tmp_path, "--dataset", _chat_folder(tmp_path, 4, respuesta=5)),
                   "train.jsonl:4: `respuesta` debe ser texto; recibí int 5", "entre comillas")


@pytest.fixture
def pais_que_no_existe(tmp_path):
    return Mistake(_train(tmp_path, "--dataset", _chat_folder(tmp_path, 2, pais="XX")),
                   "train.jsonl:2: `pais`='XX'", "corrige el campo `pais`")


@pytest.fixture
def json_roto(tmp_path):
    folder = _chat_folder(tmp_path)
    with open(Path(folder) / "train.jsonl", "a", encoding="utf-8") as f:
        f.write('{"instruccion": "¿Y esto?", "respuesta": "Sí"\n')
    return Mistake(_train(tmp_path, "--dataset", folder), "train.jsonl:7: JSON inválido", "corrige la línea")


@pytest.fixture
def archivo_en_latin1(tmp_path):
    folder = tmp_path / "datos"
    folder.mkdir()
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _rows())
    (folder / "train.jsonl").write_bytes(text.encode("latin-1", errors="replace"))
    return Mistake(_train(tmp_path, "--dataset", str(folder)), "train.jsonl:1: bytes que no son UTF-8",
                   "guarda el archivo como UTF-8")


@pytest.fixture
def archivo_vacio(tmp_path):
    (tmp_path / "datos").mkdir()
    (tmp_path / "datos" / "train.jsonl").write_text("", encoding="utf-8")
    return Mistake(_train(tmp_path, "--dataset", str(tmp_path / "datos")), "el archivo está vacío",
                   "agrega al menos un objeto JSON")


@pytest.fixture
def carpeta_sin_train(tmp_path):
    (tmp_path / "datos").mkdir()
    return Mistake(_train(tmp_path, "--dataset", str(tmp_path / "datos")), "no encuentro",
                   "la carpeta necesita train.jsonl")


@pytest.fixture
def evaluar_sin_validacion(tmp_path):
    return Mistake(_train(tmp_path, "--dataset", _chat_folder(tmp_path), "--eval_steps", "2"),
                   "`--eval_steps`=2", "no tiene validation.jsonl")


@pytest.fixture
def validar_una_carpeta_que_no_existe(tmp_path):
    return Mistake(["datos", "validar", str(tmp_path / "mis_datos")], "la carpeta no existe",
                   "pasa la carpeta data/", code=1)


# --- Cuadernos ----------------------------------------------------------------------------------------------------


@pytest.fixture
def cuaderno_05_antes_del_04(tmp_path):
    cell = ("from latamlab.train import find_adapter, load_train_config\n"
            f"find_adapter(load_train_config('diminuto', output_dir={str(tmp_path / 'salidas')!r}))")
    return Mistake([], "No encontré el adaptador del cuaderno 04", "Corre el cuaderno 04", cell=cell)


@pytest.fixture
def cuaderno_con_precision_equivocada(tmp_path):
    return Mistake([], "recibí 'nf5'", "¿Quisiste decir `nf4`?",
                   cell="import latamlab as ll\nll.load_model('diminuto-llama', precision='nf5')")


CASES = [
    "modelo_mal_escrito", "precision_equivocada", "preset_mal_escrito", "modo_mal_escrito", "opcion_que_no_existe",
    "tasa_que_no_es_numero", "cero_pasos", "conjunto_mal_escrito", "fp16_en_cpu", "max_length_muy_corto",
    "adaptador_inicial_que_no_existe", "memoria_con_modelo_mal_escrito", "preparar_un_modelo_desconocido",
    "evaluar_con_tarea_mal_escrita", "evaluar_sin_adaptador", "yaml_que_no_existe", "yaml_con_clave_mal_escrita",
    "yaml_mal_sangrado", "yaml_con_valor_invalido", "carpeta_sin_permiso", "salida_dentro_de_un_archivo",
    "continuar_sin_puntos_de_control", "puntos_de_control_sin_resume", "falta_la_respuesta", "respuesta_vacia",
    "respuesta_que_no_es_texto", "registro_sin_campos_de_chat", "pais_que_no_existe", "json_roto", "archivo_en_latin1", "archivo_vacio",
    "carpeta_sin_train", "evaluar_sin_validacion", "validar_una_carpeta_que_no_existe", "cuaderno_05_antes_del_04",
    "cuaderno_con_precision_equivocada",
]

#: Una celda de cuaderno en un IPython aparte, tras `ll.setup()`; lo que imprime la celda va después de la marca.
_NOTEBOOK = """
import sys
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell("import latamlab as ll\\nll.setup()")
print("---celda---", flush=True)
print("---celda---", file=sys.stderr, flush=True)
result = shell.run_cell(sys.argv[1])
sys.exit(0 if result.success else 2)
"""


def _snapshot(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _run(mistake: Mistake, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LATAMLAB_MODO": "diminuto", "HF_HUB_OFFLINE": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    command = ([sys.executable, "-c", _NOTEBOOK, mistake.cell] if mistake.cell is not None
               else [sys.executable, "-m", "latamlab", *mistake.args])
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def _english(line: str) -> list[str]:
    """Las palabras en inglés de `line`, sin contar rutas ni lo que va entre comillas invertidas."""
    plain = " ".join(w for w in re.sub(r"`[^`]*`", "", line).split() if "/" not in w)
    return ENGLISH.findall(plain)


@pytest.mark.parametrize("case", CASES)
def test_a_mistake_reads_as_one_spanish_line(case, request, tmp_path):
    mistake: Mistake = request.getfixturevalue(case)
    before = _snapshot(tmp_path)
    result = _run(mistake, tmp_path)
    assert result.returncode == mistake.code, result.stderr
    if mistake.cell is not None:  # en un cuaderno: la línea y la pista de %tb, sin traceback
        from latamlab.runtime.notebook import TRACEBACK_HINT

        lines = result.stdout.split("---celda---\n", 1)[1].splitlines()
        assert lines[1:] == [TRACEBACK_HINT] and result.stderr.split("---celda---\n", 1)[1] == ""
        line = lines[0]
    elif mistake.code == 1:  # `datos validar` informa en stdout
        assert result.stderr == ""
        line = result.stdout.splitlines()[-1]
    else:
        lines = [l for l in re.split(r"[\r\n]", result.stderr) if l.strip()]
        assert lines and all(l.startswith(OURS) for l in lines), lines  # nada ajeno antes del error
        assert [l for l in lines if l.startswith("error: ")] == [lines[-1]]
        line = lines[-1]
    assert line.startswith("error: ") or mistake.code == 1
    assert mistake.received in line and mistake.fix in line, line
    assert not _english(line), line
    assert _snapshot(tmp_path) == before  # nada a medio escribir


def test_a_good_run_writes_only_our_lines_and_a_spanish_model_card(tmp_path):
    """``latamlab entrenar diminuto`` de un paso: en stderr, solo la barra y avisos nuestros; la ficha, en español."""
    result = _run(Mistake(_train(tmp_path, "--max_steps", "1", "--save_steps", "1"), "", ""), tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [l for l in re.split(r"[\r\n]", result.stderr) if l.strip()]
    assert all(l.startswith(OURS) for l in lines), lines
    for folder in ("salida", "salida/adaptador", "salida/checkpoint-1"):
        card = (tmp_path / folder / "README.md").read_text(encoding="utf-8")
        assert "# Adaptador LoRA «salida» (curso latamlab)" in card and "fine-tuned" not in card, folder
