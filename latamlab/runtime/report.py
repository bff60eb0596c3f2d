"""Informe del entorno: versiones, dispositivo, memoria, bf16, 4 bits, modo y modelo.

`latamlab entorno` (o `--json`) y el cuaderno 00 lo usan. Cada comprobación imprime ``[OK]`` o
``[FALLA]`` con lo que debes hacer para arreglarla. Se enseña en el cuaderno 00.
"""

from __future__ import annotations

import importlib.metadata as md
import json as _json
import platform
import sys
from dataclasses import asdict, dataclass

from latamlab.runtime.device import bf16_reason, cuda_available, is_offline, native_bf16, resolve_mode

__all__ = ["PACKAGES", "EnvironmentReport", "Check", "package_version", "course_requirement", "environment_report",
           "checks",
           "failed", "print_report"]

PACKAGES = ("torch", "transformers", "peft", "bitsandbytes", "accelerate", "datasets")


def package_version(package: str) -> str | None:
    """Versión instalada de `package` (``None`` si no está): la única fuente de versiones en los mensajes."""
    try:
        return md.version(package)
    except md.PackageNotFoundError:
        return None


def course_requirement(package: str) -> str:
    """Cómo pide el curso instalado a `package` (``"bitsandbytes==0.50.2"``), leído de sus metadatos.

    Es la única fuente de las versiones fijadas que citan los mensajes (nada se copia a mano); si el
    curso no está instalado como paquete, devuelve solo el nombre.
    """
    import re

    try:
        requires = md.requires("latamlab") or []
    except md.PackageNotFoundError:
        return package
    for req in requires:
        spec = req.split(";")[0].strip()
        name = re.split(r"[<>=!~ \[]", spec, maxsplit=1)[0]
        if name.lower().replace("_", "-") == package.lower().replace("_", "-"):
            return spec.replace(" ", "")
    return package


@dataclass(frozen=True)
class EnvironmentReport:
    """Lo que `environment_report` encontró en esta máquina.

    Args:
        python: versión de Python.
        versions: paquete → versión instalada (``None`` si falta).
        device: ``cuda`` o ``cpu``, el dispositivo del modo.
        gpu: nombre de la GPU, si hay.
        vram_total_gib: memoria total de la GPU en GiB.
        vram_free_gib: memoria libre de la GPU en GiB.
        compute_capability: capacidad de cómputo CUDA (``7.5`` en una T4).
        native_bf16: si el dispositivo calcula en bf16 sin emularlo.
        bf16_reason: por qué, y qué tipo de cálculo usa el curso.
        four_bit: si la cuantización en 4 bits de bitsandbytes funciona aquí.
        colab: si corre dentro de Google Colab.
        offline: si no hay conexión al hub.
        mode: modo del curso en vigor.
        model: modelo por defecto del modo.
    """

    python: str
    versions: dict[str, str | None]
    device: str
    gpu: str | None
    vram_total_gib: float | None
    vram_free_gib: float | None
    compute_capability: str | None
    native_bf16: bool
    bf16_reason: str
    four_bit: bool
    colab: bool
    offline: bool
    mode: str
    model: str

    def to_dict(self) -> dict:
        """El informe como diccionario apto para JSON."""
        return asdict(self)


def _four_bit_works(device: str) -> bool:
    try:
        import bitsandbytes.functional as F
        import torch

        w = torch.randn(64, 64, device=device, dtype=torch.float32)
        q, state = F.quantize_4bit(w, blocksize=64, quant_type="nf4")
        err = (F.dequantize_4bit(q, state) - w).abs().mean().item()
        return err < 0.2
    except Exception:  # noqa: BLE001 — cualquier fallo significa «no funciona aquí»
        return False


def _in_colab() -> bool:
    return "google.colab" in sys.modules or package_version("google-colab") is not None


def environment_report(mode: str | None = None) -> EnvironmentReport:
    """Reúne los datos del entorno.

    Args:
        mode: modo a informar; ``None`` usa el que está en vigor.
    """
    import torch

    from latamlab.models.catalog import default_model_name

    chosen = resolve_mode(mode)
    device = "cuda" if chosen == "gpu" and cuda_available() else "cpu"
    gpu = total = free = capability = None
    if device == "cuda":
        free_b, total_b = torch.cuda.mem_get_info()
        major, minor = torch.cuda.get_device_capability()
        gpu, capability = torch.cuda.get_device_name(), f"{major}.{minor}"
        total, free = round(total_b / 2**30, 2), round(free_b / 2**30, 2)
    return EnvironmentReport(
        python=platform.python_version(),
        versions={p: package_version(p) for p in PACKAGES},
        device=device,
        gpu=gpu,
        vram_total_gib=total,
        vram_free_gib=free,
        compute_capability=capability,
        native_bf16=native_bf16(device),
        bf16_reason=bf16_reason(device),
        four_bit=_four_bit_works(device),
        colab=_in_colab(),
        offline=is_offline(),
        mode=chosen,
        model=default_model_name(chosen),
    )


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


def checks(report: EnvironmentReport) -> list[Check]:
    """Convierte el informe en comprobaciones ``[OK]``/``[FALLA]`` con su arreglo."""
    v = report.versions
    out = [Check(sys.version_info >= (3, 11), f"Python {report.python}", "instala Python 3.11 o superior")]
    for package in PACKAGES:
        out.append(Check(v[package] is not None, f"{package} {v[package] or 'no instalado'}",
                         "instala el curso: make lab en tu computador, o la primera celda del cuaderno en Colab"))
    if report.device == "cuda":
        out.append(Check(True, f"GPU {report.gpu} · {report.vram_total_gib} GiB ({report.vram_free_gib} GiB libres)"
                               f" · capacidad {report.compute_capability}"))
    else:
        out.append(Check(True, f"Se calcula en la CPU (modo {report.mode})"))
    out.append(Check(True, report.bf16_reason))
    out.append(Check(report.four_bit, "Cuantización en 4 bits (bitsandbytes) funciona aquí",
                     f"reinstala {course_requirement('bitsandbytes')}; en Colab, vuelve a ejecutar la primera celda"))
    where = "Colab" if report.colab else "fuera de Colab"
    net = "sin conexión al hub" if report.offline else "con conexión al hub"
    out.append(Check(True, f"Entorno: {where}, {net}"))
    hub_mode = report.mode == "gpu"
    out.append(Check(not (hub_mode and report.offline), f"Modo {report.mode} → modelo {report.model}",
                     "sin internet usa export LATAMLAB_MODO=cpu"))
    return out


def failed(report: EnvironmentReport) -> list[Check]:
    """Comprobaciones que fallaron."""
    return [c for c in checks(report) if not c.ok]


def print_report(mode: str | None = None, json: bool = False) -> EnvironmentReport:
    """Imprime el informe (líneas ``[OK]``/``[FALLA]`` o JSON) y lo devuelve."""
    report = environment_report(mode)
    if json:
        print(_json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for check in checks(report):
            print(check)
    return report
