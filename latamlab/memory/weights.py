"""Cuentas de memoria de los pesos y del ajuste fino completo (cuadernos 00, 01 y 07).

Los bits por parámetro vienen de la única tabla del paquete, `latamlab.quant.formats.bits_per_param`.
"""

from __future__ import annotations

from typing import NamedTuple

from latamlab.quant.formats import bits_per_param, check_precision

__all__ = ["GIB", "MIB", "GB", "ParamCount", "count_params", "weights_bytes", "full_finetune_bytes",
           "qlora_weights_bytes"]

GIB = 2**30
MIB = 2**20
GB = 10**9

_QUANTIZED = frozenset({"nf4", "fp4", "int8"})


class ParamCount(NamedTuple):
    """Parámetros de un modelo: `total` y cuántos de ellos (`unquantized`) bitsandbytes deja sin cuantizar."""

    total: int
    unquantized: int


def count_params(model_or_config) -> ParamCount:
    """Cuenta los parámetros de un modelo y los que quedan sin cuantizar al cargarlo en 4 u 8 bits.

    bitsandbytes cuantiza solo los pesos de las capas lineales (`nn.Linear`) salvo la capa de salida
    (`lm_head`); quedan en su tipo las incrustaciones (*embeddings*), `lm_head` si no comparte pesos con
    ellas, las normas y los sesgos (*biases*). Los pesos compartidos se cuentan una vez. Sirve para un
    modelo ya cargado en cualquier precisión (en 4 bits las formas salen de `in_features`/`out_features`,
    no de los bytes empaquetados) o para una configuración, que se construye en el dispositivo ``meta``
    (sin memoria ni descargas). Se usa en los cuadernos 00 y 01 con `weights_bytes`.

    Args:
        model_or_config: un `PreTrainedModel` o su `PretrainedConfig`.

    Returns:
        ``ParamCount(total, unquantized)``.
    """
    import torch

    model = model_or_config
    if not isinstance(model, torch.nn.Module):
        from transformers import AutoModelForCausalLM

        with torch.device("meta"):
            model = AutoModelForCausalLM.from_config(model_or_config)
    output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    quantized = {id(m.weight): m.in_features * m.out_features for m in model.modules()
                 if isinstance(m, torch.nn.Linear) and m is not output}
    total = sum(quantized.get(id(p), p.numel()) for p in model.parameters())
    return ParamCount(total=total, unquantized=total - sum(quantized.values()))


def weights_bytes(n_params: float, precision: str, unquantized_params: float = 0,
                  unquantized_bits: int = 16) -> float:
    """Bytes de los pesos de un modelo de `n_params` parámetros cargado en `precision`.

    Al cargar en 4 u 8 bits, bitsandbytes cuantiza solo las proyecciones lineales de los bloques: las
    incrustaciones (*embeddings*), la capa de salida (`lm_head`) y las normas quedan en su tipo sin
    cuantizar: 16 bits en una GPU, y en una CPU el tipo de cálculo (fp32). `count_params`
    da `unquantized_params`; cada uno ocupa `unquantized_bits` bits. En 16/32 bits todos los parámetros
    usan el mismo formato. Así la cuenta coincide con `model.get_memory_footprint()`, salvo las constantes
    de cuantización (≈ 0,127 bits por parámetro en nf4), que esa función no cuenta.

    Args:
        n_params: parámetros totales del modelo.
        precision: nf4, fp4, int8, bf16, fp16 o fp32.
        unquantized_params: parámetros que bitsandbytes no cuantiza (incrustaciones, `lm_head`, normas).
        unquantized_bits: bits de cada uno de esos parámetros.

    Raises:
        ConfigError: si `precision` no es válida o `unquantized_params` supera `n_params`.
    """
    from latamlab.errors import ConfigError
    from latamlab.numbers import fmt_number

    precision = check_precision(precision)
    if not 0 <= unquantized_params <= n_params:
        raise ConfigError(
            f"`unquantized_params` debe estar entre 0 y `n_params` ({fmt_number(n_params, 0)}); recibí "
            f"{fmt_number(unquantized_params, 0)}. Cuéntalos con `count_params(model)`."
        )
    if precision not in _QUANTIZED:
        return n_params * bits_per_param(precision) / 8
    quantized = n_params - unquantized_params
    return quantized * bits_per_param(precision) / 8 + unquantized_params * unquantized_bits / 8


def full_finetune_bytes(n_params: float) -> float:
    """Ajuste fino completo en 16 bits con Adam, sin contar activaciones.

    Pesos (2 B) + gradientes (2 B) + dos momentos de Adam en fp32 (8 B) = 12 bytes por parámetro:
    para 65 000 millones de parámetros, 780 GB; con activaciones, más (el artículo QLoRA dice «>780 GB»).
    """
    return 12 * n_params


def qlora_weights_bytes(n_params: float) -> float:
    """Pesos congelados en nf4 con doble cuantización (≈ 4,127 bits por parámetro), todos cuantizados."""
    return weights_bytes(n_params, "nf4")
