"""Métricas de texto sin internet para respuestas en español (cuadernos 04 y 05, comando `latamlab evaluar`).

En el cuaderno 04 comparas las respuestas del modelo antes y después del ajuste fino; en el 05 resumes
cada métrica con un intervalo de confianza y la desglosas por grupo (`latamlab.evaluation.bootstrap`).

- Coincidencia exacta y F1 de tokens (como en SQuAD) sobre el texto normalizado por :func:`normalize_es`.
- ROUGE-L con `rouge-score`, pero con :class:`SpanishTokenizer`: el tokenizador por defecto de esa biblioteca
  solo conserva ``[a-z0-9]`` y parte «niño» en «ni» + «o».
- chrF con `sacrebleu` (n-gramas de caracteres sobre el texto original, escala 0–100).
- `evaluate.load(...)` de Hugging Face falla sin internet: aquí no se usa.

Regla de números (sirve para texto en español): un punto o un espacio seguido de exactamente tres cifras
separa miles («1.423.500», «1 423 500» y «1423500» son el token ``1423500``); cualquier otro punto o coma entre
cifras es decimal («5,5» y «5.5» son ``5,5``; ceros finales fuera: «5,50» = «5,5»). Por eso «1.500» vale
mil quinientos (como se escribe en español), no 1,5. La coma con tres cifras es decimal («1,500» = 1,5),
salvo que se repita («1,423,500» solo puede ser una cifra en miles). «5,5 %», «5,5%» y «5,5 por ciento» dan
``5,5%``. Un grupo inicial «0» nunca separa miles: «0.500» es 0,5.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from latamlab.errors import ConfigError

__all__ = ["ARTICLES", "normalize_es", "tokens_es", "SpanishTokenizer", "exact_match", "token_f1", "rouge_l",
           "chrf", "METRICS", "score_answers", "check_lengths"]

ARTICLES = frozenset({"el", "la", "los", "las", "un", "una", "unos", "unas", "lo"})
_NUMBER = (r"(?P<sign>(?<!\w)[-−])?"
           r"(?P<int>[1-9]\d{0,2}(?P<sep>[. \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*(?!\d)"  # miles con . o espacio
           r"|[1-9]\d{0,2}(?:,\d{3}){2,}(?!\d)|\d+)"  # miles con coma repetida, o cifras seguidas
           r"(?:[.,](?P<dec>\d+))?(?P<pct>\s*(?:%|por\s+ciento\b))?")
_TOKEN = re.compile(rf"{_NUMBER}|(?P<word>[^\W_]+)")


def _strip_accents(text: str) -> str:
    """Quita tildes y diéresis («qué» → «que», «pingüino» → «pinguino»); la «ñ» es letra y se queda."""
    decomposed = unicodedata.normalize("NFD", text.replace("ñ", "\0"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\0", "ñ")


def tokens_es(text: str, *, strip_accents: bool = False) -> list[str]:
    """Tokens normalizados de un texto en español (la base de todas las métricas por palabras).

    Minúsculas, sin puntuación (tampoco «¿» ni «¡»), sin artículos (:data:`ARTICLES`) y con los números
    unificados según la regla del módulo.

    Args:
        text: texto original.
        strip_accents: si es ``True`` también quita tildes y diéresis (no la «ñ»): «qué» y «que» coinciden.

    Returns:
        La lista de tokens: ``tokens_es("¿Cuánto es el 5,5 % de 1.423.500?")`` →
        ``['cuánto', 'es', '5,5%', 'de', '1423500']``.
    """
    text = unicodedata.normalize("NFC", text).casefold()
    if strip_accents:
        text = _strip_accents(text)
    tokens = []
    for match in _TOKEN.finditer(text):
        if match["word"] is not None:
            if match["word"] not in ARTICLES:
                tokens.append(match["word"])
            continue
        integer = re.sub(r"\D", "", match["int"])
        decimals = (match["dec"] or "").rstrip("0")
        sign = "-" if match["sign"] and (integer.strip("0") or decimals) else ""
        tokens.append(sign + integer + ("," + decimals if decimals else "") + ("%" if match["pct"] else ""))
    return tokens


def normalize_es(text: str, *, strip_accents: bool = False) -> str:
    """Texto normalizado: los tokens de :func:`tokens_es` unidos por un espacio.

    >>> normalize_es("¡La tasa subió a 5,5 %!")
    'tasa subió a 5,5%'
    """
    return " ".join(tokens_es(text, strip_accents=strip_accents))


class SpanishTokenizer:
    """Tokenizador para `rouge_score.rouge_scorer.RougeScorer` que conserva las letras del español.

    `rouge-score` 0.1.2 acepta cualquier objeto con un método ``tokenize(text) -> list[str]``; este usa
    :func:`tokens_es`, así ROUGE-L ve los mismos tokens que el F1 («niño» sigue siendo «niño»).
    """

    def __init__(self, *, strip_accents: bool = False) -> None:
        self.strip_accents = strip_accents

    def tokenize(self, text: str) -> list[str]:
        """Devuelve ``tokens_es(text, strip_accents=self.strip_accents)``."""
        return tokens_es(text, strip_accents=self.strip_accents)


def exact_match(pred: str, ref: str, *, strip_accents: bool = False) -> float:
    """1.0 si la respuesta y la referencia coinciden tras :func:`normalize_es`; si no, 0.0."""
    return float(tokens_es(pred, strip_accents=strip_accents) == tokens_es(ref, strip_accents=strip_accents))


def token_f1(pred: str, ref: str, *, strip_accents: bool = False) -> float:
    """F1 de tokens como en SQuAD: bolsa de tokens normalizados, sin importar el orden.

    Precisión = comunes / tokens de la respuesta, exhaustividad = comunes / tokens de la referencia y
    F1 = 2·P·R / (P + R), de 0 a 1. Si alguno queda sin tokens vale 1.0 solo si ambos están vacíos.
    """
    pred_tokens = tokens_es(pred, strip_accents=strip_accents)
    ref_tokens = tokens_es(ref, strip_accents=strip_accents)
    if not pred_tokens or not ref_tokens:
        return float(pred_tokens == ref_tokens)
    common = sum((Counter(pred_tokens) & Counter(ref_tokens)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred_tokens), common / len(ref_tokens)
    return 2 * precision * recall / (precision + recall)


@lru_cache(maxsize=2)
def _rouge_scorer(strip_accents: bool):
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], tokenizer=SpanishTokenizer(strip_accents=strip_accents))


def rouge_l(pred: str, ref: str, *, strip_accents: bool = False) -> float:
    """ROUGE-L (medida F de la subsecuencia común más larga) de `rouge-score` con :class:`SpanishTokenizer`.

    De 0 a 1; a diferencia del F1 de tokens, sí importa el orden. Un texto sin tokens da 0.0.
    """
    return float(_rouge_scorer(strip_accents).score(ref, pred)["rougeL"].fmeasure)


@lru_cache(maxsize=1)
def _chrf_metric():
    from sacrebleu.metrics import CHRF

    return CHRF()


def chrf(pred: str, ref: str) -> float:
    """chrF de una oración con `sacrebleu.metrics.CHRF` (n-gramas de 6 caracteres, β = 2), de 0 a 100.

    Trabaja sobre el texto original en NFC (distingue mayúsculas y tildes): perdona palabras mal
    conjugadas o pegadas mejor que las métricas por palabra.
    """
    pred, ref = unicodedata.normalize("NFC", pred), unicodedata.normalize("NFC", ref)
    return float(_chrf_metric().sentence_score(pred, [ref]).score)


METRICS = {"exact_match": exact_match, "token_f1": token_f1, "rouge_l": rouge_l, "chrf": chrf}


def check_lengths(name: str, values: Sequence, expected: int, other: str) -> None:
    """Lanza `ConfigError` si `values` es un solo texto o no tiene `expected` elementos (como `other`)."""
    if isinstance(values, str) or len(values) != expected:
        got = "un solo texto" if isinstance(values, str) else f"{len(values)} elementos"
        raise ConfigError(f"`{name}` debe tener tantos elementos como `{other}` ({expected}); recibí {got}. "
                          f"Pasa una lista con un elemento por pregunta.")


def score_answers(preds: Sequence[str], refs: Sequence[str], *,
                  strip_accents: bool = False) -> dict[str, list[float]]:
    """Puntajes por respuesta de cada métrica de :data:`METRICS` (cuaderno 04).

    Args:
        preds: respuestas del modelo, una por pregunta.
        refs: respuestas de referencia, en el mismo orden.
        strip_accents: pasa a las métricas por palabra (chrF siempre ve el texto original).

    Returns:
        ``{"exact_match": [...], "token_f1": [...], "rouge_l": [...], "chrf": [...]}``, una lista por métrica
        con un puntaje por pregunta (chrF de 0 a 100, las demás de 0 a 1).

    Raises:
        ConfigError: si las listas están vacías, tienen largos distintos o no contienen textos.
    """
    if isinstance(refs, str) or not refs:
        raise ConfigError("`refs` debe ser una lista no vacía de respuestas de referencia; recibí "
                          f"{refs!r:.60}. Pasa una lista con un texto por pregunta.")
    check_lengths("preds", preds, len(refs), "refs")
    for i, (pred, ref) in enumerate(zip(preds, refs)):
        if not isinstance(pred, str) or not isinstance(ref, str):
            raise ConfigError(f"las respuestas deben ser textos; en la posición {i} recibí "
                              f"{type(pred).__name__} y {type(ref).__name__}. Usa \"\" para una respuesta vacía.")
    scores: dict[str, list[float]] = {}
    for name, metric in METRICS.items():
        kwargs = {} if name == "chrf" else {"strip_accents": strip_accents}
        scores[name] = [metric(pred, ref, **kwargs) for pred, ref in zip(preds, refs)]
    return scores
