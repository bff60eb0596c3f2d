"""El armador de lotes (*data collator*) de TRL, con la pérdida cortada justo después del fin de turno del asistente.

Con datos prompt–completion, TRL pone la pérdida en todo lo que la plantilla de chat escribe después
del prompt. Varias plantillas (SmolLM2, Qwen2, el modelo diminuto) escriben un salto de línea después de
``<|im_end|>``: el modelo nunca lo genera (se detiene en ``<|im_end|>``), así que ese token solo
añadiría ruido a la pérdida. Aquí la pérdida queda en la respuesta y su fin de turno, nada más.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trl.trainer.sft_trainer import DataCollatorForLanguageModeling

__all__ = ["EndOfTurnCollator"]


@dataclass
class EndOfTurnCollator(DataCollatorForLanguageModeling):
    """`DataCollatorForLanguageModeling` de TRL que ignora (-100) las etiquetas tras el último `end_token_id`."""

    end_token_id: int | None = None

    def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        batch = super().torch_call(examples)
        if self.end_token_id is None or self.padding_free:
            return batch
        labels = batch["labels"]
        for row in labels:
            ends = (row == self.end_token_id).nonzero()
            if len(ends):
                row[int(ends[-1]) + 1:] = -100
        return batch
