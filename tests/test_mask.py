"""La vista de la máscara de pérdida (cuaderno 02) es la del entrenamiento de verdad: respuesta + fin de turno."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from latamlab.data.chat import conversation_lengths, to_chat_dataset  # noqa: E402
from latamlab.data.loaders import load_finance  # noqa: E402
from latamlab.train.mask import IGNORE_INDEX, loss_mask  # noqa: E402

RECORDS = load_finance()["train"].select(range(3))


@pytest.fixture(scope="module", params=["diminuto-llama", "smollm2-135m-instruct", "gemma-3-270m"])
def tokenizer(request):
    from latamlab.models.load import load_tokenizer

    return load_tokenizer(request.param)


@pytest.mark.parametrize("index", range(len(RECORDS)))
def test_loss_tokens_decode_to_exactly_the_answer_and_its_end_of_turn(tokenizer, index):
    record = RECORDS[index]
    view = loss_mask(tokenizer, record)
    assert len(view.pieces) == len(view.input_ids) == len(view.labels)
    assert tokenizer.decode(view.loss_ids) == record["respuesta"] + tokenizer.eos_token
    last = max(i for i, keep in enumerate(view.loss) if keep)
    assert view.input_ids[last] == tokenizer.eos_token_id and not any(view.loss[last + 1:])
    assert not view.loss[0], "el prompt no lleva pérdida"
    assert [label for label in view.labels if label != IGNORE_INDEX] == view.loss_ids


def test_system_prompt_changes_the_prompt_not_the_loss(tokenizer):
    plain = loss_mask(tokenizer, RECORDS[0])
    system = "Eres un asesor de finanzas personales para América Latina."
    with_system = loss_mask(tokenizer, RECORDS[0], system_prompt=system)
    assert system in tokenizer.decode(with_system.input_ids)
    assert with_system.loss_ids == plain.loss_ids


def test_view_equals_a_real_training_batch(tiny_dir):
    """El mismo ejemplo en el `SFTTrainer` de `build_trainer` con el modelo de verdad da los mismos tensores."""
    from latamlab.models.load import load_model
    from latamlab.train.config import TrainConfig
    from latamlab.train.trainer import build_trainer

    model, tok = load_model(str(tiny_dir), precision="fp32", mode="diminuto")
    cfg = TrainConfig(model=str(tiny_dir), mode="diminuto", precision="fp32", save_steps=0, max_steps=1,
                      output_dir="/tmp/no-se-escribe", gradient_checkpointing=False)
    trainer = build_trainer(cfg, model, tok, to_chat_dataset(RECORDS.select([1])), None, torch.float32,
                            torch.device("cpu"))
    batch = next(iter(trainer.get_train_dataloader()))
    view = loss_mask(tok, RECORDS[1])
    assert view.input_ids == batch["input_ids"][0].tolist()
    assert view.labels == batch["labels"][0].tolist()


def test_view_leaves_the_random_state_alone(tokenizer):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    loss_mask(tokenizer, RECORDS[0])  # el SFTTrainer fija su semilla al crearse
    assert torch.equal(torch.rand(3), expected)


def test_conversation_lengths_count_the_tokens_training_sees(tokenizer):
    lengths = conversation_lengths(tokenizer, to_chat_dataset(RECORDS))
    assert lengths == [len(loss_mask(tokenizer, RECORDS[i]).input_ids) for i in range(len(RECORDS))]


def test_mask_chart_draws_one_box_per_token_in_spanish(tokenizer):
    from latamlab.errors import ConfigError
    from latamlab.plots import loss_mask_chart

    view = loss_mask(tokenizer, RECORDS[2])
    ax = loss_mask_chart(view.pieces, view.loss, "prueba", width=60)
    assert len(ax.patches) == len(ax.texts) == len(view.pieces)
    greens = [p for p in ax.patches if p.get_facecolor()[1] > p.get_facecolor()[0] + 0.1]
    assert len(greens) == sum(view.loss)
    assert max(p.get_x() + p.get_width() for p in ax.patches) <= 60 or any(len(t) > 60 for t in view.pieces)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [f"lleva pérdida ({sum(view.loss)} tokens)",
                      f"sin pérdida ({len(view.loss) - sum(view.loss)} tokens)"]
    plt.close(ax.figure)
    with pytest.raises(ConfigError, match="mismo largo"):
        loss_mask_chart(["a", "b"], [True], "prueba")


def test_grouped_bar_chart_leaves_gaps_for_missing_series():
    from latamlab.plots import grouped_bar_chart

    ax = grouped_bar_chart({"español": {"A": 1.5, "B": 2.0}, "inglés": {"A": 1.3}}, "tokens por palabra", "prueba")
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["español", "inglés"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]
    assert [t.get_text() for t in ax.texts] == ["1,5", "1,3", "2,0"]  # coma decimal, serie por serie
    assert ax.yaxis.get_major_formatter()(1.5, 0) == "1,5"
    a_spain, a_english, b_spain = (p.get_x() + p.get_width() / 2 for p in ax.patches)
    assert a_spain < 0 < b_spain and a_english < 1  # B no tiene barra en inglés: A queda en su lugar del grupo
    plt.close(ax.figure)
