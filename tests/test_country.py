"""El corpus de un país (proyecto final, cuaderno 08) no contiene texto del banco de variantes."""

from __future__ import annotations

import json

import pytest

from latamlab.data.country import SOURCES, country_corpus, country_name, find_leaks, write_country_dataset
from latamlab.data.loaders import load_corpus, load_variants
from latamlab.errors import ConfigError

ITEMS = list(load_variants())
COUNTRIES = sorted({item["pais"] for item in ITEMS})
CORPUS = load_corpus()


@pytest.fixture(scope="module")
def corpora():
    return {country: country_corpus(country) for country in COUNTRIES}


@pytest.mark.parametrize("country", COUNTRIES)
def test_no_question_or_option_text_of_any_country_leaks_into_the_corpus(corpora, country):
    corpus = corpora[country]
    examples = corpus["train"] + corpus["validation"]
    assert find_leaks(examples, ITEMS) == []  # contra todo el banco: los otros países también se evalúan
    texts = [f"{e['instruccion']} {e['respuesta']}".casefold() for e in examples]
    for item in ITEMS:  # la misma promesa sin normalizar: ninguna pregunta aparece tal cual
        question = item["pregunta"].casefold()
        assert not any(question in text for text in texts), item["id"]


@pytest.mark.parametrize("country", COUNTRIES)
def test_corpus_has_the_country_sentences_and_explanations_and_only_drops_leaks(corpora, country):
    corpus = corpora[country]
    kept = {e["id"] for e in corpus["train"] + corpus["validation"]}
    dropped = {example_id for example_id, _, _ in corpus["excluded"]}
    assert not kept & dropped
    sentences = {r["id"]: r["texto"] for split in ("train", "test") for r in CORPUS[split] if r["pais"] == country}
    explanations = {f"exp-{it['id']}": it["explicacion"] for it in ITEMS if it["pais"] == country}
    assert kept | dropped == set(sentences) | set(explanations)  # nada se inventa ni se pierde sin motivo
    texts, name = {**sentences, **explanations}, country_name(country, ITEMS)
    for example in corpus["train"] + corpus["validation"]:
        assert example["pais"] == country and example["fuente"] in SOURCES
        assert example["respuesta"] == texts[example["id"]]
        assert name in example["instruccion"]
    validation = {e["id"] for e in corpus["validation"]}
    test_ids = {r["id"] for r in CORPUS["test"] if r["pais"] == country}
    assert validation <= test_ids and not validation & {e["id"] for e in corpus["train"]}
    assert sum(e["fuente"] == "explicacion" for e in corpus["train"]) >= len(explanations) - len(dropped)


def test_leaks_the_check_must_catch_are_caught():
    item = next(it for it in ITEMS if it["id"] == "var-co-003")  # «un tinto»
    clean = {"id": "ok", "instruccion": "Cuéntame un rasgo del español de Colombia.", "respuesta": item["explicacion"]}
    copied = {**clean, "id": "copia", "respuesta": f"Pregunta típica: {item['pregunta'].upper()}"}
    reworded = {**clean, "id": "casi", "respuesta": item["pregunta"].replace("Si en Colombia pides", "Cuando pides en Colombia")}
    options = {**clean, "id": "opciones", "respuesta": "; ".join(item["opciones"])}
    leaks = find_leaks([clean, copied, reworded, options], [item])
    assert {(e, i) for e, i, _ in leaks} == {("copia", "var-co-003"), ("casi", "var-co-003"),
                                            ("opciones", "var-co-003")}
    assert dict((e, what) for e, _, what in leaks)["copia"] == "pregunta"
    assert dict((e, what) for e, _, what in leaks)["casi"].startswith("casi duplicado")


def test_explanations_that_walk_through_all_four_options_are_excluded():
    corpus = country_corpus("CR")  # «"che" es rioplatense, "pana" venezolano y "parce" colombiano»
    assert ("exp-var-cr-001", "var-cr-001", "opciones") in corpus["excluded"]
    assert "exp-var-cr-001" not in {e["id"] for e in corpus["train"]}


def test_country_codes_are_checked_and_lowercase_is_accepted():
    assert country_name("co") == "Colombia"
    assert [e["id"] for e in country_corpus("co")["train"]][:3] == [e["id"] for e in country_corpus("CO")["train"]][:3]
    with pytest.raises(ConfigError, match="`country`.*'ES'"):
        country_name("ES")  # España está en PAISES pero no en el banco


def test_written_folder_is_a_training_dataset(tmp_path):
    from latamlab.train import TrainConfig
    from latamlab.train.hardware import load_chat_splits

    corpus = country_corpus("BO")
    folder = write_country_dataset(corpus, tmp_path / "bo")
    lines = (folder / "train.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [e["id"] for e in corpus["train"]]
    train, validation = load_chat_splits(TrainConfig(dataset=str(folder), mode="diminuto"))
    assert len(train) == len(corpus["train"]) and len(validation) == len(corpus["validation"])
    assert train[0]["completion"][0]["content"] == corpus["train"][0]["respuesta"]
