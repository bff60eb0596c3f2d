"""Una desconexión de verdad, para verla sin perder nada: `latamlab entrenar` en otro proceso, muerto con SIGKILL.

Colab corta la sesión sin aviso: el proceso de Python muere a mitad de un paso, quizá a mitad de escribir un
punto de control. `interrupted_run` hace lo mismo a propósito (SIGKILL no deja limpiar nada) después de un
paso dado; luego ``train(config, resume=True)`` continúa desde el último punto de control completo. Se usa en
el cuaderno 04 y en ``tests/test_train_resume.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from latamlab.errors import LatamlabError
from latamlab.train.callbacks import LOG_NAME, read_log
from latamlab.train.config import TrainConfig

__all__ = ["Interrupted", "interrupted_run"]


@dataclass(frozen=True)
class Interrupted:
    """Lo que dejó el proceso muerto: el último paso que registró y las carpetas de puntos de control."""

    last_step: int
    checkpoints: list[str]
    output: str

    def __str__(self) -> str:
        saved = ", ".join(self.checkpoints) or "ninguno"
        return (f"Proceso detenido con SIGKILL después del paso {self.last_step} (como una desconexión de Colab). "
                f"Puntos de control en la carpeta: {saved}.")


def _last_step(output_dir: Path) -> int:
    return max((r["step"] for r in read_log(output_dir / LOG_NAME) if "loss" in r), default=0)


def interrupted_run(config: TrainConfig, kill_after_step: int, timeout_s: float = 1200,
                    env: dict[str, str] | None = None) -> Interrupted:
    """Corre ``latamlab entrenar`` con `config` en un proceso aparte y lo mata al registrar `kill_after_step`.

    Args:
        config: la configuración (se escribe en un YAML temporal); `logging_steps` debe ser 1 para matar
            justo en el paso pedido.
        kill_after_step: paso tras el cual se mata el proceso (entre dos puntos de control, para que se pierda
            algo de trabajo, como en una desconexión real).
        timeout_s: espera máxima; si el proceso termina o se pasa del tiempo antes, es un error.
        env: variables de entorno extra para el proceso hijo.

    Returns:
        Un `Interrupted` con el último paso registrado y los puntos de control que quedaron.

    Raises:
        LatamlabError: si el proceso terminó solo (con su salida) o no llegó al paso a tiempo.
    """
    output_dir = Path(config.output_dir)
    with tempfile.TemporaryDirectory() as tmp:
        yaml_path = Path(tmp) / "config.yaml"
        config.to_yaml(yaml_path)
        log = Path(tmp) / "salida.txt"
        child_env = {**os.environ, "LATAMLAB_PROGRESO": "0", **(env or {})}
        with log.open("w", encoding="utf-8") as out:
            child = subprocess.Popen([sys.executable, "-m", "latamlab", "entrenar", str(yaml_path)],
                                     env=child_env, stdout=out, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + timeout_s
            while _last_step(output_dir) < kill_after_step and child.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            finished = child.poll() is not None
            child.send_signal(signal.SIGKILL)
            child.wait()
        text = log.read_text(encoding="utf-8")
    if finished or _last_step(output_dir) < kill_after_step:
        reason = "terminó antes del paso pedido" if finished else f"no llegó al paso {kill_after_step} en {timeout_s} s"
        raise LatamlabError(f"El entrenamiento en el proceso aparte {reason}; su salida: {text[-500:]!r}")
    checkpoints = sorted((p.name for p in output_dir.glob("checkpoint-*")), key=lambda n: int(n.split("-")[1]))
    return Interrupted(last_step=_last_step(output_dir), checkpoints=checkpoints, output=text)
