"""Todo error que alguien que aprende puede provocar es un `LatamlabError` con una línea en español."""

from __future__ import annotations

import pytest

from latamlab.errors import ConfigError, LatamlabError, SetupError


def _one_spanish_line(info: pytest.ExceptionInfo) -> str:
    message = str(info.value)
    assert isinstance(info.value, LatamlabError) and "\n" not in message and "recibí" in message
    return message


def test_dedup_arguments():
    from latamlab.data.dedup import near_duplicate_pairs

    with pytest.raises(ConfigError) as info:
        near_duplicate_pairs(["a b c", "a b d"], threshold=1.5)
    assert "Prueba con el valor del curso, 0.6." in _one_spanish_line(info)
    with pytest.raises(ConfigError) as info:
        near_duplicate_pairs(["a b c", "a b d"], blocks=["co"])
    assert "Da una clave por texto" in _one_spanish_line(info)


def test_schema_field_kind():
    from latamlab.data.schemas import Field

    with pytest.raises(ConfigError) as info:
        Field(float)
    assert "`kind` debe ser str, int, bool o list" in _one_spanish_line(info)


def test_variant_prompt_needs_four_options():
    from latamlab.data.loaders import format_variant_prompt

    item = {"pais": "CO", "pregunta": "¿?", "opciones": ["a", "b", "c"], "respuesta": 0}
    with pytest.raises(ConfigError) as info:
        format_variant_prompt(item)
    assert "una opción por letra (A, B, C, D)" in _one_spanish_line(info)


def test_default_model_name_of_an_unknown_mode():
    from latamlab.models.catalog import default_model_name

    with pytest.raises(ConfigError) as info:
        default_model_name("diminuta")
    assert _one_spanish_line(info) == ("`mode` debe ser uno de gpu, cpu, diminuto; recibí 'diminuta'. "
                                       "¿Quisiste decir `diminuto`?")


def test_guard_fails_loudly_if_bitsandbytes_renames_its_flag():
    bnb = pytest.importorskip("bitsandbytes")
    import torch

    from latamlab.models.load import guard_cpu_4bit

    layer = bnb.nn.Linear4bit(64, 64, compute_dtype=torch.float32)
    assert guard_cpu_4bit(torch.nn.Sequential(layer)) == 1 and layer.support_avx512bf16_for_cpu is False
    del layer.support_avx512bf16_for_cpu  # lo que vería la guarda si bitsandbytes cambiara el nombre
    with pytest.raises(SetupError, match="ya no tiene `support_avx512bf16_for_cpu`") as info:
        guard_cpu_4bit(torch.nn.Sequential(layer))
    assert isinstance(info.value, RuntimeError) and "\n" not in str(info.value)
