"""Respuestas del modelo a preguntas de chat, en lotes y sin azar (cuadernos 04 y 05).

Decodificación voraz (*greedy*): en cada paso, el token más probable. Así el antes y el después de un
entrenamiento se comparan sin que el muestreo agregue ruido, y la misma celda da lo mismo en cada corrida.
Un modelo pequeño con decodificación voraz suele copiar la pregunta o entrar en un bucle («de la cuota de la
cuota…»); la penalización por repetición (*repetition penalty*) de transformers baja la probabilidad de los
tokens ya escritos, pregunta incluida. Medido en el modelo del modo cpu, 16 preguntas de prueba de finanzas:
sin penalización, copiar la pregunta le daba a la base más F1 de tokens que responder.

El prompt de cada pregunta es el del entrenamiento (`latamlab.data.chat.chat_prompt`): con `countries`, el
mensaje de sistema nombra el país de cada pregunta, como en los datos de entrenamiento.
"""

from __future__ import annotations

from typing import Sequence

import torch

from latamlab.data.chat import chat_prompt
from latamlab.errors import ConfigError
from latamlab.runtime.device import model_device
from latamlab.runtime.notebook import progress

__all__ = ["generation_prompts", "generate_answers"]


def generation_prompts(tokenizer, questions: Sequence[str], *, countries: Sequence[str | None] | None = None,
                       system_prompt: str | None = None) -> list[str]:
    """El texto que recibe el modelo para cada pregunta: la plantilla de chat con el prompt del entrenamiento.

    Args:
        tokenizer: tokenizador con plantilla de chat.
        questions: preguntas del usuario (el campo ``instruccion`` o ``pregunta``).
        countries: el país de cada pregunta (código ISO, p. ej., ``"CO"``, o ``None`` si no tiene), en el orden
            de `questions`; ``None`` = ninguna nombra país.
        system_prompt: texto de sistema opcional (el mismo que en el entrenamiento).

    Raises:
        ConfigError: si `countries` no tiene un país por pregunta o trae un país que no es del curso.
    """
    questions = list(questions)
    countries = [None] * len(questions) if countries is None else list(countries)
    if len(countries) != len(questions):
        raise ConfigError(f"`countries` debe traer un país por pregunta: {len(countries)} países para "
                          f"{len(questions)} preguntas.")
    try:
        messages = [chat_prompt(q, c, system_prompt) for q, c in zip(questions, countries)]
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return [tokenizer.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in messages]


@torch.no_grad()
def generate_answers(model, tokenizer, questions: Sequence[str], *, countries: Sequence[str | None] | None = None,
                     max_new_tokens: int = 64, batch_size: int = 8, system_prompt: str | None = None,
                     repetition_penalty: float = 1.3) -> list[str]:
    """La respuesta del asistente a cada pregunta, con la plantilla de chat del modelo.

    El relleno va a la izquierda (el modelo continúa justo después del final de cada pregunta) y la
    generación se detiene en el fin de turno o a los `max_new_tokens` tokens.

    Args:
        model: modelo causal, con o sin adaptador (un `PeftModel` usa su adaptador activo).
        tokenizer: su tokenizador, con plantilla de chat y `pad_token`.
        questions: preguntas del usuario.
        countries: el país de cada pregunta (``"CO"``…, o ``None``), para que el prompt nombre el país como en
            el entrenamiento; p. ej., ``prueba["pais"]``. ``None`` = sin país (ver `generation_prompts`).
        max_new_tokens: tokens máximos de cada respuesta.
        batch_size: preguntas por lote.
        system_prompt: mensaje de sistema opcional (el mismo que en el entrenamiento).
        repetition_penalty: divide la probabilidad de los tokens ya presentes (1 = sin penalización).

    Returns:
        Las respuestas, sin la pregunta ni los tokens especiales, en el orden de `questions`.

    Raises:
        ConfigError: si `questions` está vacío, `max_new_tokens` / `batch_size` no son enteros positivos o
            `countries` no trae un país del curso por pregunta.
    """
    questions = list(questions)
    if not questions:
        raise ConfigError("`questions` está vacío: da al menos una pregunta.")
    for name, value in (("max_new_tokens", max_new_tokens), ("batch_size", batch_size)):
        if not isinstance(value, int) or value < 1:
            raise ConfigError(f"`{name}` debe ser un entero ≥ 1; recibí {value!r}.")
    if repetition_penalty < 1:
        raise ConfigError(f"`repetition_penalty` debe ser ≥ 1 (1 = sin penalización); recibí {repetition_penalty}.")
    prompts = generation_prompts(tokenizer, questions, countries=countries, system_prompt=system_prompt)
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    was_training = model.training
    model.eval()
    device = model_device(model)
    answers: list[str] = []
    try:
        with progress(total=len(prompts), desc="Generando", unit="respuesta") as bar:
            for start in range(0, len(prompts), batch_size):
                batch = tokenizer(prompts[start:start + batch_size], return_tensors="pt", padding=True,
                                  add_special_tokens=False).to(device)
                out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                     repetition_penalty=repetition_penalty,
                                     pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id)
                new = out[:, batch["input_ids"].shape[1]:]
                answers.extend(t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True))
                bar.update(len(new))
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return answers
