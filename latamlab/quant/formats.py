"""Precisiones del curso y la única tabla de bits por parámetro (cuadernos 00 y 01).

Cada precisión ocupa los bits de su código más, en los formatos por bloques, las constantes de
escala repartidas entre los parámetros del bloque. Esta es la única cuenta de bits del paquete:
la memoria (`latamlab.memory`) y los ejercicios la usan.
"""

from __future__ import annotations

from typing import Literal, get_args

from latamlab.config import closest
from latamlab.errors import ConfigError

__all__ = ["Precision", "PRECISIONS", "CODE_BITS", "BLOCKWISE", "check_precision", "check_block_size",
           "bits_per_param"]

Precision = Literal["nf4", "fp4", "int8", "bf16", "fp16", "fp32"]
PRECISIONS: tuple[str, ...] = get_args(Precision)

CODE_BITS: dict[str, int] = {"nf4": 4, "fp4": 4, "int4": 4, "int8": 8, "bf16": 16, "fp16": 16, "fp32": 32}
"""Bits del código de cada formato (``int4`` solo existe a mano, en el cuaderno 01)."""

BLOCKWISE = frozenset({"nf4", "fp4", "int4"})
"""Formatos con una constante `absmax` por bloque (int8 de bitsandbytes, LLM.int8, usa una por fila)."""


def check_precision(precision: str) -> Precision:
    """Valida `precision` y la devuelve normalizada.

    Raises:
        ConfigError: si no es una de nf4, fp4, int8, bf16, fp16, fp32.
    """
    value = str(precision).strip().lower()
    if value not in PRECISIONS:
        raise ConfigError(f"`precision` debe ser una de {', '.join(PRECISIONS)}; recibí {precision!r}."
                          f"{closest(str(precision), PRECISIONS)}")
    return value  # type: ignore[return-value]


def check_block_size(block_size: int, numel: int | None = None) -> None:
    """Valida un tamaño de bloque (y, si se da `numel`, que lo divida).

    Raises:
        ConfigError: si no es un entero positivo o no divide `numel`.
    """
    if not isinstance(block_size, int) or isinstance(block_size, bool) or block_size <= 0:
        raise ConfigError(f"`block_size` debe ser un entero positivo; recibí {block_size!r}. Prueba con 64.")
    if numel is not None and numel % block_size:
        raise ConfigError(
            f"`block_size` debe dividir el número de elementos ({numel}); recibí {block_size}. "
            "Usa un divisor, como 64, o pasa `pad=True`."
        )


def bits_per_param(precision: str, block_size: int = 64, double_quant: bool = True) -> float:
    """Bits de memoria por parámetro en `precision`, contando las escalas de cuantización (cuaderno 01).

    En los formatos por bloques (nf4, fp4, int4), sin doble cuantización cada bloque guarda un `absmax`
    float32: 4 + 32/`block_size` (4,5 con bloques de 64). Con ella, cada `absmax` ocupa 8 bits y cada
    256 escalas comparten una constante float32: 4 + 8/`block_size` + 32/(256·`block_size`) ≈ 4,127.
    En int8 de bitsandbytes la escala float32 por fila se desprecia; en 16 y 32 bits no hay escalas.

    Args:
        precision: nf4, fp4, int4, int8, bf16, fp16 o fp32.
        block_size: tamaño de bloque de la primera cuantización (solo formatos por bloques).
        double_quant: si las escalas se guardan con doble cuantización (la receta QLoRA).

    Returns:
        Bits promedio por parámetro.

    Raises:
        ConfigError: si `precision` o `block_size` no son válidos.
    """
    value = str(precision).strip().lower()
    if value not in CODE_BITS:
        raise ConfigError(f"`precision` debe ser una de {', '.join(CODE_BITS)}; recibí {precision!r}.")
    bits = CODE_BITS[value]
    if value not in BLOCKWISE:
        return float(bits)
    check_block_size(block_size)
    if double_quant:
        return bits + 8 / block_size + 32 / (256 * block_size)
    return bits + 32 / block_size
