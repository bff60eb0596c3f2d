"""Entrenamientos cortos en el modelo diminuto: evaluar no cambia las pérdidas, resumen (las entradas malas, en
test_learner_mistakes.py)."""

from __future__ import annotations

import json

import pytest

from latamlab.train import load_train_config, train

FAST = {"max_steps": 4, "save_steps": 0, "max_train_examples": 16, "max_eval_examples": 4, "logging_steps": 1}


def _losses(result) -> list[float]:
    return [r["loss"] for r in map(json.loads, result.log_path.read_text(encoding="utf-8").splitlines()) if "loss" in r]


def test_eval_during_training_does_not_change_losses(tmp_path):
    """Con la guarda de 4 bits, evaluar a mitad (modo eval, sin gradiente) deja idénticas las pérdidas."""
    cfg = load_train_config("diminuto", precision="nf4", **FAST)
    plain = train(cfg, output_dir=tmp_path / "sin", eval_steps=0)
    with_eval = train(cfg, output_dir=tmp_path / "con", eval_steps=1)
    assert len(_losses(plain)) == 4 and with_eval.eval_loss is not None
    assert _losses(with_eval) == pytest.approx(_losses(plain), abs=1e-6)
    assert plain.trainable_params > 0 and 0 < plain.trainable_percent < 5
    assert (plain.adapter_dir / "adapter_model.safetensors").is_file()
    assert plain.tokens > 0 and plain.peak_memory_bytes > 0
    assert "parámetros entrenables" in str(plain) and str(plain.adapter_dir) in str(plain)


def test_existing_checkpoints_are_not_overwritten_without_resume(tmp_path):
    from latamlab.errors import ConfigError

    (tmp_path / "checkpoint-2").mkdir()
    (tmp_path / "checkpoint-2" / "mio.txt").write_text("no me borres", encoding="utf-8")
    with pytest.raises(ConfigError, match="ya tiene puntos de control"):
        train(load_train_config("diminuto"), output_dir=tmp_path)
    assert (tmp_path / "checkpoint-2" / "mio.txt").read_text(encoding="utf-8") == "no me borres"


def test_bf16_on_a_t4_is_one_spanish_error(monkeypatch, tmp_path):
    import torch

    import latamlab.quant.presets as presets
    import latamlab.runtime.device as device
    import latamlab.train.hardware as hardware
    from latamlab.errors import ConfigError

    monkeypatch.setattr(device, "device_for_mode", lambda mode=None: torch.device("cuda"))
    monkeypatch.setattr(hardware, "native_bf16", lambda d: False)
    monkeypatch.setattr(presets, "native_bf16", lambda d: False)  # lo que ve compute_dtype_for
    monkeypatch.setattr(hardware, "bf16_reason", lambda d: "sin bf16 nativo (capacidad 7.5 < 8.0, como una T4)")
    for field in ("compute_dtype", "precision"):
        with pytest.raises(ConfigError, match=rf"Pediste `{field}`=bf16, pero esta GPU no lo tiene.*T4"):
            train(load_train_config("diminuto", **{field: "bf16"}), output_dir=tmp_path / "x")
    assert not (tmp_path / "x").exists()
    assert hardware.mixed_dtype(load_train_config("t4"), torch.device("cuda")) == torch.float16
    assert hardware.optimizer_for(torch.device("cuda")) == "paged_adamw_8bit"
    assert hardware.optimizer_for(torch.device("cpu")) == "adamw_torch"


def test_fast_loss_equals_trl_loss(tmp_path):
    """La capa de salida solo en la respuesta da la misma pérdida que la de TRL (cambia el costo, no el valor)."""
    cfg = load_train_config("diminuto", precision="fp32", compute_dtype="fp32", max_steps=3, save_steps=0,
                            max_train_examples=12)  # fp32 también en el cálculo mixto: bf16 difiere ≈ 5e-4
    fast = train(cfg, output_dir=tmp_path / "rapida", fast_loss=True)
    slow = train(cfg, output_dir=tmp_path / "trl", fast_loss=False)
    assert _losses(fast) == pytest.approx(_losses(slow), abs=1e-5)
    assert fast.tokens == slow.tokens > 0
