"""Plantillas de chat del curso para modelos cuyo GGUF no trae una (`chat_template` en `catalog.yaml`).

La plantilla de Gemma 3 sigue la de Google: turnos ``<start_of_turn>user`` y ``<start_of_turn>model`` cerrados con
``<end_of_turn>``, y el mensaje de sistema al comienzo del primer turno del usuario (Gemma no tiene rol de sistema).
La respuesta del asistente va entre ``{% generation %}`` y ``{% endgeneration %}``: así transformers sabe qué *tokens*
son respuesta (``return_assistant_tokens_mask``), y el enunciado con ``add_generation_prompt`` es prefijo exacto de la
conversación completa, que es lo que necesita la máscara de pérdida de solo respuestas (cuaderno 02).
"""

from __future__ import annotations

__all__ = ["TEMPLATES", "STOP_TOKENS", "GEMMA"]

GEMMA = (
    "{{ bos_token }}"
    "{% if messages and messages[0]['role'] == 'system' %}"
    "{% set sistema = messages[0]['content'] | trim + '\n\n' %}{% set turnos = messages[1:] %}"
    "{% else %}{% set sistema = '' %}{% set turnos = messages %}{% endif %}"
    "{% for message in turnos %}"
    "{% if message['role'] == 'assistant' %}"
    "<start_of_turn>model\n{% generation %}{{ message['content'] | trim }}<end_of_turn>{% endgeneration %}\n"
    "{% else %}"
    "<start_of_turn>user\n{{ sistema if loop.first else '' }}{{ message['content'] | trim }}<end_of_turn>\n"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)

#: Nombre en el catálogo → plantilla.
TEMPLATES = {"gemma": GEMMA}
#: Los *tokens* con que cada plantilla cierra el turno del modelo: la preparación los agrega a los de fin de texto
#: (``eos_token_id`` de ``generation_config.json``) para que `generate` se detenga al terminar la respuesta.
STOP_TOKENS = {"gemma": ["<end_of_turn>"]}
