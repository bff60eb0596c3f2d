"""La CLI en español: informe del entorno en JSON, catálogo y errores de una línea."""

from __future__ import annotations

import json
import os
import subprocess
import sys

FIELDS = {"python", "versions", "device", "gpu", "vram_total_gib", "vram_free_gib", "compute_capability",
          "native_bf16", "bf16_reason", "four_bit", "colab", "offline", "mode", "model"}


def _run(*args: str, env_mode: str | None = "cpu") -> subprocess.CompletedProcess:
    env = {**os.environ}
    env.pop("LATAMLAB_MODO", None)
    if env_mode is not None:
        env["LATAMLAB_MODO"] = env_mode
    return subprocess.run([sys.executable, "-m", "latamlab.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_entorno_json_is_valid_with_all_fields():
    result = _run("entorno", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert FIELDS <= set(report)
    assert set(report["versions"]) >= {"torch", "transformers", "peft", "bitsandbytes"}
    assert report["device"] == "cpu" and report["four_bit"] is True
    assert report["mode"] == "cpu" and report["model"] == "smollm2-135m-instruct"
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
