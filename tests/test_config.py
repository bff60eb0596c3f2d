"""La convención de configuración: una dataclass sirve a Python, al YAML y a la CLI, con errores de una línea."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from latamlab.config import Config, Parser
from latamlab.errors import ConfigError


@dataclass
class TrainLike(Config):
    """Un `TrainConfig` de juguete con un campo de cada tipo que admite la convención."""

    learning_rate: float = field(default=2e-4, metadata={"help": "tasa de aprendizaje"})
    lora_r: int = field(default=16, metadata={"help": "rango de LoRA"})
    precision: Literal["nf4", "fp4", "bf16"] = field(default="nf4", metadata={"help": "formato de los pesos"})
    packing: bool = field(default=False, metadata={"help": "empaqueta ejemplos (10 % más rápido)"})
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "v_proj"], metadata={"help": "capas"})
    output_dir: Path | None = field(default=None, metadata={"help": "carpeta de salida"})
    max_length: int | None = field(default=None, metadata={"help": "largo máximo"})

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.lora_r <= 0:
            raise ConfigError(f"`lora_r` debe ser positivo; recibí {self.lora_r}. Prueba con 16.")


def _parser() -> Parser:
    """Un `latamlab` de juguete con el subcomando `entrenar CONFIG.yaml --opciones`."""
    parser = Parser(prog="latamlab")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMANDO")
    TrainLike.add_arguments(sub.add_parser("entrenar"), config_file=True)
    return parser


def _one_line(text: str) -> str:
    assert text.endswith("\n") and text.count("\n") == 1, text
    return text


def test_unknown_key_names_the_closest():
    with pytest.raises(ConfigError) as info:
        TrainLike.from_dict({"lerning_rate": 1e-4})
    message = str(info.value)
    assert "`lerning_rate` no es una opción de TrainLike. ¿Quisiste decir `learning_rate`?" in message
    assert "\n" not in message and "lora_r" in message  # la lista de opciones válidas


def test_unknown_key_in_yaml_names_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("lora_rank: 8\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"^{path}: `lora_rank` no es una opción .*¿Quisiste decir `lora_r`\?"):
        TrainLike.from_yaml(path)


def test_unknown_flag_names_the_closest_in_spanish(capsys):
    with pytest.raises(SystemExit) as info:
        _parser().parse_args(["entrenar", "--lora_rr", "8"])
    assert info.value.code == 2
    err = _one_line(capsys.readouterr().err)
    assert err.startswith("error: no conozco la opción '--lora_rr'. ¿Quisiste decir `--lora_r`?")
    assert "latamlab entrenar --help" in err and "unrecognized" not in err


def test_abbreviated_flag_is_not_accepted(capsys):
    with pytest.raises(SystemExit):
        _parser().parse_args(["entrenar", "--learning", "1e-4"])
    assert "¿Quisiste decir `--learning_rate`?" in capsys.readouterr().err


def test_unknown_command_and_missing_value_are_spanish(capsys):
    with pytest.raises(SystemExit):
        _parser().parse_args(["entrenr"])
    assert "no conozco el comando 'entrenr'. ¿Quisiste decir `entrenar`?" in _one_line(capsys.readouterr().err)
    with pytest.raises(SystemExit):
        _parser().parse_args(["entrenar", "--lora_r"])
    assert _one_line(capsys.readouterr().err).startswith("error: `--lora_r` necesita un valor.")
    with pytest.raises(SystemExit):
        _parser().parse_args([])
    assert _one_line(capsys.readouterr().err).startswith("error: falta el argumento COMANDO.")


def test_yaml_first_then_explicit_flags_win(tmp_path):
    path = tmp_path / "entrenar.yaml"
    # PyYAML lee «1e-4» (sin punto) como texto: la convención lo convierte al tipo del campo.
    path.write_text("learning_rate: 1e-4\nlora_r: 8\npacking: true\n", encoding="utf-8")
    args = _parser().parse_args(["entrenar", str(path), "--learning_rate", "5e-5", "--no-packing"])
    opts = TrainLike.from_args(args)
    assert opts.learning_rate == 5e-5 and opts.packing is False  # las opciones escritas ganan
    assert opts.lora_r == 8  # lo que no se escribió viene del YAML, no del valor por defecto
    assert opts.precision == "nf4" and opts.target_modules == ["q_proj", "v_proj"]


def test_flags_without_yaml_and_lists():
    args = _parser().parse_args(["entrenar", "--target_modules", "q_proj", "k_proj", "--packing",
                                 "--output_dir", "salida", "--max_length", "512"])
    opts = TrainLike.from_args(args)
    assert opts == TrainLike(target_modules=["q_proj", "k_proj"], packing=True, output_dir=Path("salida"),
                             max_length=512)
    assert TrainLike.from_args(_parser().parse_args(["entrenar"])) == TrainLike()


def test_literal_violation_says_allowed_and_closest():
    with pytest.raises(ConfigError) as info:
        TrainLike(precision="nf5")
    assert str(info.value) == "`precision` debe ser uno de nf4, fp4, bf16; recibí 'nf5'. ¿Quisiste decir `nf4`?"


def test_literal_violation_from_the_cli_exits_through_config_error():
    args = _parser().parse_args(["entrenar", "--precision", "int3"])
    with pytest.raises(ConfigError, match=r"`precision` debe ser uno de nf4, fp4, bf16; recibí 'int3'"):
        TrainLike.from_args(args)


def test_type_coercion():
    opts = TrainLike.from_dict({"learning_rate": "1e-4", "lora_r": "8", "packing": "false",
                                "output_dir": "runs/a", "max_length": None, "target_modules": ("o_proj",)})
    assert opts.learning_rate == 1e-4 and isinstance(opts.learning_rate, float)
    assert opts.lora_r == 8 and opts.packing is False and opts.output_dir == Path("runs/a")
    assert opts.max_length is None and opts.target_modules == ["o_proj"]
    assert TrainLike(learning_rate=1).learning_rate == 1.0  # un entero sirve donde va un número


@pytest.mark.parametrize("data, message", [
    ({"lora_r": "ocho"}, "`lora_r` debe ser un entero; recibí 'ocho'."),
    ({"lora_r": 8.5}, "`lora_r` debe ser un entero; recibí 8.5."),
    ({"packing": 1}, "`packing` debe ser true o false; recibí 1."),
    ({"learning_rate": None}, "`learning_rate` debe ser un número; recibí None."),
    ({"target_modules": "q_proj"}, "`target_modules` debe ser una lista; recibí 'q_proj'."),
    ({"lora_r": 0}, "`lora_r` debe ser positivo; recibí 0. Prueba con 16."),  # el __post_init__ de la subclase
])
def test_wrong_types_are_one_spanish_line(data, message):
    with pytest.raises(ConfigError) as info:
        TrainLike.from_dict(data)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_round_trip_dict_and_yaml(tmp_path):
    opts = TrainLike(learning_rate=3e-5, precision="bf16", packing=True, output_dir=Path("a/b"),
                     target_modules=["q_proj"], max_length=1024)
    plain = opts.to_dict()
    assert plain["output_dir"] == "a/b" and plain["target_modules"] == ["q_proj"]
    assert TrainLike.from_dict(plain) == opts
    text = opts.to_yaml(tmp_path / "c.yaml")
    assert "precision: bf16" in text
    assert TrainLike.from_yaml(tmp_path / "c.yaml") == opts


def test_yaml_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="No encuentro el archivo de configuración"):
        TrainLike.from_yaml(tmp_path / "no_existe.yaml")
    (tmp_path / "lista.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="se esperaba un diccionario clave: valor"):
        TrainLike.from_yaml(tmp_path / "lista.yaml")
    (tmp_path / "rota.yaml").write_text("lora_r: [8\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rota.yaml:\d+: no es YAML válido"):
        TrainLike.from_yaml(tmp_path / "rota.yaml")


def test_help_is_spanish_and_shows_defaults():
    parser = _parser()
    sub = parser._subparsers._group_actions[0].choices["entrenar"]
    text = sub.format_help()
    assert text.startswith("uso: latamlab entrenar [-h]") and "usage" not in text
    assert "opciones:" in text and "muestra esta ayuda y termina" in text
    assert "--precision {nf4,fp4,bf16}" in text and "formato de los pesos (por defecto: nf4)" in text
    assert "--packing, --no-packing" in text and "(10 % más rápido) (por defecto: no)" in text
    assert "rango de LoRA (por defecto: 16)" in text and "largo máximo (por defecto: ninguno)" in text


@dataclass
class WithRequired(Config):
    """Opciones con un campo obligatorio."""

    model: str = field(metadata={"help": "modelo a entrenar"})
    epochs: int = field(default=1, metadata={"help": "épocas"})


def test_required_field_is_named_when_missing():
    with pytest.raises(ConfigError, match=r"^falta `model` en WithRequired: no tiene valor por defecto\.$"):
        WithRequired.from_dict({"epochs": 2})
    assert WithRequired.from_dict({"model": "smollm2-135m-instruct"}).epochs == 1
    parser = Parser(prog="latamlab entrenar")
    WithRequired.add_arguments(parser)
    assert "modelo a entrenar (obligatorio)" in parser.format_help()
