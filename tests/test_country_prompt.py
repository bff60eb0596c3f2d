"""El país del registro va en el mensaje de sistema, igual al entrenar, al generar y en la máscara de la pérdida."""

from __future__ import annotations

import pytest

from latamlab.data.chat import chat_prompt, system_message, to_chat, to_chat_dataset
from latamlab.errors import DataError

RECORD = {"id": "fin-x", "pais": "CO", "instruccion": "¿Qué es un CDT?", "respuesta": "Un depósito a término."}


def test_a_colombian_record_names_colombia_in_a_system_turn():
    prompt = to_chat(RECORD)["prompt"]
    assert prompt[0] == {"role": "system", "content": "La persona usuaria vive en Colombia."}
    assert prompt[1] == {"role": "user", "content": RECORD["instruccion"]}


def test_system_prompt_goes_before_the_country():
    assert system_message("mx", "Eres un asesor financiero.") == ("Eres un asesor financiero. La persona usuaria vive "
                                                                  "en México.")
    assert system_message("Colombia") == system_message("CO")


def test_a_record_without_country_has_no_country_and_no_system_turn():
    bare = {k: v for k, v in RECORD.items() if k != "pais"}
    assert to_chat(bare)["prompt"] == [{"role": "user", "content": RECORD["instruccion"]}]
    assert to_chat({**bare, "pais": ""})["prompt"] == to_chat(bare)["prompt"]
    assert to_chat(bare, "Sé breve.")["prompt"][0] == {"role": "system", "content": "Sé breve."}


def test_an_unknown_country_is_one_spanish_line_naming_the_record():
    with pytest.raises(DataError, match="fin-x.*`pais`='XX'") as err:
        to_chat({**RECORD, "pais": "XX"}, source="mis-datos/train.jsonl")
    assert "\n" not in str(err.value)


def test_training_and_evaluation_build_the_identical_prompt():
    from latamlab.data.loaders import load_finance
    from latamlab.data.subsets import stratified_subset
    from latamlab.evaluation.generate import generation_prompts
    from latamlab.models.load import load_tokenizer
    from latamlab.train.config import TrainConfig
    from latamlab.train.hardware import load_chat_splits

    tokenizer = load_tokenizer("diminuto-llama")
    config = TrainConfig(dataset="finanzas", max_train_examples=1, max_eval_examples=6, system_prompt="Sé breve.")
    _, validation = load_chat_splits(config)
    records = stratified_subset(load_finance()["validation"], 6)
    trained = [tokenizer.apply_chat_template(r["prompt"], tokenize=False, add_generation_prompt=True)
               for r in validation]
    asked = generation_prompts(tokenizer, records["instruccion"], countries=records["pais"], system_prompt="Sé breve.")
    assert asked == trained
    assert all(system_message(c, "Sé breve.") in text for text, c in zip(asked, records["pais"]))


def test_finance_rows_pass_each_question_country(monkeypatch):
    from latamlab.evaluation import finance, generate

    seen = {}

    def fake(model, tokenizer, questions, **kwargs):
        seen.update(kwargs)
        return ["-"] * len(questions)

    monkeypatch.setattr(generate, "generate_answers", fake)
    items = finance.load_finance_split("referencia")[:2]

    class Tok:
        chat_template = "x"

    finance.finance_rows(None, Tok(), items)
    assert seen["countries"] == [it["pais"] for it in items]


def test_gemma_template_keeps_an_answer_only_mask_with_the_country():
    """Gemma no tiene rol de sistema: el país va al comienzo del primer turno y la pérdida sigue en la respuesta."""
    from latamlab.models.load import load_tokenizer
    from latamlab.models.templates import GEMMA
    from latamlab.train.mask import loss_mask

    tokenizer = load_tokenizer("diminuto-llama")
    tokenizer.add_special_tokens({"additional_special_tokens": ["<start_of_turn>", "<end_of_turn>"]})
    tokenizer.chat_template = GEMMA
    tokenizer.eos_token = "<end_of_turn>"
    view = loss_mask(tokenizer, RECORD)
    text = tokenizer.decode(view.input_ids)
    assert "<start_of_turn>user\nLa persona usuaria vive en Colombia.\n\n¿Qué es un CDT?" in text
    assert tokenizer.decode(view.loss_ids) == RECORD["respuesta"] + "<end_of_turn>"


def test_chat_dataset_carries_each_record_country():
    from datasets import Dataset

    ds = to_chat_dataset(Dataset.from_list([RECORD, {**RECORD, "id": "fin-y", "pais": "AR"}]))
    assert [r["prompt"][0]["content"] for r in ds] == [system_message("CO"), system_message("AR")]
    assert chat_prompt("hola", "PE")[0]["content"].endswith("Perú.")
