"""Entrenamiento: LoRA a mano (`lora_by_hand`, cuaderno 03) y ajuste fino con TRL (`train`, cuaderno 04).

Configuración, presets y `train` sobre `trl.SFTTrainer`. Importar este paquete no carga torch: `train` y
`TrainResult` se importan al usarse.
"""

from __future__ import annotations

from latamlab._lazy import lazy_exports
from latamlab.train.config import PRESETS, TrainConfig, load_train_config, preset_for_mode, preset_names

__all__ = ["PRESETS", "TrainConfig", "load_train_config", "preset_for_mode", "preset_names", "train", "TrainResult",
           "find_adapter", "attach_adapters"]

__getattr__, __dir__ = lazy_exports(__name__, {"train": "latamlab.train.trainer", "TrainResult": "latamlab.train.trainer",
                                               "find_adapter": "latamlab.train.adapters",
                                               "attach_adapters": "latamlab.train.adapters"})
