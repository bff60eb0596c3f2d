"""Catálogo como datos, modos y mensajes de error en español."""

from __future__ import annotations

import pytest

from latamlab.models import catalog as catalog_mod
from latamlab.models.catalog import catalog, default_model_name, get_card
from latamlab.errors import ConfigError
from latamlab.runtime.device import resolve_mode


def test_catalog_lists_the_course_models():
    names = set(catalog())
    for required in ("qwen2.5-0.5b-instruct", "qwen2.5-1.5b-instruct", "llama-3.2-1b-instruct",
                     "smollm2-135m-instruct", "smollm2-360m-instruct", "smollm2-1.7b-instruct",
                     "salamandra-2b-instruct", "latamgpt-70b", "diminuto-llama", "diminuto-qwen2"):
        assert required in names


def test_latamgpt_does_not_fit_a_t4_and_says_why():
    card = get_card("latamgpt-70b")
    assert card.fits_t4 is False
    assert "T4" in card.notes and "GB" in card.notes


def test_gated_models_are_marked():
    assert get_card("meta-llama/Llama-3.2-1B-Instruct").gated is True
    assert get_card("qwen2.5-0.5b-instruct").gated is False


def test_unknown_name_suggests_close_catalog_names():
    with pytest.raises(ConfigError, match=r"qwen2\.5-0\.5b-instruct"):
        get_card("qwen2.5-0.5b-instrct")


def test_unknown_catalog_field_is_rejected(monkeypatch):
    raw = {"models": [{"name": "x", "source": "local", "architecture": "llama", "license": "MIT",
                        "languages": ["es"], "gated": False, "fits_t4": True, "notes": "",
                        "tamano": 3}], "modes": {}}
    monkeypatch.setattr(catalog_mod, "_raw_catalog", lambda: raw)
    catalog_mod.catalog.cache_clear()
    try:
        with pytest.raises(ConfigError, match="tamano"):
            catalog_mod.catalog()
    finally:
        catalog_mod.catalog.cache_clear()


def test_each_mode_has_a_catalog_model():
    for mode in ("gpu", "cpu", "diminuto"):
        assert get_card(default_model_name(mode)).name == default_model_name(mode)
    assert get_card(default_model_name("cpu")).source == "gguf"
    assert get_card(default_model_name("gpu")).source == "hub"


def test_mode_from_env_and_argument(monkeypatch):
    import torch

    monkeypatch.setenv("LATAMLAB_MODO", "diminuto")
    assert resolve_mode() == "diminuto"
    assert resolve_mode("CPU") == "cpu"
    monkeypatch.delenv("LATAMLAB_MODO")
    for has_cuda, want in ((False, "cpu"), (True, "gpu")):  # sin modo: gpu si hay CUDA (simulada aquí)
        monkeypatch.setattr(torch.cuda, "is_available", lambda has_cuda=has_cuda: has_cuda)
        assert resolve_mode() == want


def test_invalid_mode_is_one_spanish_line(monkeypatch):
    monkeypatch.setenv("LATAMLAB_MODO", "gpu2")
    with pytest.raises(ConfigError) as err:
        resolve_mode()
    message = str(err.value)
    assert "\n" not in message and "LATAMLAB_MODO" in message and "'gpu2'" in message
    assert "gpu, cpu, diminuto" in message
