"""Adaptadores: guardar, cargar, cambiar de dominio, partir de uno ya entrenado; la evaluación por el camino corto."""

from __future__ import annotations

import pytest
import torch

from latamlab.train import load_train_config, train
from latamlab.train.adapters import BASE, attach_adapters, cross_domain_losses, format_loss_table, validation_loss
from latamlab.train.hardware import load_chat_splits

# Cálculo en fp32 fijado (como el automático en CPU): en bf16 dos caminos iguales difieren ≈ 5e-4.
FAST = {"max_steps": 3, "save_steps": 0, "max_train_examples": 12, "max_eval_examples": 6, "logging_steps": 1,
        "precision": "nf4", "compute_dtype": "fp32"}


@pytest.fixture(scope="module")
def two_adapters(tmp_path_factory):
    """Un adaptador de finanzas y uno de consumo sobre el modelo diminuto, evaluados al empezar y al terminar."""
    root = tmp_path_factory.mktemp("adaptadores")
    cfg = load_train_config("diminuto", eval_steps=3, eval_on_start=True, **FAST)
    fin = train(cfg, output_dir=root / "finanzas")
    con = train(cfg, dataset="consumo", output_dir=root / "consumo")
    return cfg, fin, con


def _model(cfg):
    from latamlab.models.load import load_model

    return load_model(cfg.model, precision=cfg.precision, mode=cfg.mode)


def test_fast_eval_loss_equals_trl_eval_loss(two_adapters):
    cfg, fin, _ = two_adapters
    model, tok = _model(cfg)
    model = attach_adapters(model, {"finanzas": fin.adapter_dir})
    _, val = load_chat_splits(cfg)
    fast = validation_loss(model, tok, val, cfg)
    trl = validation_loss(model, tok, val, cfg.replace(fast_loss=False))
    assert fast == pytest.approx(trl, abs=1e-5)


def test_start_eval_is_the_untrained_adapter_and_saved_adapters_reload_exactly(two_adapters):
    cfg, fin, con = two_adapters
    assert fin.start_eval_loss is not None and fin.eval_change_percent is not None
    assert "desde el adaptador sin entrenar" in str(fin)
    model, tok = _model(cfg)
    model = attach_adapters(model, {"finanzas": fin.adapter_dir, "consumo": con.adapter_dir})
    datasets = {"finanzas": load_chat_splits(cfg)[1],
                "consumo": load_chat_splits(cfg.replace(dataset="consumo"))[1]}
    table = cross_domain_losses(model, tok, datasets, cfg)
    assert list(table) == [BASE, "finanzas", "consumo"]
    # B empieza en cero: el adaptador sin entrenar es la base; cargar el guardado da la pérdida del final.
    assert table[BASE]["finanzas"] == pytest.approx(fin.start_eval_loss, abs=1e-5)
    assert table[BASE]["consumo"] == pytest.approx(con.start_eval_loss, abs=1e-5)
    assert table["finanzas"]["finanzas"] == pytest.approx(fin.eval_loss, abs=1e-5)
    assert table["consumo"]["consumo"] == pytest.approx(con.eval_loss, abs=1e-5)
    assert table["finanzas"]["consumo"] != pytest.approx(table["consumo"]["consumo"], abs=1e-4)
    assert model.active_adapter == "finanzas"
    text = format_loss_table(table)
    assert text.splitlines()[0].split() == ["adaptador", "finanzas", "consumo"] and "," in text


def test_swapping_adapters_changes_outputs_and_base_is_untouched(two_adapters):
    cfg, fin, con = two_adapters
    model, tok = _model(cfg)
    ids = tok("¿Qué es la tasa de interés?", return_tensors="pt")["input_ids"]
    with torch.no_grad():
        base_logits = model(input_ids=ids).logits
        model = attach_adapters(model, {"finanzas": fin.adapter_dir, "consumo": con.adapter_dir})
        fin_logits = model(input_ids=ids).logits
        model.set_adapter("consumo", inference_mode=True)
        con_logits = model(input_ids=ids).logits
        with model.disable_adapter():
            off_logits = model(input_ids=ids).logits
    assert not torch.allclose(fin_logits, con_logits) and not torch.allclose(fin_logits, base_logits)
    assert torch.equal(off_logits, base_logits)


def test_init_adapter_starts_from_the_trained_one(two_adapters, tmp_path):
    cfg, fin, _ = two_adapters
    moved = train(cfg, dataset="consumo", init_adapter=fin.adapter_dir, output_dir=tmp_path / "transferencia")
    model, tok = _model(cfg)
    model = attach_adapters(model, {"finanzas": fin.adapter_dir})
    _, val = load_chat_splits(cfg.replace(dataset="consumo"))
    assert moved.start_eval_loss == pytest.approx(validation_loss(model, tok, val, cfg), abs=1e-5)


def test_init_adapter_must_be_an_adapter_folder(tmp_path):
    from latamlab.errors import ConfigError

    with pytest.raises(ConfigError, match="no es la carpeta de un adaptador"):
        load_train_config("diminuto", init_adapter=tmp_path)
