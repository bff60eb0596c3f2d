"""Formato de chat, informe de recorte y máscara de la pérdida (solo la respuesta y su fin de turno)."""

from __future__ import annotations

import pytest
import torch

from latamlab.data.chat import to_chat, to_chat_dataset, truncation_report
from latamlab.errors import ConfigError, DataError

RECORD = {"id": "fin-x", "instruccion": "¿Qué es un CDT?", "respuesta": "Un certificado de depósito a término."}


def test_to_chat_with_and_without_system():
    assert to_chat(RECORD) == {"prompt": [{"role": "user", "content": RECORD["instruccion"]}],
                               "completion": [{"role": "assistant", "content": RECORD["respuesta"]}]}
    with_system = to_chat(RECORD, system_prompt="Eres un asesor financiero.")
    assert with_system["prompt"][0] == {"role": "system", "content": "Eres un asesor financiero."}
    assert with_system["prompt"][1]["role"] == "user"


def test_missing_chat_field_is_one_spanish_line_naming_it():
    from datasets import Dataset

    ds = Dataset.from_list([{"id": "a", "instruccion": "hola"}])
    with pytest.raises(DataError) as err:
        to_chat_dataset(ds, source="mis-datos/train.jsonl")
    text = str(err.value)
    assert "`respuesta`" in text and "mis-datos/train.jsonl" in text and "\n" not in text


def test_truncation_report_counts_and_cut_tokens():
    report = truncation_report([10, 30, 50], max_length=20)
    assert (report.truncated, report.tokens_cut, report.longest) == (2, 10 + 30, 50)
    assert "2 de 3 ejemplos" in str(report)
    assert "ninguno" in str(truncation_report([5, 6], max_length=20))


def test_all_examples_too_long_suggests_a_value():
    with pytest.raises(ConfigError, match=r"Los 3 ejemplos pasan de `max_length`=8.*p\. ej\., a 64"):
        truncation_report([20, 30, 40], max_length=8)


def test_loss_falls_exactly_on_the_answer_and_its_end_of_turn(tiny_dir):
    """Decodifica los tokens con pérdida de un lote real del `SFTTrainer`: respuesta + fin de turno, nada más."""
    from latamlab.data.loaders import load_finance
    from latamlab.models.load import load_model
    from latamlab.train.config import TrainConfig
    from latamlab.train.trainer import build_trainer

    records = load_finance()["train"].select(range(4))
    ds = to_chat_dataset(records)
    cfg = TrainConfig(model=str(tiny_dir), mode="diminuto", precision="fp32", max_length=4096, save_steps=0,
                      max_steps=1, output_dir="/tmp/no-se-escribe", gradient_checkpointing=False)
    model, tok = load_model(str(tiny_dir), precision="fp32", mode="diminuto")
    trainer = build_trainer(cfg, model, tok, ds, None, torch.float32, torch.device("cpu"))
    batch = next(iter(trainer.get_train_dataloader()))
    assert batch["input_ids"].shape[0] == 4
    answers = {r["respuesta"] for r in records}
    end = tok.eos_token  # <|im_end|> de la plantilla de chat
    for ids, labels in zip(batch["input_ids"], batch["labels"]):
        kept = labels[labels != -100]
        assert torch.equal(kept, ids[labels != -100])
        text = tok.decode(kept)
        assert text.endswith(end), text[-40:]
        assert text[: -len(end)].strip() in answers  # exactamente una respuesta, sin el prompt
