"""Un GGUF de llama.cpp con la interfaz de un modelo de transformers: se mide con las mismas funciones (cuaderno 06).

`LlamaCppLM` responde a ``model(input_ids=…, attention_mask=…).logits`` y a ``model.generate(…)`` como un modelo
causal de transformers, pero calcula con llama.cpp. Así la perplejidad (`latamlab.evaluation.perplexity`), la
opción múltiple a mano (`latamlab.evaluation.choice`) y las respuestas de finanzas
(`latamlab.evaluation.generate`) miden un GGUF con el mismo código y los mismos *tokens* (los del tokenizador de
transformers) que los demás formatos de la tabla. La generación es voraz con la misma penalización por repetición
que transformers (cada *token* ya presente: logit negativo × penalización, positivo ÷ penalización).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

__all__ = ["LlamaCppLM"]


class LlamaCppLM(torch.nn.Module):
    """Un archivo GGUF cargado con llama-cpp-python, usable donde se espera un modelo causal de transformers.

    Args:
        path: archivo ``.gguf``.
        n_ctx: largo máximo de contexto (*tokens*).
        threads: hilos de llama.cpp (``None`` = los de torch).
    """

    def __init__(self, path: str | Path, *, n_ctx: int = 2048, threads: int | None = None) -> None:
        super().__init__()
        from latamlab.deploy.gguf import llama_cpp_module

        llama_cpp = llama_cpp_module()
        threads = threads or torch.get_num_threads()
        self.path = Path(path)
        self.llm = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_batch=n_ctx, logits_all=True,
                                   n_threads=threads, n_threads_batch=threads, verbose=False)
        # Un parámetro vacío: las funciones de medida leen el dispositivo con `next(model.parameters())`.
        self._device_anchor = torch.nn.Parameter(torch.zeros(0), requires_grad=False)

    def _run(self, tokens: list[int]) -> np.ndarray:
        """Evalúa `tokens` desde cero y devuelve los logits de cada posición (``len(tokens) × vocabulario``)."""
        self.llm.reset()
        self.llm.eval(tokens)
        return np.array(self.llm.scores[:len(tokens)], dtype=np.float32)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, **_: object):
        """Logits de cada fila; con relleno a la derecha o a la izquierda, solo se evalúan las posiciones reales."""
        rows, width = input_ids.shape
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        logits = torch.zeros(rows, width, self.llm.n_vocab(), dtype=torch.float32)
        for row in range(rows):
            positions = mask[row].nonzero().flatten()
            if len(positions):
                logits[row, positions] = torch.from_numpy(self._run(input_ids[row, positions].tolist()))
        return SimpleNamespace(logits=logits)

    def generate(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, *,
                 max_new_tokens: int = 64, repetition_penalty: float = 1.0, pad_token_id: int | None = None,
                 eos_token_id: int | None = None, **_: object) -> torch.Tensor:
        """Generación voraz fila por fila, con la penalización por repetición de transformers.

        Returns:
            Como ``generate`` de transformers: las entradas seguidas de los *tokens* nuevos (rellenos con
            `pad_token_id` tras el fin de turno).
        """
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        pad = pad_token_id if pad_token_id is not None else 0
        out = torch.full((input_ids.shape[0], max_new_tokens), pad, dtype=input_ids.dtype)
        for row in range(input_ids.shape[0]):
            for i, token in enumerate(self.greedy(input_ids[row][mask[row].bool()].tolist(), max_new_tokens,
                                                  repetition_penalty, eos_token_id)):
                out[row, i] = token
        return torch.cat([input_ids, out], dim=1)

    def greedy(self, prompt: list[int], max_new_tokens: int, repetition_penalty: float = 1.0,
               eos_token_id: int | None = None) -> list[int]:
        """Los *tokens* nuevos de una generación voraz a partir de `prompt` (se detiene en `eos_token_id`)."""
        self.llm.reset()
        self.llm.eval(prompt)
        seen, new = set(prompt), []
        for _ in range(max_new_tokens):
            logits = np.array(self.llm.scores[self.llm.n_tokens - 1], dtype=np.float32)
            if repetition_penalty != 1.0 and seen:
                ids = np.fromiter(seen, dtype=np.int64)
                values = logits[ids]
                logits[ids] = np.where(values < 0, values * repetition_penalty, values / repetition_penalty)
            token = int(logits.argmax())
            new.append(token)
            if token == eos_token_id:
                break
            seen.add(token)
            self.llm.eval([token])
        return new
