"""Una T4 emulada en cualquier GPU CUDA: capacidad de cómputo 7.5 y 15 GiB, para `make test-gpu`.

Herramienta de pruebas, no del curso: ningún cuaderno la importa. `scripts/probar_gpu.py` pone esta carpeta en
``PYTHONPATH`` con ``LATAMLAB_EMULAR_T4=1``; el ``sitecustomize.py`` de al lado llama a `activate` al arrancar cada
proceso de Python (pytest, los kernels de los cuadernos y los procesos que estos lanzan, como el entrenamiento que
el cuaderno 04 interrumpe a propósito). Sin esa variable no hace nada.

Cuando el proceso importa torch (no antes: importar torch en cada proceso sería lento), `patch_torch`:

- hace que ``torch.cuda.get_device_capability`` diga (7, 5) y que ``get_device_properties`` diga 7.5 y 15 GiB: el
  paquete decide fp16 o bf16 con esa capacidad (`latamlab.runtime.device.native_bf16`), así que calcula en fp16
  como en una T4; ``torch.cuda.is_bf16_supported()`` responde como en una T4 (``True`` por emulación, ``False``
  con ``including_emulation=False``);
- limita la memoria de la GPU a 15 GiB con ``torch.cuda.set_per_process_memory_fraction`` al iniciar CUDA, y
  ``torch.cuda.mem_get_info`` informa ese límite (transformers y accelerate planean con él);
- guarda el pico de memoria (``torch.cuda.max_memory_allocated``) aunque el código lo reinicie
  (``reset_peak_memory_stats``): `peak_bytes` lo da y, al salir, se escribe en ``$LATAMLAB_T4_PICOS/<pid>.json``.

Lo que no emula: la velocidad de una T4 (varias veces más lenta que una GPU moderna) ni sus núcleos (en la
GPU real corren los de su arquitectura, p. ej., la atención de FlashAttention, que una T4 no tiene).
"""

from __future__ import annotations

import atexit
import importlib.abc
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["ENV_ENABLE", "ENV_PEAKS", "T4_CAPABILITY", "T4_BYTES", "enabled", "activate", "patch_torch", "peak_bytes"]

ENV_ENABLE = "LATAMLAB_EMULAR_T4"
ENV_PEAKS = "LATAMLAB_T4_PICOS"
T4_CAPABILITY = (7, 5)
#: Memoria de la T4 de Colab que se deja usar a PyTorch en cada proceso (15 GiB).
T4_BYTES = 15 * 2**30

_state: dict[str, Any] = {"peak": 0, "patched": False}


def enabled() -> bool:
    """``True`` si ``LATAMLAB_EMULAR_T4`` vale 1 (o true, yes)."""
    return os.environ.get(ENV_ENABLE, "").strip().lower() in ("1", "true", "yes")


class _T4Properties:
    """Las propiedades reales de la GPU, salvo la capacidad (7.5) y la memoria total (15 GiB)."""

    major, minor = T4_CAPABILITY

    def __init__(self, real: Any) -> None:
        self._real = real
        self.total_memory = min(T4_BYTES, real.total_memory)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __repr__(self) -> str:
        return f"T4 emulada sobre {self._real!r}"


def patch_torch(torch: Any) -> None:
    """Aplica la emulación a un módulo ``torch`` recién importado (una sola vez; no inicia CUDA)."""
    if _state["patched"]:
        return
    _state["patched"] = True
    cuda, memory = torch.cuda, torch.cuda.memory
    real_properties = cuda.get_device_properties
    real_mem_get_info = memory.mem_get_info
    real_reset = memory.reset_peak_memory_stats

    def get_device_properties(device: Any = None) -> _T4Properties:
        return _T4Properties(real_properties(device))

    def get_device_capability(device: Any = None) -> tuple[int, int]:
        return T4_CAPABILITY

    def mem_get_info(device: Any = None) -> tuple[int, int]:
        free, total = real_mem_get_info(device)
        limit = min(T4_BYTES, total)
        return max(0, min(free, limit - memory.memory_reserved(device))), limit

    def reset_peak_memory_stats(device: Any = None) -> None:
        _state["peak"] = max(_state["peak"], memory.max_memory_allocated(device))
        real_reset(device)

    def cap_memory() -> None:
        try:
            for index in range(cuda.device_count()):
                total = real_properties(index).total_memory
                memory.set_per_process_memory_fraction(min(1.0, T4_BYTES / total), index)
        except Exception as error:  # noqa: BLE001  (un error aquí haría fallar toda inicialización de CUDA)
            print(f"t4_emulada: no pude limitar la memoria a 15 GiB ({type(error).__name__}: {error}); la "
                  "verificación de scripts/probar_gpu.py lo marcará como falla.", file=sys.stderr)

    for module in (cuda, memory):
        for name, value in (("get_device_properties", get_device_properties),
                            ("get_device_capability", get_device_capability),
                            ("mem_get_info", mem_get_info), ("reset_peak_memory_stats", reset_peak_memory_stats)):
            if hasattr(module, name):
                setattr(module, name, value)
    # Al iniciar CUDA (o ya, si está iniciado): el límite de 15 GiB en cada GPU del proceso.
    cuda._lazy_call(cap_memory)


def peak_bytes() -> int:
    """El pico de memoria CUDA asignada por este proceso (0 si no usó CUDA), aunque se haya reiniciado."""
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_initialized():
        return int(_state["peak"])
    return int(max(_state["peak"], torch.cuda.max_memory_allocated()))


def _write_peak() -> None:
    folder = os.environ.get(ENV_PEAKS)
    peak = peak_bytes()
    if not folder or not peak:
        return
    record = {"pid": os.getpid(), "argv": sys.argv[:4], "peak_bytes": peak}
    path = Path(folder) / f"{os.getpid()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


class _AfterTorchImport(importlib.abc.MetaPathFinder):
    """Busca ``torch`` con los buscadores normales y llama a `patch_torch` cuando termina de importarse."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "torch":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec("torch")
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            patch_torch(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def activate() -> bool:
    """Activa la emulación en este proceso si ``LATAMLAB_EMULAR_T4=1``; devuelve si quedó activa."""
    if not enabled():
        return False
    if _state.get("active"):
        return True
    _state["active"] = True
    if "torch" in sys.modules:
        patch_torch(sys.modules["torch"])
    elif not any(isinstance(f, _AfterTorchImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterTorchImport())
    atexit.register(_write_peak)
    return True
