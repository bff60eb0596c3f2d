"""`make test-gpu` (scripts/probar_gpu.py): su ensayo en seco sin GPU, la configuración real de Qwen2.5-1.5B que trae
el paquete y los cambios al preset que usa para correr los cuadernos con pocos pasos."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import torch
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "latamlab" / "models" / "configs" / "qwen2.5-1.5b-instruct.json"
sys.path.insert(0, str(ROOT / "scripts"))


def test_make_test_gpu_without_cuda_is_a_dry_run_that_says_why_it_skips():
    # Con GPU, `--seco` fuerza el mismo ensayo (si no, esta prueba correría todo make test-gpu).
    extra = ["PROBAR_GPU=--seco"] if torch.cuda.is_available() else []
    done = subprocess.run(["make", "-s", "test-gpu", "RUEDAS=", *extra], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    reason = "ensayo en seco pedido (--seco)" if extra else "no hay GPU CUDA aquí"
    assert f"make test-gpu: {reason}; se salta. En una máquina con GPU corre las pruebas `gpu` y los cuadernos " \
           "03, 04, 05, 06 y 08 con una T4 emulada" in done.stdout
    checks = done.stdout.split("Revisiones de la emulación, la configuración y las listas:")[1].split("\n\n")[0]
    assert "[FALLA]" not in checks and checks.count("[OK]") == 4, checks
    assert "ganchos de scripts/t4_emulada/: capacidad y bf16 nativo en un proceso nuevo → (7, 5) False" in checks


def test_shipped_qwen_config_has_the_published_sizes_and_1_54_billion_parameters():
    from transformers import AutoModelForCausalLM, Qwen2Config

    config = Qwen2Config.from_json_file(str(CONFIG))
    published = {"hidden_size": 1536, "num_hidden_layers": 28, "num_attention_heads": 12, "num_key_value_heads": 2,
                 "intermediate_size": 8960, "vocab_size": 151936, "tie_word_embeddings": True,
                 "max_position_embeddings": 32768, "rms_norm_eps": 1e-6}
    assert {k: getattr(config, k) for k in published} == published
    assert config.rope_parameters["rope_theta"] == 1e6
    assert json.loads(CONFIG.read_text(encoding="utf-8"))["torch_dtype"] == "bfloat16"
    with torch.device("meta"):  # sin memoria: solo las formas
        model = AutoModelForCausalLM.from_config(config)
    total = sum(p.numel() for p in model.parameters())  # las incrustaciones compartidas cuentan una vez
    assert total == 1_543_714_304
    assert total == pytest.approx(1.54e9, rel=0.01)

    from latamlab.memory.configs import architectures
    from latamlab.models.catalog import get_card

    assert get_card("qwen2.5-1.5b-instruct").params == pytest.approx(total, rel=0.01)
    known = architectures()["Qwen/Qwen2.5-1.5B-Instruct"]  # la tabla de la calculadora de memoria dice lo mismo
    assert {k: v for k, v in known.items() if k in published} == {k: published[k] for k in known if k in published}


def test_the_config_travels_in_the_package_data():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["latamlab.models"]
    assert any(fnmatch.fnmatch(str(CONFIG.relative_to(ROOT / "latamlab" / "models")), p) for p in patterns)


def test_env_changes_go_between_the_preset_and_explicit_overrides(monkeypatch):
    from latamlab.errors import ConfigError
    from latamlab.train.config import ENV_CHANGES, load_train_config

    from simulacion import training_changes

    monkeypatch.setenv(ENV_CHANGES, json.dumps(training_changes(6)))
    config = load_train_config("t4")
    assert (config.max_steps, config.save_steps, config.logging_steps, config.max_eval_examples) == (6, 2, 1, 8)
    assert config.per_device_train_batch_size == 4 and config.max_length == 1024  # la memoria del preset, intacta
    assert load_train_config("t4", max_steps=9).max_steps == 9
    monkeypatch.setenv(ENV_CHANGES, "{max_step: 3}")
    with pytest.raises(ConfigError, match=r"no tiene: max_step\. ¿Quisiste decir `max_steps`\?"):
        load_train_config("t4")
    monkeypatch.setenv(ENV_CHANGES, "[3]")
    with pytest.raises(ConfigError, match="debe ser un mapa YAML"):
        load_train_config("t4")
    monkeypatch.delenv(ENV_CHANGES)
    shipped = yaml.safe_load((ROOT / "latamlab" / "train" / "presets" / "t4.yaml").read_text(encoding="utf-8"))
    assert load_train_config("t4").max_steps == shipped["max_steps"]


@pytest.mark.parametrize("steps", range(4, 30))
def test_notebook_04_cuts_its_run_before_the_last_step(steps):
    """El cuaderno 04 mata su corrida tras el paso ``2 * save_steps + 1`` y la retoma: debe quedar antes del final."""
    from simulacion import training_changes

    changes = training_changes(steps)
    assert 2 * changes["save_steps"] + 1 < changes["max_steps"] == steps
