"""Callbacks del entrenamiento: la guarda de 4 bits en CPU, la barra de progreso y el registro JSONL."""

from __future__ import annotations

import json
import time
from pathlib import Path

from transformers import TrainerCallback

from latamlab.numbers import fmt_number
from latamlab.runtime.notebook import progress

__all__ = ["GuardCallback", "ProgressLogCallback", "LOG_NAME", "read_log", "trim_log"]

LOG_NAME = "log.jsonl"


class GuardCallback(TrainerCallback):
    """Vuelve a aplicar `guard_cpu_4bit` al empezar y tras cada paso, antes de cualquier evaluación.

    La evaluación de `Trainer` corre en modo eval y sin gradiente justo después de ``on_step_end``: es la
    situación en que bitsandbytes re-empaqueta los pesos de 4 bits en una CPU con AVX512-BF16 y deja mal,
    sin aviso, los gradientes LoRA siguientes. Aplicarla en cada paso cuesta un recorrido de los módulos.
    """

    def __init__(self, model) -> None:
        self.model = model

    def _guard(self) -> None:
        from latamlab.models.load import guard_cpu_4bit

        guard_cpu_4bit(self.model)

    def on_train_begin(self, args, state, control, **kwargs):
        self._guard()

    def on_step_end(self, args, state, control, **kwargs):
        self._guard()

    def on_prediction_step(self, args, state, control, **kwargs):
        self._guard()


def read_log(path: str | Path) -> list[dict]:
    """Las filas del registro ``log.jsonl`` (una por paso registrado); ``[]`` si no existe."""
    path = Path(path)
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def trim_log(path: str | Path, step: int) -> None:
    """Deja en el registro solo las filas hasta `step` (al continuar desde ese punto de control)."""
    rows = [r for r in read_log(path) if r["step"] <= step]
    Path(path).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


class ProgressLogCallback(TrainerCallback):
    """Barra con pérdida, tokens/s y tiempo restante, y una fila JSON por registro en ``log.jsonl``.

    Con varios procesos (``torchrun``, ``accelerate launch``) solo el proceso 0 muestra la barra y escribe el
    registro; la pérdida que registra `Trainer` ya es el promedio de todos los procesos.
    """

    def __init__(self, log_path: Path) -> None:
        self.log_path = Path(log_path)
        self.bar = None
        self.start = 0.0
        self.cpu_start = 0.0
        self.tokens = 0  # tokens sin relleno de todos los procesos, desde el inicio de esta sesión

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()
        if not state.is_world_process_zero:
            return
        self.bar = progress(total=state.max_steps, initial=state.global_step, desc="Entrenando", unit="paso")

    def on_step_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = dict(logs or {})
        if "num_tokens" in logs:
            self.tokens = int(logs["num_tokens"])
        elapsed = time.perf_counter() - self.start
        # cpu_s: tiempo de CPU de este proceso; con la CPU compartida mide mejor que el reloj el trabajo hecho.
        row = {"step": state.global_step, "epoch": state.epoch, "elapsed_s": round(elapsed, 3),
               "cpu_s": round(time.process_time() - self.cpu_start, 3), **logs}
        if self.tokens and elapsed > 0:
            row["tokens_per_s"] = round(self.tokens / elapsed, 2)
        if not state.is_world_process_zero:
            return
        with self.log_path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        if self.bar is not None and "loss" in logs:
            shown = {"pérdida": fmt_number(logs["loss"], 3)}
            if "tokens_per_s" in row:
                shown["tokens/s"] = fmt_number(row["tokens_per_s"], 0)
            self.bar.set_postfix(shown, refresh=False)

    def on_train_end(self, args, state, control, **kwargs):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
