"""`generate_answers`: relleno a la izquierda correcto (el lote no cambia las respuestas), sin azar, errores claros."""

from __future__ import annotations

import pytest

from latamlab.errors import ConfigError
from latamlab.evaluation.generate import generate_answers

QUESTIONS = ["¿Qué es un CDT?", "Explica en dos frases qué es la inflación y cómo afecta mi sueldo.", "¿IVA?"]


@pytest.fixture(scope="module")
def tiny(tiny_dir):
    from latamlab.models.load import load_model

    return load_model(str(tiny_dir), precision="fp32", mode="diminuto")


def test_batching_and_left_padding_do_not_change_answers(tiny):
    model, tok = tiny
    side = tok.padding_side
    alone = [generate_answers(model, tok, [q], max_new_tokens=12)[0] for q in QUESTIONS]
    batched = generate_answers(model, tok, QUESTIONS, max_new_tokens=12, batch_size=3)
    assert batched == alone
    assert generate_answers(model, tok, QUESTIONS, max_new_tokens=12, batch_size=2) == batched  # sin azar
    assert tok.padding_side == side and model.training is False
    assert all(isinstance(a, str) and "<|im_start|>" not in a for a in batched)


def test_repetition_penalty_changes_greedy_answers(tiny):
    model, tok = tiny
    plain = generate_answers(model, tok, QUESTIONS, max_new_tokens=24, repetition_penalty=1.0)
    assert plain != generate_answers(model, tok, QUESTIONS, max_new_tokens=24, repetition_penalty=2.0)


@pytest.mark.parametrize("kwargs, fragment", [({"questions": []}, "`questions` está vacío"),
                                              ({"max_new_tokens": 0}, "`max_new_tokens` debe ser un entero ≥ 1"),
                                              ({"repetition_penalty": 0.5}, "`repetition_penalty` debe ser ≥ 1")])
def test_bad_arguments_are_one_spanish_line(tiny, kwargs, fragment):
    model, tok = tiny
    with pytest.raises(ConfigError, match=fragment):
        generate_answers(model, tok, **{"questions": QUESTIONS, **kwargs})
