"""Informe del entorno: versiones, dispositivo, memoria, bf16, 4 bits, modo y modelo.

`latamlab entorno` (o `--json`) y el cuaderno 00 lo usan. Cada comprobación imprime ``[OK]`` o
``[FALLA]`` con lo que debes hacer para arreglarla.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import platform
import sys
from dataclasses import dataclass

import torch

from latamlab.catalog import default_model_name
from latamlab.modes import resolve_mode
from latamlab.network import is_offline

__all__ = ["Check", "environment_report", "checks", "failed", "print_report"]

PACKAGES = ("torch", "transformers", "peft", "bitsandbytes", "accelerate", "datasets")


def _version(package: str) -> str | None:
    try:
        return md.version(package)
    except md.PackageNotFoundError:
        return None


def _four_bit_works(device: str) -> bool:
    try:
        import bitsandbytes.functional as F

        w = torch.randn(64, 64, device=device, dtype=torch.float32)
        q, state = F.quantize_4bit(w, blocksize=64, quant_type="nf4")
        err = (F.dequantize_4bit(q, state) - w).abs().mean().item()
        return err < 0.2
    except Exception:  # noqa: BLE001 — cualquier fallo significa «no funciona aquí»
        return False


def _in_colab() -> bool:
    return "google.colab" in sys.modules or _version("google-colab") is not None


def environment_report(mode: str | None = None) -> dict:
    """Reúne los datos del entorno en un diccionario (apto para JSON).

    Args:
        mode: modo a informar; ``None`` usa el que está en vigor.
    """
    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    report: dict = {
        "python": platform.python_version(),
        "versiones": {p: _version(p) for p in PACKAGES},
        "dispositivo": device,
        "gpu": None,
        "vram_total_gib": None,
        "vram_libre_gib": None,
        "capacidad_computo": None,
        "bf16_nativo": None,
        "cuatro_bits": _four_bit_works(device),
        "colab": _in_colab(),
        "sin_conexion": is_offline(),
    }
    if cuda:
        free, total = torch.cuda.mem_get_info()
        major, minor = torch.cuda.get_device_capability()
        report.update(
            gpu=torch.cuda.get_device_name(),
            vram_total_gib=round(total / 2**30, 2),
            vram_libre_gib=round(free / 2**30, 2),
            capacidad_computo=f"{major}.{minor}",
            bf16_nativo=(major, minor) >= (8, 0),
        )
    else:
        report["bf16_nativo"] = True  # en CPU, torch calcula bf16 sin emulación de GPU
    report["modo"] = resolve_mode(mode)
    report["modelo"] = default_model_name(report["modo"])
    return report


@dataclass(frozen=True)
class Check:
    """Una comprobación del informe: si pasó, qué dice y qué hacer si falló."""

    ok: bool
    message: str
    fix: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"[OK] {self.message}"
        return f"[FALLA] {self.message} → {self.fix}"


def checks(report: dict) -> list[Check]:
    """Convierte el informe en comprobaciones ``[OK]``/``[FALLA]`` con su arreglo."""
    v = report["versiones"]
    out = [Check(sys.version_info >= (3, 10), f"Python {report['python']}", "instala Python 3.10 o superior")]
    for package in PACKAGES:
        out.append(
            Check(v[package] is not None, f"{package} {v[package] or 'no instalado'}",
                  "instálalo con: pip install -e . (desde la carpeta del curso)")
        )
    if report["dispositivo"] == "cuda":
        out.append(Check(True, f"GPU {report['gpu']} · {report['vram_total_gib']} GiB "
                               f"({report['vram_libre_gib']} GiB libres) · capacidad {report['capacidad_computo']}"))
        bf16 = "bf16 nativo" if report["bf16_nativo"] else "sin bf16 nativo: se calcula en fp16 (normal en una T4)"
        out.append(Check(True, bf16))
    else:
        out.append(Check(True, "Sin GPU: se usa la CPU (modo cpu o diminuto)"))
    out.append(Check(report["cuatro_bits"], "Cuantización en 4 bits (bitsandbytes) funciona aquí",
                     "reinstala bitsandbytes==0.50.2; en Colab, reinicia el entorno después de instalar"))
    where = "Colab" if report["colab"] else "fuera de Colab"
    net = "sin conexión al hub" if report["sin_conexion"] else "con conexión al hub"
    out.append(Check(True, f"Entorno: {where}, {net}"))
    hub_mode = report["modo"] == "gpu"
    out.append(Check(not (hub_mode and report["sin_conexion"]),
                     f"Modo {report['modo']} → modelo {report['modelo']}",
                     "sin internet usa export LATAMLAB_MODO=cpu"))
    return out


def print_report(mode: str | None = None, as_json: bool = False) -> dict:
    """Imprime el informe (líneas ``[OK]``/``[FALLA]`` o JSON) y lo devuelve."""
    report = environment_report(mode)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for check in checks(report):
            print(check)
    return report


def failed(report: dict) -> list[Check]:
    """Comprobaciones que fallaron."""
    return [c for c in checks(report) if not c.ok]
