"""Modo del curso, dispositivo, bf16 nativo y conexión al hub: una sola regla, en un solo lugar.

Una sola variable, ``LATAMLAB_MODO``, elige el modo (y con él el modelo por defecto y el dispositivo):

- ``gpu``: un modelo real del hub que cabe en una T4 gratuita; calcula en la GPU.
- ``cpu``: Gemma 3 270M, que viene en paquetes de PyPI y funciona sin internet; calcula en la
  CPU **aunque haya GPU** (el modo ``cpu`` significa CPU).
- ``diminuto``: modelos diminutos construidos aquí en segundos (para pruebas); también en la CPU.

Sin modo explícito se usa ``gpu`` cuando hay CUDA y ``cpu`` en otro caso. Se enseña en el cuaderno 00.

``LATAMLAB_DISPOSITIVO=cpu`` corre el modo ``gpu`` (sus modelos, sus recetas, sus presets) en la CPU: es la
simulación de Colab de la integración continua (`scripts/simulacion.py`), que ejecuta cada cuaderno en modo
gpu con modelos sustitutos pequeños. Un curso normal no la usa.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, get_args

from latamlab.errors import ConfigError

if TYPE_CHECKING:
    import torch

__all__ = ["Mode", "MODES", "ENV_MODE", "ENV_DEVICE", "HUB_HOST", "resolve_mode", "cuda_available", "device_for_mode",
           "default_device", "native_bf16", "bf16_reason", "is_offline", "model_device", "to_model_device"]

Mode = Literal["gpu", "cpu", "diminuto"]
MODES: tuple[str, ...] = get_args(Mode)
ENV_MODE = "LATAMLAB_MODO"
ENV_DEVICE = "LATAMLAB_DISPOSITIVO"
HUB_HOST = "huggingface.co"


def cuda_available() -> bool:
    """``True`` si PyTorch ve una GPU CUDA (la única detección de CUDA del paquete)."""
    import torch

    return torch.cuda.is_available()


def resolve_mode(mode: str | None = None) -> Mode:
    """Decide el modo en vigor.

    Args:
        mode: modo pedido explícitamente; si es ``None`` se lee ``LATAMLAB_MODO`` y, si tampoco
            está, se usa ``gpu`` cuando hay CUDA y ``cpu`` en otro caso.

    Returns:
        El modo elegido.

    Raises:
        ConfigError: si el modo no es uno de gpu, cpu, diminuto.
    """
    source = "`mode`"
    if mode is None:
        mode = os.environ.get(ENV_MODE) or None
        source = f"`{ENV_MODE}`"
    if mode is None:
        return "gpu" if cuda_available() else "cpu"
    value = mode.strip().lower()
    if value not in MODES:
        raise ConfigError(
            f"{source} debe ser uno de {', '.join(MODES)}; recibí {mode!r}. Ejemplo: export {ENV_MODE}=cpu"
        )
    return value  # type: ignore[return-value]


def device_for_mode(mode: str | None = None) -> "torch.device":
    """Dispositivo de un modo: ``cuda`` en modo ``gpu``, ``cpu`` en los modos ``cpu`` y ``diminuto``.

    ``LATAMLAB_DISPOSITIVO=cpu`` lleva el modo ``gpu`` a la CPU (simulación de Colab; ver arriba).

    Raises:
        ConfigError: modo ``gpu`` en una máquina sin CUDA, o ``LATAMLAB_DISPOSITIVO`` distinto de cpu y cuda.
    """
    import torch

    chosen = resolve_mode(mode)
    forced = os.environ.get(ENV_DEVICE, "").strip().lower()
    if forced not in ("", "cpu", "cuda"):
        raise ConfigError(f"`{ENV_DEVICE}` debe ser cpu o cuda; recibí {forced!r}. Bórrala: unset {ENV_DEVICE}")
    if chosen != "gpu" or forced == "cpu":
        return torch.device("cpu")
    if not cuda_available():
        raise ConfigError(
            f"El modo gpu necesita una GPU CUDA y aquí no hay ninguna. En Colab: Entorno de ejecución → "
            f"Cambiar tipo de entorno → GPU T4; sin GPU usa export {ENV_MODE}=cpu."
        )
    return torch.device("cuda")


def default_device() -> "torch.device":
    """El dispositivo del modo en vigor (ver `device_for_mode`)."""
    return device_for_mode(None)


@lru_cache(maxsize=1)
def _cpu_has_native_bf16() -> bool:
    """AVX512-BF16 o AMX-BF16 en las banderas de la CPU (Linux); fuera de Linux pregunta a bitsandbytes."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = set(f.read().split())
        return bool({"avx512_bf16", "amx_bf16"} & flags)
    except OSError:
        pass
    try:
        from bitsandbytes.functional import has_avx512bf16

        return bool(has_avx512bf16())
    except (ImportError, AttributeError):
        return False


def native_bf16(device: "torch.device | str") -> bool:
    """¿Calcula este dispositivo en bf16 sin emularlo?

    En CUDA exige capacidad de cómputo ≥ 8.0 (una T4 es 7.5). En CPU exige AVX512-BF16 o AMX: en las
    demás CPU (la mayoría de los computadores de estudiantes) bf16 se emula y es varias veces más lento
    que fp32.
    """
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.get_device_capability(device) >= (8, 0)
    return _cpu_has_native_bf16()


def bf16_reason(device: "torch.device | str") -> str:
    """Frase en español que explica si hay bf16 nativo y qué tipo de cálculo usa el curso."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        major, minor = torch.cuda.get_device_capability(device)
        if native_bf16(device):
            return f"bf16 nativo (capacidad {major}.{minor} ≥ 8.0): se calcula en bf16"
        return f"sin bf16 nativo (capacidad {major}.{minor} < 8.0, como una T4): se calcula en fp16"
    if native_bf16(device):
        return ("CPU con AVX512-BF16 o AMX: bf16 nativo, pero entrenar en bf16 aquí fue entre 4 y 9 veces más "
                "lento que en fp32 (medido): se calcula en fp32")
    return "CPU sin AVX512-BF16 ni AMX: bf16 se emularía lento, se calcula en fp32"


@lru_cache(maxsize=1)
def is_offline() -> bool:
    """``True`` si ``HF_HUB_OFFLINE=1`` o si el hub no responde en 2 segundos (se decide una vez)."""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return True
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=2):
            return False
    except OSError:
        return True


def model_device(model: "torch.nn.Module") -> "torch.device":
    """El dispositivo donde están los pesos de `model` (``cuda:0`` en Colab, ``cpu`` aquí)."""
    return next(model.parameters()).device


def to_model_device(batch, model: "torch.nn.Module"):
    """Lleva un tensor, o cada tensor de un diccionario (un lote del tokenizador), al dispositivo de `model`.

    Es la única forma en que el curso mueve entradas: el mismo código sirve con el modelo en la GPU de Colab y
    en la CPU. Lo que no es tensor queda igual.
    """
    device = model_device(model)
    if hasattr(batch, "to") and not isinstance(batch, dict):
        return batch.to(device)
    return {k: v.to(device) if hasattr(v, "to") else v for k, v in batch.items()}
