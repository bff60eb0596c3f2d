"""La receta QLoRA en 4 bits y el tipo de cálculo de cada dispositivo. Se enseña en los cuadernos 00 y 01.

La receta se declara entera en `QLORA_NF4` en lugar de heredar los valores por defecto de
`BitsAndBytesConfig` (que, por ejemplo, usa fp4 y calcula en fp32 si no le dices nada).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import torch

from latamlab.errors import ConfigError
from latamlab.quant.formats import Precision
from latamlab.runtime.device import native_bf16

__all__ = ["TORCH_DTYPES", "QuantPreset", "QLORA_NF4", "FP4_PRESET", "compute_dtype_for", "torch_dtype_for", "bnb_config"]

#: Nombre de un tipo de punto flotante en las configuraciones (``compute_dtype``, ``precision``) → tipo de torch.
TORCH_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}


@dataclass(frozen=True)
class QuantPreset:
    """Receta de cuantización en 4 bits de bitsandbytes.

    Args:
        quant_type: tipo de dato de 4 bits: ``nf4`` (NormalFloat, del artículo QLoRA) o ``fp4``.
        double_quant: cuantiza también las constantes de escala (ahorra ~0,37 bits por parámetro).
        quant_storage: tipo en que se guardan los bloques empaquetados.
    """

    quant_type: Literal["nf4", "fp4"]
    double_quant: bool
    quant_storage: torch.dtype = torch.uint8

    def __post_init__(self) -> None:
        if self.quant_type not in ("nf4", "fp4"):
            raise ConfigError(f"`quant_type` debe ser nf4 o fp4; recibí {self.quant_type!r}.")


QLORA_NF4 = QuantPreset(quant_type="nf4", double_quant=True)
"""La receta del artículo QLoRA (Dettmers et al., 2023): NF4 + doble cuantización."""

FP4_PRESET = QuantPreset(quant_type="fp4", double_quant=True)
"""Igual que `QLORA_NF4` pero con FP4, para comparar en el cuaderno 01."""


def compute_dtype_for(device: torch.device | str) -> torch.dtype:
    """Tipo de cálculo: bf16 en una GPU con bf16 nativo; fp16 en una GPU sin él (T4); fp32 en toda CPU.

    En una CPU sin AVX512-BF16 ni AMX, bf16 se emula: un paso de entrenamiento QLoRA fue 13 veces más lento
    que en fp32 (medido). Con AVX512-BF16 tampoco conviene: entrenar en bf16 fue entre 4 y 9 veces más lento
    que en fp32 (medido con ``scripts/medir_entrenamiento.py --compute_dtype``), porque bitsandbytes no trae
    allí una rutina rápida de 4 bits en bf16. Así, en CPU el resultado no depende de qué CPU tengas.
    """
    device = torch.device(device)
    if device.type != "cuda":
        return torch.float32
    return torch.bfloat16 if native_bf16(device) else torch.float16


def torch_dtype_for(precision: Precision, device: torch.device | str) -> torch.dtype:
    """Tipo de los pesos no cuantizados (o de todos, si la precisión es de 16/32 bits).

    Si pides bf16 en una GPU sin bf16 nativo, avisa y usa fp16. En una CPU, bf16 pedido se respeta
    (es el formato que se está estudiando), aunque allí se calcule lento.
    """
    device = torch.device(device)
    if precision == "fp32":
        return torch.float32
    if precision == "fp16":
        return torch.float16
    if precision == "bf16":
        if device.type == "cuda" and not native_bf16(device):
            warnings.warn(
                "Esta GPU no tiene bf16 nativo (capacidad < 8.0, por ejemplo una T4): uso fp16 en su lugar.",
                UserWarning,
                stacklevel=3,
            )
            return torch.float16
        return torch.bfloat16
    return compute_dtype_for(device)


def bnb_config(precision: Precision, device: torch.device | str, preset: QuantPreset | None = None):
    """`BitsAndBytesConfig` explícito para nf4, fp4 o int8; ``None`` para 16/32 bits.

    Args:
        precision: precisión pedida.
        device: dispositivo donde se calculará.
        preset: receta de 4 bits; por defecto `QLORA_NF4` o `FP4_PRESET` según `precision`.
    """
    from transformers import BitsAndBytesConfig

    if precision == "int8":
        return BitsAndBytesConfig(load_in_8bit=True)
    if precision not in ("nf4", "fp4"):
        return None
    preset = preset or (QLORA_NF4 if precision == "nf4" else FP4_PRESET)
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=preset.quant_type,
        bnb_4bit_use_double_quant=preset.double_quant,
        bnb_4bit_compute_dtype=compute_dtype_for(device),
        bnb_4bit_quant_storage=preset.quant_storage,
    )
