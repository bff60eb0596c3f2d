"""La huella que `datasets` calcula del tokenizador (TRL la pide en cada `map`) sin las copias en Python del vocabulario."""

from __future__ import annotations

import pytest


@pytest.fixture
def gemma_tokenizer():
    from latamlab.errors import ConfigError
    from latamlab.models.load import load_tokenizer

    try:
        return lambda: load_tokenizer("gemma-3-270m")
    except ConfigError as err:  # pragma: no cover - sin el modelo preparado
        pytest.skip(str(err))


def test_light_fingerprint_still_sees_every_change(gemma_tokenizer):
    """Sin ``_vocab`` ni ``_merges`` la huella sigue siendo la de ese tokenizador: igual para una copia igual y
    distinta si cambia el vocabulario o la plantilla. (Lo que tarda lo mide `scripts/medir_huella.py`.)"""
    from datasets.fingerprint import Hasher

    from latamlab.train.trainer import _light_tokenizer_fingerprint

    tok = gemma_tokenizer()
    _light_tokenizer_fingerprint(tok)
    same = Hasher.hash(tok)
    other = gemma_tokenizer()
    assert Hasher.hash(other) == same  # otra copia igual: misma huella
    other.chat_template += " "
    assert Hasher.hash(other) != same
    other.chat_template = tok.chat_template
    other.add_tokens(["latamlab_token_nuevo"])  # cambia el vocabulario del tokenizador de `tokenizers`
    assert Hasher.hash(other) != same
    assert len(tok.get_vocab()) > 200_000  # el arreglo no tocó el tokenizador
