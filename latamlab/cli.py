"""Interfaz de línea de comandos en español: ``latamlab entorno | modelos | preparar | entrenar | evaluar | memoria |
datos validar``.

Los comandos son verbos en español; sus opciones salen de una dataclass por comando (ver
`latamlab.config`): el nombre del campo es la opción (``--mode``), la clave del YAML y el argumento de
Python. Importar este módulo no carga torch ni transformers: cada comando importa lo suyo al correr.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from latamlab.config import Config, Parser
from latamlab.errors import LatamlabError
from latamlab.runtime.device import Mode

__all__ = ["EnvironmentOptions", "ModelsOptions", "PrepareOptions", "ValidateOptions", "as_typed", "build_parser",
           "main"]


@dataclass
class EnvironmentOptions(Config):
    """Opciones de ``latamlab entorno``."""

    mode: Mode | None = field(default=None, metadata={"help": "modo del curso; si no lo das, se usa LATAMLAB_MODO"})
    json: bool = field(default=False, metadata={"help": "imprime el informe en JSON"})


@dataclass
class ModelsOptions(Config):
    """Opciones de ``latamlab modelos``."""

    json: bool = field(default=False, metadata={"help": "imprime el catálogo completo en JSON"})


@dataclass
class PrepareOptions(Config):
    """Opciones de ``latamlab preparar``."""

    models: list[str] | None = field(default=None, metadata={
        "help": "nombres del catálogo; si no los das, los que funcionan sin internet y el curso usa por defecto"})
    rebuild: bool = field(default=False, metadata={"help": "los reconstruye aunque ya estén en la caché"})

    def __post_init__(self) -> None:
        super().__post_init__()
        from latamlab.models.catalog import get_card

        for name in self.models or []:
            get_card(name, field="models")  # un nombre desconocido falla aquí, con el más parecido


@dataclass
class ValidateOptions(Config):
    """Opciones de ``latamlab datos validar``."""

    path: Path | None = field(default=None, metadata={
        "positional": True,
        "help": "carpeta data/, la de un conjunto o la de tus datos de chat (con train.jsonl); si no la das, "
                "LATAMLAB_DATOS o el data/ del curso"})


def _entorno(opts: EnvironmentOptions) -> int:
    from latamlab.runtime.notebook import quiet_libraries
    from latamlab.runtime.report import failed, print_report

    quiet_libraries()
    report = print_report(mode=opts.mode, json=opts.json)
    return 1 if failed(report) else 0


def _modelos(opts: ModelsOptions) -> int:
    from latamlab.models.catalog import catalog

    cards = list(catalog().values())
    if opts.json:
        print(json.dumps([asdict(c) for c in cards], ensure_ascii=False, indent=2))
        return 0
    print(f"{'nombre':<24} {'parámetros':>11}  {'origen':<6} {'¿T4?':<5} {'licencia':<28} idiomas")
    for c in cards:
        params = f"{c.params / 1e9:.2f} B".replace(".", ",") if c.params else "diminuto"
        t4 = "sí" if c.fits_t4 else "no"
        lock = " (restringido)" if c.gated else ""
        print(f"{c.name:<24} {params:>11}  {c.source:<6} {t4:<5} {(c.license + lock)[:28]:<28} {', '.join(c.languages)}")
    print("\nUsa el nombre con latamlab.load_model(nombre). Detalles y notas: latamlab modelos --json")
    return 0


def _preparar(opts: PrepareOptions) -> int:
    from latamlab.models.offline import prepare
    from latamlab.runtime.notebook import quiet_libraries

    quiet_libraries()
    prepare(models=opts.models or None, rebuild=opts.rebuild)
    return 0


def _datos_validar(opts: ValidateOptions) -> int:
    from latamlab.data.validate import main as validate_main

    return validate_main(None if opts.path is None else str(opts.path))


def _entrenar(opts: Config) -> int:
    from latamlab.runtime.notebook import quiet_libraries
    from latamlab.train.trainer import train

    quiet_libraries()
    train(opts)
    return 0


def _evaluar(opts: Config) -> int:
    from latamlab.evaluation.command import evaluate, format_report
    from latamlab.runtime.notebook import quiet_libraries

    quiet_libraries()
    report = evaluate(opts)
    print(format_report(report))
    if opts.output is not None:
        print(f"\nTodas las cifras, con sus intervalos y cada pregunta: {opts.output}")
    return 0


def _memoria(opts: Config) -> int:
    from latamlab.memory.report import memoria

    print(memoria(opts))
    return 0


def _command(sub: argparse._SubParsersAction, name: str, help: str, options: type[Config],
             run: Callable[[Config], int], config_file: bool = False) -> None:
    """Un subcomando cuyas opciones salen de la dataclass `options`; `run` recibe la instancia."""
    p = sub.add_parser(name, help=help, description=f"{help[0].upper()}{help[1:]}.")
    options.add_arguments(p, config_file=config_file)
    p.set_defaults(_run=lambda ns: run(options.from_args(ns)))


def build_parser() -> argparse.ArgumentParser:
    """Construye el analizador de argumentos, con ayuda y errores en español."""
    parser = Parser(prog="latamlab", description="Herramientas del curso latamlab.",
                    epilog="Ayuda de cada comando: latamlab COMANDO --help")
    sub = parser.add_subparsers(title="comandos", dest="command", required=True, metavar="COMANDO")
    _command(sub, "entorno", "informe del entorno con líneas [OK]/[FALLA]", EnvironmentOptions, _entorno)
    _command(sub, "modelos", "catálogo de modelos del curso", ModelsOptions, _modelos)
    _command(sub, "preparar", "prepara los modelos que funcionan sin internet", PrepareOptions, _preparar)
    from latamlab.train.config import TrainConfig, preset_names

    _command(sub, "entrenar", f"entrena un adaptador LoRA desde un YAML o un preset ({', '.join(preset_names())})",
             TrainConfig, _entrenar, config_file=True)
    from latamlab.evaluation.command import EvaluateConfig

    _command(sub, "evaluar", "evalúa un modelo (y su adaptador) en perplexity, finance y variants, con intervalos",
             EvaluateConfig, _evaluar, config_file=True)
    from latamlab.memory.report import MemoryOptions

    _command(sub, "memoria", "¿cabe tu entrenamiento en una GPU? desglose de la memoria estimada", MemoryOptions,
             _memoria)
    datos = sub.add_parser("datos", help="herramientas para los datos del curso",
                           description="Herramientas para los datos del curso.")
    actions = datos.add_subparsers(title="acciones", dest="action", required=True, metavar="ACCIÓN")
    _command(actions, "validar", "valida esquema, codificación, particiones, duplicados y conteos",
             ValidateOptions, _datos_validar)
    return parser


def as_typed(message: str, argv: list[str]) -> str:
    """El mensaje con cada opción que escribiste en la línea de comandos como la escribiste: `model` → `--model`.

    Los errores nombran el campo (`model`), que es también la clave del YAML; si el valor vino de la línea de
    comandos, lo que la persona reconoce es la opción.
    """
    typed = {a[2:].split("=", 1)[0] for a in argv if a.startswith("--")}
    return re.sub(r"`([a-z_]+)`", lambda m: f"`--{m[1]}`" if m[1] in typed else m[0], message)


def main(argv: list[str] | None = None) -> int:
    """Punto de entrada de ``latamlab``; devuelve el código de salida.

    Un `LatamlabError` se imprime como ``error: <una línea>`` en stderr (con las opciones escritas como
    ``--opción``, ver `as_typed`) y sale con código 2.
    """
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    # Un aviso (bf16 lento en esta CPU, un punto de control a medias) es una línea en español, como los errores.
    previous, warnings.formatwarning = warnings.formatwarning, lambda message, *_, **__: (
        f"aviso: {as_typed(str(message), argv)}\n")
    try:
        return args._run(args)
    except LatamlabError as err:
        print(f"error: {as_typed(str(err), argv)}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # la salida se cortó antes (p. ej., `latamlab modelos --json | head`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("\nInterrumpido. Lo que estaba a medias no quedó marcado como listo; vuelve a ejecutar el comando.",
              file=sys.stderr)
        return 130
    finally:
        warnings.formatwarning = previous


if __name__ == "__main__":
    sys.exit(main())
