"""Interfaz de línea de comandos en español: ``latamlab entorno | modelos | preparar | datos validar``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from latamlab.errors import LatamlabError
from latamlab.runtime.notebook import quiet_libraries

__all__ = ["build_parser", "main"]


def _entorno(args: argparse.Namespace) -> int:
    from latamlab.runtime.report import failed, print_report

    report = print_report(mode=args.mode, as_json=args.json)
    return 1 if failed(report) else 0


def _modelos(args: argparse.Namespace) -> int:
    from latamlab.models.catalog import catalog

    cards = list(catalog().values())
    if args.json:
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


def _preparar(args: argparse.Namespace) -> int:
    from latamlab.models.offline import prepare

    prepare(args.modelos or None, rebuild=args.reconstruir)
    return 0


def _datos_validar(args: argparse.Namespace) -> int:
    from latamlab.data.validate import main as validate_main

    return validate_main(args.ruta)


def build_parser() -> argparse.ArgumentParser:
    """Construye el analizador de argumentos (con ayuda en español)."""
    parser = argparse.ArgumentParser(prog="latamlab", description="Herramientas del curso latamlab.")
    sub = parser.add_subparsers(dest="comando", required=True, metavar="COMANDO")

    p = sub.add_parser("entorno", help="informe del entorno con líneas [OK]/[FALLA]")
    p.add_argument("--json", action="store_true", help="imprime el informe en JSON")
    p.add_argument("--mode", default=None, help="gpu, cpu o diminuto (por defecto, LATAMLAB_MODO)")
    p.set_defaults(func=_entorno)

    p = sub.add_parser("modelos", help="catálogo de modelos del curso")
    p.add_argument("--json", action="store_true", help="imprime el catálogo completo en JSON")
    p.set_defaults(func=_modelos)

    p = sub.add_parser("preparar", help="prepara los modelos que funcionan sin internet")
    p.add_argument("--modelos", nargs="*", help="nombres del catálogo (por defecto, todos los locales)")
    p.add_argument("--reconstruir", action="store_true", help="los reconstruye aunque estén en la caché")
    p.set_defaults(func=_preparar)

    p = sub.add_parser("datos", help="herramientas para los datos del curso")
    datos = p.add_subparsers(dest="accion", required=True, metavar="ACCIÓN")
    v = datos.add_parser("validar", help="valida esquema, codificación, particiones, duplicados y conteos")
    v.add_argument("ruta", nargs="?", default=None,
                   help="carpeta data/ o la de un conjunto (por defecto: LATAMLAB_DATOS o el data/ del curso)")
    v.set_defaults(func=_datos_validar)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Punto de entrada de ``latamlab``; devuelve el código de salida."""
    quiet_libraries()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except LatamlabError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrumpido. Lo que estaba a medias no quedó marcado como listo; vuelve a ejecutar el comando.",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
