"""Métricas de texto en español: normalización, coincidencia exacta, F1, ROUGE-L y chrF (cuadernos 04 y 05)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sacrebleu
from rouge_score import rouge_scorer, tokenizers

from latamlab.errors import ConfigError, LatamlabError
from latamlab.evaluation import (SpanishTokenizer, chrf, exact_match, normalize_es, rouge_l, score_answers,
                                 token_f1, tokens_es)


@pytest.mark.parametrize("variants", [
    ("1.423.500", "1 423 500", "1423500", "1\u202f423\u202f500", "1,423,500"),
    ("5,5", "5.5", "5,50"),
    ("5,5 %", "5,5%", "5.5 %", "5,5 por ciento"),
    ("1.423.500,75", "1 423 500,75", "1423500.75"),
])
def test_number_formats_normalise_to_one_token(variants):
    normalised = {normalize_es(v) for v in variants}
    assert len(normalised) == 1, normalised
    assert len(tokens_es(variants[0])) == 1


def test_number_rule_for_ambiguous_points_and_commas():
    # Un punto o espacio con tres cifras detrás separa miles; cualquier otro punto o coma es decimal.
    assert tokens_es("1.500") == ["1500"]
    assert tokens_es("1,500") == ["1,5"]
    assert tokens_es("0.500") == ["0,5"]
    assert tokens_es("3.14159") == ["3,14159"]
    assert tokens_es("5,5") != tokens_es("55")
    assert tokens_es("-3 %") == tokens_es("−3%") == ["-3%"]
    assert tokens_es("2020-2021") == ["2020", "2021"]
    assert tokens_es("en 1990 100 personas") == ["en", "1990", "100", "personas"]
    assert tokens_es("1, 2 y 3") == ["1", "2", "y", "3"]


def test_case_punctuation_and_articles_are_ignored():
    assert normalize_es("¿Cuál es LA tasa de interés?") == "cuál es tasa de interés"
    assert normalize_es("¡El IVA, los impuestos y unas tasas!") == "iva impuestos y tasas"
    assert normalize_es("Lo que importa") == "que importa"
    assert normalize_es("  muchos\n espacios\t") == "muchos espacios"
    assert normalize_es("¿?¡!") == ""


def test_accents_are_kept_unless_asked_and_enye_always_stays():
    assert normalize_es("Qué año") == "qué año"
    assert normalize_es("Qué año", strip_accents=True) == "que año"
    assert normalize_es("PINGÜINO Ñandú", strip_accents=True) == "pinguino ñandu"
    decomposed = "nin\u0303o"  # «niño» con la tilde como carácter combinante
    assert tokens_es(decomposed) == ["niño"]
    assert exact_match("sabés", "sabes") == 0.0
    assert exact_match("sabés", "sabes", strip_accents=True) == 1.0


def test_exact_match():
    assert exact_match("El IVA es de 19 %.", "iva es de 19%") == 1.0
    assert exact_match("El IVA es de 19 %.", "iva es de 18%") == 0.0
    assert exact_match("Cuesta $1.423.500", "cuesta 1 423 500") == 1.0


def test_token_f1_by_hand():
    # respuesta: [iva, es, del, 19%]; referencia: [iva, 19%] → comunes 2, P = 2/4, R = 2/2, F1 = 2/3.
    assert token_f1("El IVA es del 19 %", "IVA: 19%") == pytest.approx(2 / 3)
    # bolsa de tokens: repetir no suma más comunes que los de la referencia.
    # [pago, pago, pago] contra [pago, mensual]: comunes 1, P = 1/3, R = 1/2, F1 = 0,4.
    assert token_f1("pago pago pago", "el pago mensual") == pytest.approx(0.4)
    assert token_f1("ahorro", "crédito") == 0.0
    assert token_f1("", "") == 1.0
    assert token_f1("el", "ahorro") == 0.0  # solo un artículo: queda sin tokens


def test_default_rouge_tokenizer_splits_spanish_words_and_ours_does_not():
    assert tokenizers.DefaultTokenizer().tokenize("El niño sabés") == ["el", "ni", "o", "sab", "s"]
    assert SpanishTokenizer().tokenize("El niño sabés") == ["niño", "sabés"]
    default = rouge_scorer.RougeScorer(["rougeL"]).score("niño", "niña")["rougeL"].fmeasure
    assert default == pytest.approx(0.5)  # «ni» coincide: la biblioteca sola da media nota a otra palabra
    assert rouge_l("niña", "niño") == 0.0
    assert rouge_l("niño", "niño") == 1.0


def test_rouge_l_respects_order_and_uses_our_normaliser():
    # referencia [tasa, sube, 5,5%]; respuesta [5,5%, tasa, sube]: LCS 2 de 3 → F = 2/3; el F1 no ve el orden.
    assert rouge_l("5.5 % la tasa sube", "La tasa sube 5,5%") == pytest.approx(2 / 3)
    assert token_f1("5.5 % la tasa sube", "La tasa sube 5,5%") == 1.0


def test_chrf_equals_sacrebleu_sentence_chrf():
    pairs = [("El niño comió pan.", "El niño come pan."), ("Bogotá", "Bogota"), ("ahorro", "inflación")]
    for pred, ref in pairs:
        assert chrf(pred, ref) == pytest.approx(sacrebleu.sentence_chrf(pred, [ref]).score)
    assert chrf("La tasa sube", "La tasa sube") == 100.0  # escala 0–100
    assert 0 < chrf("El niño comió pan.", "El niño come pan.") < 100


def test_score_answers_gives_one_score_per_item_and_metric():
    preds = ["El IVA es 19 %.", "No sé", "La tasa sube a 5,5%"]
    refs = ["IVA es 19%", "El ahorro es lo que no gastas", "la tasa sube a 5.5 %"]
    scores = score_answers(preds, refs)
    assert set(scores) == {"exact_match", "token_f1", "rouge_l", "chrf"}
    assert scores["exact_match"] == [1.0, 0.0, 1.0]
    assert scores["token_f1"] == [token_f1(p, r) for p, r in zip(preds, refs)]
    assert scores["chrf"][1] < scores["chrf"][2] < 100


@pytest.mark.parametrize("preds, refs", [(["a"], ["a", "b"]), ("ab", ["a", "b"]), ([], []), (["a", None], ["a", "b"])])
def test_bad_inputs_give_one_spanish_line(preds, refs):
    with pytest.raises(ConfigError) as info:
        score_answers(preds, refs)
    assert isinstance(info.value, LatamlabError)
    message = str(info.value)
    assert "\n" not in message and ("recibí" in message) and ("Pasa" in message or "Usa" in message)


def test_importing_evaluation_loads_no_metric_library():
    code = ("import sys, latamlab, latamlab.evaluation, latamlab.evaluation.metrics, latamlab.evaluation.bootstrap; "
            "print(sorted({'torch', 'sacrebleu', 'rouge_score', 'nltk'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
