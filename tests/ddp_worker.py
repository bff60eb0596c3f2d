"""Un proceso del entrenamiento de ``tests/test_train_ddp.py``: `train` tal cual, más una huella por proceso.

Se lanza con ``torchrun`` o ``accelerate launch`` (o solo, para la corrida de un proceso). Argumentos:
la carpeta donde dejar ``huella-RANK.json`` y, en JSON, los campos de `TrainConfig` para el preset
``diminuto``. Cada proceso guarda, al terminar, el SHA-256 de sus propios parámetros LoRA en memoria (no el
archivo que escribe el proceso 0): si los gradientes no se promediaran, las huellas serían distintas.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import torch
from transformers import TrainerCallback

from latamlab.train import load_train_config, train
from latamlab.train.distributed import rank, sharding_engine, world_size


def adapter_digest(model: torch.nn.Module) -> tuple[str, int]:
    """SHA-256 de los bytes de los parámetros entrenables (en orden de nombre) y cuántos tensores son."""
    trainable = {n: p.detach().cpu().contiguous() for n, p in model.named_parameters() if p.requires_grad}
    digest = hashlib.sha256()
    for name in sorted(trainable):
        digest.update(name.encode())
        digest.update(trainable[name].view(torch.uint8).numpy().tobytes())
    return digest.hexdigest(), len(trainable)


def _layers_4bit(model: torch.nn.Module) -> list:
    import bitsandbytes as bnb

    return [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]


class Fingerprint(TrainerCallback):
    """Al terminar, escribe ``huella-RANK.json`` con el proceso, el tamaño del grupo y la huella del adaptador.

    Al empezar vuelve a encender, a propósito, la bandera que la guarda de 4 bits apaga: si al terminar está
    apagada en todas las capas, la guarda (`GuardCallback`) corrió durante el entrenamiento en este proceso.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def on_train_begin(self, args, state, control, model=None, **kwargs):
        for layer in _layers_4bit(model):  # en modo entrenamiento con gradiente no se re-empaqueta nada
            layer.support_avx512bf16_for_cpu = True

    def on_train_end(self, args, state, control, model=None, **kwargs):
        # Con FSDP o ZeRO-3 cada proceso tiene solo su trozo: no hay un adaptador entero que comparar.
        sha, count = adapter_digest(model) if sharding_engine() is None else (None, 0)
        layers = _layers_4bit(model)
        row = {"rank": rank(), "world_size": world_size(), "pid": os.getpid(), "process_index": args.process_index,
               "num_processes": args.world_size, "sha256": sha, "tensors": count, "global_step": state.global_step,
               "layers_4bit": len(layers), "guarded": not any(m.support_avx512bf16_for_cpu for m in layers)}
        (self.folder / f"huella-{rank()}.json").write_text(json.dumps(row), encoding="utf-8")


if __name__ == "__main__":
    folder, overrides = Path(sys.argv[1]), json.loads(sys.argv[2])
    train(load_train_config("diminuto", **overrides), callbacks=[Fingerprint(folder)])
