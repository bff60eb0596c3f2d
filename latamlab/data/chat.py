"""Registros de instrucciones → conversaciones de prompt y completion, y el informe de recorte.

TRL entrena con la pérdida solo en la respuesta cuando cada ejemplo trae ``prompt`` (el turno del
usuario, con el sistema si lo hay) y ``completion`` (el turno del asistente): así la máscara cae
exactamente sobre la respuesta y su token de fin de turno, sin tocar la plantilla de chat del modelo.
Se enseña en el cuaderno 02.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from latamlab.errors import ConfigError, DataError, DataProblem
from latamlab.numbers import fmt_number

__all__ = ["CHAT_FIELDS", "to_chat", "to_chat_dataset", "conversation_lengths", "TruncationReport",
           "truncation_report"]

#: Campos de un registro que forman la conversación: (pregunta del usuario, respuesta del asistente).
CHAT_FIELDS = ("instruccion", "respuesta")


def to_chat(record: dict[str, Any], system_prompt: str | None = None,
            source: str = "los datos") -> dict[str, list[dict[str, str]]]:
    """Convierte un registro ``{instruccion, respuesta}`` en ``{prompt: [...], completion: [...]}``.

    Args:
        record: un registro de finanzas o de consumo (o cualquiera con los campos de `CHAT_FIELDS`).
        system_prompt: mensaje de sistema opcional, en español, que va al inicio del prompt.
        source: de dónde viene el registro (un archivo o un nombre), para el mensaje de error.

    Raises:
        DataError: si falta un campo de la conversación o está vacío.
    """
    for name in CHAT_FIELDS:
        value = record.get(name)
        if not isinstance(value, str) or not value.strip():
            where = f"el registro {record['id']}" if "id" in record else "un registro"
            detail = "no tiene" if name not in record else "tiene vacío o no de texto"
            raise DataError(DataProblem(
                path=source, line=None, what=f"{where} {detail} el campo `{name}` (trae: {', '.join(record) or 'nada'})",
                fix=f"cada ejemplo de chat necesita {' y '.join(f'`{n}`' for n in CHAT_FIELDS)}."))
    prompt = [{"role": "system", "content": system_prompt}] if system_prompt else []
    prompt.append({"role": "user", "content": record["instruccion"]})
    return {"prompt": prompt, "completion": [{"role": "assistant", "content": record["respuesta"]}]}


def to_chat_dataset(dataset, system_prompt: str | None = None, source: str = "los datos"):
    """Aplica `to_chat` a un ``datasets.Dataset`` y deja solo ``prompt`` y ``completion``.

    Raises:
        DataError: en el primer registro sin los campos de la conversación (antes de convertir nada).
    """
    missing = [n for n in CHAT_FIELDS if n not in dataset.column_names]
    if missing or len(dataset) == 0:
        to_chat(dataset[0] if len(dataset) else {}, system_prompt, source)  # lanza el error con el campo que falta
    for record in dataset:
        to_chat(record, system_prompt, source)  # valida todo antes de convertir
    return dataset.map(lambda r: to_chat(r, system_prompt), remove_columns=dataset.column_names)


def conversation_lengths(tokenizer, dataset) -> list[int]:
    """*Tokens* de cada conversación prompt–completion completa, tal como la ve el modelo.

    Cuenta la plantilla de chat entera (marcas de turno y el mensaje de sistema que la plantilla agregue por
    su cuenta), que es lo que ocupa la ventana de contexto y lo que compara `truncation_report` con
    `max_length`.

    Args:
        tokenizer: tokenizador de transformers con plantilla de chat.
        dataset: conversaciones con ``prompt`` y ``completion`` (p. ej., de `to_chat_dataset`).
    """
    texts = [tokenizer.apply_chat_template(r["prompt"] + r["completion"], tokenize=False) for r in dataset]
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]] if texts else []


@dataclass(frozen=True)
class TruncationReport:
    """Cuántos ejemplos pasan de `max_length` tokens y por cuánto."""

    total: int
    truncated: int
    max_length: int
    longest: int
    tokens_cut: int

    def __str__(self) -> str:
        if not self.truncated:
            return (f"Recorte: ninguno de los {fmt_number(self.total, 0)} ejemplos pasa de {self.max_length} tokens "
                    f"(el más largo tiene {fmt_number(self.longest, 0)}).")
        share = fmt_number(100 * self.truncated / self.total, 1)
        return (f"Recorte: {fmt_number(self.truncated, 0)} de {fmt_number(self.total, 0)} ejemplos ({share} %) pasan "
                f"de {self.max_length} tokens y se recortan; se pierden {fmt_number(self.tokens_cut, 0)} tokens "
                f"(el más largo tiene {fmt_number(self.longest, 0)}).")


def _suggest(lengths: list[int]) -> int:
    """Un `max_length` que deja entero al 95 % de los ejemplos, redondeado hacia arriba a múltiplo de 64."""
    ordered = sorted(lengths)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return -(-p95 // 64) * 64


def truncation_report(lengths: Iterable[int], max_length: int) -> TruncationReport:
    """Resume las longitudes tokenizadas frente a `max_length`.

    Raises:
        ConfigError: si todos los ejemplos pasan de `max_length` (dice cuántos y sugiere un valor).
    """
    lengths = list(lengths)
    over = [n for n in lengths if n > max_length]
    if lengths and len(over) == len(lengths):
        raise ConfigError(
            f"Los {fmt_number(len(lengths), 0)} ejemplos pasan de `max_length`={max_length} tokens (el más corto "
            f"tiene {fmt_number(min(lengths), 0)}): ninguno cabría entero. Sube `max_length`, p. ej., a {_suggest(lengths)}.")
    return TruncationReport(total=len(lengths), truncated=len(over), max_length=max_length,
                            longest=max(lengths, default=0), tokens_cut=sum(n - max_length for n in over))
