"""Registros de instrucciones → conversaciones de prompt y completion, y el informe de recorte.

TRL entrena con la pérdida solo en la respuesta cuando cada ejemplo trae ``prompt`` (el turno del
usuario, con el sistema si lo hay) y ``completion`` (el turno del asistente): así la máscara cae
exactamente sobre la respuesta y su token de fin de turno, sin tocar la plantilla de chat del modelo.
Se enseña en el cuaderno 02.

El prompt nombra el país del registro en un mensaje de sistema («La persona usuaria vive en Colombia.»): muchas
preguntas no dicen de dónde es quien pregunta, pero la respuesta cita las leyes y las entidades de un país. El
entrenamiento (`to_chat`), la generación (`latamlab.evaluation.generate`) y la máscara de la pérdida
(`latamlab.train.mask`) arman el prompt con la misma función, `chat_prompt`, así que son idénticos.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from latamlab.data.schemas import CHAT, check_record
from latamlab.errors import ConfigError, DataError, DataProblem
from latamlab.numbers import fmt_number

__all__ = ["CHAT_FIELDS", "COUNTRY_SENTENCE", "system_message", "chat_prompt", "to_chat", "to_chat_dataset", "conversation_lengths", "TruncationReport",
           "truncation_report"]

#: Campos de un registro que forman la conversación: (pregunta del usuario, respuesta del asistente).
CHAT_FIELDS = tuple(CHAT.fields)

#: La oración del mensaje de sistema que dice dónde vive quien pregunta (``{pais}``: el nombre en español).
COUNTRY_SENTENCE = "La persona usuaria vive en {pais}."


def system_message(country: str | None = None, system_prompt: str | None = None) -> str | None:
    """El mensaje de sistema de una conversación: `system_prompt` (si lo das) y luego el país.

    ``system_message("CO")`` → «La persona usuaria vive en Colombia.»; con ``system_prompt="Eres un asesor
    financiero."`` → «Eres un asesor financiero. La persona usuaria vive en Colombia.».

    Args:
        country: código ISO del país (``"CO"``, también en minúsculas) o su nombre en español (``"Colombia"``),
            como en el campo ``pais``; ``None`` o vacío si el registro no tiene país (el mensaje no nombra ninguno).
        system_prompt: texto propio que va antes del país (la opción `system_prompt` de ``latamlab entrenar``).

    Returns:
        El mensaje, o ``None`` si no hay país ni `system_prompt` (entonces la conversación no lleva turno de sistema).

    Raises:
        ValueError: si `country` no es un país de `latamlab.data.schemas.PAISES` (ni código ni nombre).
    """
    from latamlab.data.schemas import PAISES

    parts = [system_prompt.strip()] if system_prompt and system_prompt.strip() else []
    if isinstance(country, str) and country.strip():
        code = country.strip().upper()
        names = {name.casefold(): name for name in PAISES.values()}
        name = PAISES.get(code) or names.get(country.strip().casefold())
        if name is None:
            raise ValueError(f"`pais`={country!r} no es un país del curso: usa un código ISO como "
                             f"{', '.join(list(PAISES)[:4])}… o su nombre en español.")
        parts.append(COUNTRY_SENTENCE.format(pais=name))
    elif country is not None and not isinstance(country, str):
        raise ValueError(f"`pais` debe ser un texto (código ISO o nombre del país); recibí {country!r}.")
    return " ".join(parts) or None


def chat_prompt(question: str, country: str | None = None,
                system_prompt: str | None = None) -> list[dict[str, str]]:
    """Los mensajes del prompt: el de sistema (de :func:`system_message`, si hay) y la pregunta del usuario.

    Es lo que ven por igual el entrenamiento, la generación y la máscara de la pérdida.

    Raises:
        ValueError: si `country` no es un país del curso.
    """
    system = system_message(country, system_prompt)
    return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": question}]


def to_chat(record: dict[str, Any], system_prompt: str | None = None, source: str = "los datos",
            line: int | None = None) -> dict[str, list[dict[str, str]]]:
    """Convierte un registro ``{instruccion, respuesta, pais}`` en ``{prompt: [...], completion: [...]}``.

    El prompt es el de :func:`chat_prompt`: si el registro tiene ``pais``, un mensaje de sistema lo nombra
    («La persona usuaria vive en Colombia.»), después de `system_prompt` si lo das. Un registro sin ``pais`` (o
    con ``pais`` vacío) no nombra ningún país: solo lleva turno de sistema si das `system_prompt`.

    Args:
        record: un registro de finanzas o de consumo (o cualquiera con los campos de `CHAT_FIELDS`).
        system_prompt: texto de sistema opcional, en español, que va al inicio del mensaje de sistema.
        source: de dónde viene el registro (un archivo o un nombre), para el mensaje de error.
        line: su línea en `source`, si se sabe (el mensaje de error la nombra).

    Raises:
        DataError: si un campo de la conversación falta, está vacío o no es texto (el chequeo de
            `latamlab.data.schemas.CHAT`, el mismo de ``latamlab datos validar``), o si ``pais`` no es un país del
            curso.
    """
    where = "" if line is not None else f"el registro {record['id']}: " if "id" in record else "un registro: "
    issues = check_record(CHAT, record)
    if issues:
        what, fix = issues[0]
        raise DataError(DataProblem(path=source, line=line, what=f"{where}{what}", fix=fix))
    try:
        prompt = chat_prompt(record["instruccion"], record.get("pais"), system_prompt)
    except ValueError as error:
        raise DataError(DataProblem(path=source, line=line, what=f"{where}{error}",
                                    fix="corrige el campo `pais` o quítalo si el ejemplo no es de un país.")
                        ) from None
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
    """Resume los largos tokenizados frente a `max_length`.

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
