"""Ajuste fino supervisado con LoRA/QLoRA sobre TRL: configuración, presets y `train` (cuaderno 04).

Importar este paquete no carga torch: `train` y `TrainResult` se importan al usarse.
"""

from __future__ import annotations

from latamlab.train.config import PRESETS, TrainConfig, load_train_config, preset_names

__all__ = ["PRESETS", "TrainConfig", "load_train_config", "preset_names", "train", "TrainResult"]


def __getattr__(name: str):
    if name in ("train", "TrainResult"):
        from latamlab.train import trainer

        return getattr(trainer, name)
    raise AttributeError(name)
