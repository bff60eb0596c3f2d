"""TrainConfig y presets: cada YAML del paquete carga, los errores son una línea en español."""

from __future__ import annotations

import pytest

from latamlab.cli import build_parser
from latamlab.errors import ConfigError
from latamlab.train.config import PRESETS, TrainConfig, load_train_config, preset_names


def test_every_shipped_preset_loads():
    names = preset_names()
    assert names == ["cpu", "diminuto", "semilla", "t4"]
    for path in PRESETS.glob("*.yaml"):
        cfg = load_train_config(path.stem)
        assert cfg == load_train_config(path)  # por nombre o por ruta, lo mismo
        assert TrainConfig.from_yaml(path) == cfg


def test_semilla_is_the_partners_snippet():
    cfg = load_train_config("semilla")
    assert (cfg.precision, cfg.lora_r, cfg.lora_alpha, cfg.target_modules, cfg.lora_dropout) == (
        "nf4", 16, 32, ["q_proj", "v_proj"], 0.05)


def test_t4_preset_uses_4_bits_and_no_bf16():
    cfg = load_train_config("t4")
    assert cfg.precision == "nf4" and cfg.compute_dtype == "auto" and cfg.mode == "gpu"


def test_presets_are_package_data():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "presets/*.yaml" in pyproject["tool"]["setuptools"]["package-data"]["latamlab.train"]


def test_unknown_yaml_key_names_the_closest(tmp_path):
    path = tmp_path / "mal.yaml"
    path.write_text("lerning_rate: 0.001\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"`lerning_rate` no es una opción.*¿Quisiste decir `learning_rate`\?"):
        load_train_config(path)


def test_unknown_preset_names_the_closest():
    with pytest.raises(ConfigError, match=r"no es un archivo ni un preset.*¿Quisiste decir `diminuto`\?"):
        load_train_config("diminuta")


@pytest.mark.parametrize("changes, fragment", [
    ({"lora_r": 0}, "`lora_r` debe ser un entero ≥ 1"),
    ({"lora_dropout": 1.5}, "`lora_dropout` debe estar entre 0 y 1"),
    ({"max_steps": 0}, "`max_steps` debe ser ≥ 1"),
    ({"learning_rate": 2.0}, "`learning_rate` debe estar entre 0 y 1"),
    ({"precision": "bf17"}, "`precision` debe ser uno de"),
    ({"dataset": "finanza"}, "¿Quisiste decir `finanzas`?"),
    ({"target_modules": []}, "`target_modules` está vacío"),
])
def test_bad_values_are_one_spanish_line(changes, fragment):
    with pytest.raises(ConfigError) as err:
        TrainConfig(**changes)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_cli_flags_win_over_the_preset():
    args = build_parser().parse_args(["entrenar", "diminuto", "--max_steps", "3", "--resume",
                                      "--target_modules", "q_proj", "k_proj"])
    cfg = TrainConfig.from_args(args)
    assert (cfg.max_steps, cfg.resume, cfg.target_modules, cfg.model) == (3, True, ["q_proj", "k_proj"],
                                                                          "diminuto-llama")


def test_cli_accepts_no_config_file():
    cfg = TrainConfig.from_args(build_parser().parse_args(["entrenar", "--max_steps", "2"]))
    assert cfg.max_steps == 2 and cfg.dataset == "finanzas"


def test_python_overrides_are_checked_like_yaml():
    from latamlab.train.trainer import _resolve

    cfg = _resolve(load_train_config("diminuto"), {"max_steps": 2})
    assert cfg.max_steps == 2 and cfg.lora_r == 8
    with pytest.raises(ConfigError, match="¿Quisiste decir `max_steps`?"):
        _resolve(None, {"max_step": 2})
