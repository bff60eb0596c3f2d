"""La CLI en español: informe del entorno en JSON, catálogo, errores de una línea y una importación liviana."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

FIELDS = {"python", "versions", "device", "gpu", "vram_total_gib", "vram_free_gib", "compute_capability",
          "native_bf16", "bf16_reason", "four_bit", "colab", "offline", "mode", "model"}


def _run(*args: str, env_mode: str | None = "cpu", module: str = "latamlab.cli") -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("LATAMLAB_MODO", None)
    if env_mode is not None:
        env["LATAMLAB_MODO"] = env_mode
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_entorno_json_is_valid_with_all_fields():
    result = _run("entorno", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert FIELDS <= set(report)
    assert set(report["versions"]) >= {"torch", "transformers", "peft", "bitsandbytes"}
    assert report["device"] == "cpu" and report["four_bit"] is True
    assert report["mode"] == "cpu" and report["model"] == "gemma-3-270m"
    assert result.stderr == ""


def test_entorno_text_has_ok_lines():
    result = _run("entorno")
    assert "[OK] Cuantización en 4 bits" in result.stdout
    assert "[FALLA]" not in result.stdout


def test_gpu_mode_offline_fails_with_a_fix():
    result = _run("entorno", env_mode="gpu")
    assert result.returncode == 1
    assert "[FALLA] Modo gpu" in result.stdout and "LATAMLAB_MODO=cpu" in result.stdout


def test_invalid_mode_exits_2_with_one_line():
    result = _run("entorno", env_mode="turbo")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "recibí 'turbo'" in result.stderr


def test_modelos_lists_catalog():
    result = _run("modelos")
    assert result.returncode == 0
    assert "latamgpt-70b" in result.stdout and "smollm2-135m-instruct" in result.stdout


def test_mode_flag_wins_over_the_environment_variable():
    result = _run("entorno", "--mode", "cpu", "--json", env_mode="gpu")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["mode"] == "cpu"


def test_invalid_mode_flag_exits_2_with_allowed_values():
    result = _run("entorno", "--mode", "turbo")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "error: `--mode` debe ser uno de gpu, cpu, diminuto; recibí 'turbo'.\n"


@pytest.mark.parametrize("args, closest", [
    (("entorno", "--modo", "cpu"), "`--mode`"),
    (("preparar", "--modelos", "diminuto-llama"), "`--models`"),
    (("modelos", "--jsn"), "`--json`"),
    (("entrono",), "`entorno`"),
])
def test_old_or_misspelled_flags_name_the_closest(args, closest):
    result = _run(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and f"¿Quisiste decir {closest}?" in result.stderr
    assert "Traceback" not in result.stderr and "unrecognized" not in result.stderr


def test_preparar_rejects_an_unknown_model_before_working():
    result = _run("preparar", "--models", "smollm2-135m")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "smollm2-135m-instruct" in result.stderr  # sugiere el nombre más parecido


def test_datos_validar_reports_a_missing_folder(tmp_path):
    result = _run("datos", "validar", str(tmp_path / "no_existe"))
    assert result.returncode == 1
    assert "[FALLA]" in result.stdout and "la carpeta no existe" in result.stdout


def test_help_is_spanish_and_fast():
    start = time.perf_counter()
    result = _run("--help", module="latamlab")
    seconds = time.perf_counter() - start
    print(f"latamlab --help: {seconds:.2f} s (proceso completo, con el arranque de Python)")
    assert result.returncode == 0
    assert result.stdout.startswith("uso: latamlab [-h] COMANDO") and "usage" not in result.stdout
    for command in ("entorno", "modelos", "preparar", "entrenar", "datos"):
        assert command in result.stdout


def test_importing_the_package_and_cli_loads_no_heavy_library():
    code = ("import sys, latamlab, latamlab.cli, latamlab.config; latamlab.cli.build_parser(); "
            "print(sorted({'torch', 'transformers', 'datasets', 'peft', 'bitsandbytes', 'sacrebleu', 'rouge_score'} "
            "& set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
