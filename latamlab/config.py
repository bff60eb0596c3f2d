"""La convención de configuración del curso: una dataclass por comando sirve a Python, al YAML y a la CLI.

Cada comando declara sus opciones como una dataclass que hereda de :class:`Config`, con campos tipados,
vocabularios `Literal`, una ayuda en español por campo (``field(metadata={"help": "…"})``) y su
validación en ``__post_init__``. El nombre del campo es a la vez el argumento de Python, la clave del
YAML y la opción de la CLI (``--learning_rate``). Un YAML se carga primero y las opciones escritas en la
línea de comandos ganan. Una clave u opción desconocida falla y nombra la más parecida.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import types
import typing
from dataclasses import MISSING, Field, asdict, dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, Literal, NoReturn, TypeVar, get_args, get_origin

from latamlab.errors import ConfigError

__all__ = ["Config", "Parser", "closest", "yaml_reason"]

C = TypeVar("C", bound="Config")
CONFIG_FILE = "config_file"  # destino del YAML opcional en la CLI (no es un campo)
_TRUE, _FALSE = {"true", "1", "sí", "si", "yes"}, {"false", "0", "no"}


#: Los problemas más comunes que informa PyYAML (por cómo empiezan), en español; los demás van entre comillas.
_YAML_PROBLEMS = {
    "mapping values are not allowed here": "hay un «clave: valor» donde no cabe: revisa la sangría de esta línea, "
                                           "o si el valor de la anterior lleva «: » y necesita comillas",
    "could not find expected ':'": "falta «:» entre una clave y su valor",
    "found character '\\t' that cannot start any token": "hay un tabulador: YAML solo admite espacios para la sangría",
    "did not find expected key": "la sangría no cuadra: las claves de un mismo nivel van en la misma columna",
    "found unexpected end of stream": "el archivo termina antes de cerrar unas comillas o unos corchetes",
    "expected ',' or ']'": "una lista [a, b] no se cierra con «]»",
    "expected <block end>": "la sangría no cuadra: las claves de un mismo nivel van en la misma columna",
    "found unexpected ':'": "hay «:» de más en la línea",
}


def yaml_reason(err: Exception) -> str:
    """Qué le molesta al lector de YAML (un `yaml.YAMLError`), en español."""
    problem = str(getattr(err, "problem", None) or err)
    return next((text for start, text in _YAML_PROBLEMS.items() if problem.startswith(start)),
                f"el lector de YAML dice «{problem}»")


def closest(name: str, valid: typing.Iterable[str]) -> str:
    """Frase «¿quisiste decir `x`?» con el nombre válido más parecido a `name`, o ``""`` si no hay."""
    match = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.5)
    return f" ¿Quisiste decir `{match[0]}`?" if match else ""


def _coerce(name: str, value: Any, tp: Any) -> Any:
    """Convierte `value` (de un YAML, un diccionario o la CLI) al tipo `tp` del campo `name`."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]  # solo se admite «X | None»
        return _coerce(name, value, inner)
    if origin is Literal:
        if value not in args:
            allowed = ", ".join(map(str, args))
            raise ConfigError(f"`{name}` debe ser uno de {allowed}; recibí {value!r}.{closest(str(value), map(str, args))}")
        return value
    if origin in (list, tuple):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise ConfigError(f"`{name}` debe ser una lista; recibí {value!r}. En YAML: [a, b]; en la CLI: --{name} a b")
        return origin(_coerce(name, v, args[0]) for v in value)
    try:
        if tp is bool and isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        if tp is bool and isinstance(value, bool) or tp is str and isinstance(value, str):
            return value
        if tp is int and not isinstance(value, (bool, float)):
            return int(value)
        if tp is float and not isinstance(value, bool):
            return float(value)
        if tp is Path and isinstance(value, (str, Path)):
            return Path(value)
    except (TypeError, ValueError):
        pass
    kind = {bool: "true o false", int: "un entero", float: "un número", str: "un texto", Path: "una ruta"}
    raise ConfigError(f"`{name}` debe ser {kind.get(tp, tp)}; recibí {value!r}.")


def _default(f: Field) -> Any:
    """El valor por defecto de un campo (``MISSING`` si no tiene)."""
    return f.default_factory() if f.default_factory is not MISSING else f.default


def _plain(value: Any) -> Any:
    """Rutas como texto y tuplas como listas, para YAML y JSON."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Path) else value


@dataclass
class Config:
    """Base de las opciones de un comando. Las subclases son dataclasses y llaman a ``super().__post_init__()``.

    Cada campo lleva su ayuda en ``metadata["help"]``; ``metadata["positional"]=True`` lo vuelve un
    argumento posicional opcional en la CLI. Tipos admitidos: ``bool``, ``int``, ``float``, ``str``,
    ``Path``, ``Literal[...]``, ``list[X]``, ``tuple[X, ...]`` y ``X | None``; los valores se convierten
    al tipo del campo (``"1e-4"`` → ``0.0001``) o fallan con una línea en español.
    """

    #: Palabras en español que valen por un valor del vocabulario, por campo: ``{"task": {"finanzas": "finance"}}``.
    ALIASES: ClassVar[dict[str, dict[str, str]]] = {}

    def __post_init__(self) -> None:
        hints = typing.get_type_hints(type(self))
        for f in fields(self):
            value = getattr(self, f.name)
            value = self.ALIASES.get(f.name, {}).get(value, value) if isinstance(value, str) else value
            setattr(self, f.name, _coerce(f.name, value, hints[f.name]))

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any], source: str = "") -> C:
        """Construye las opciones desde un diccionario; una clave desconocida falla nombrando la más parecida.

        Args:
            data: claves iguales a los nombres de los campos.
            source: de dónde viene (un archivo), para el mensaje de error.

        Raises:
            ConfigError: clave desconocida, tipo equivocado o valor fuera del vocabulario.
        """
        if not isinstance(data, dict):
            raise ConfigError(f"{source or cls.__name__}: se esperaba un diccionario clave: valor; recibí {data!r}.")
        names = [f.name for f in fields(cls)]
        where = f"{source}: " if source else ""
        for key in data:
            if key not in names:
                raise ConfigError(f"{where}`{key}` no es una opción de {cls.__name__}.{closest(str(key), names)} "
                                  f"Las opciones son: {', '.join(names)}.")
        missing = [f"`{f.name}`" for f in fields(cls) if _default(f) is MISSING and f.name not in data]
        if missing:
            raise ConfigError(f"{where}falta {', '.join(missing)} en {cls.__name__}: no tiene valor por defecto.")
        return cls(**data)

    @classmethod
    def from_yaml(cls: type[C], path: str | Path, **overrides: Any) -> C:
        """Lee las opciones de un archivo YAML; `overrides` (p. ej., las de la CLI) ganan sobre el archivo.

        Raises:
            ConfigError: si el archivo no existe, no es YAML válido o trae claves o valores no permitidos.
        """
        import yaml

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError:
            raise ConfigError(f"No encuentro el archivo de configuración {path}; revisa la ruta.") from None
        except yaml.YAMLError as err:
            line = getattr(getattr(err, "problem_mark", None), "line", -1) + 1
            raise ConfigError(f"{path}:{line}: no es YAML válido: {yaml_reason(err)}.") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: se esperaba un diccionario clave: valor; recibí {type(data).__name__}.")
        try:
            return cls.from_dict({**data, **overrides}, source=str(path))
        except ConfigError as err:  # un valor que vino del archivo: el mensaje dice de cuál
            named = set(re.findall(r"`([a-z_]+)`", str(err)))
            if str(path) in str(err) or not named & (set(data) - set(overrides)):
                raise
            raise ConfigError(f"{path}: {err}") from None

    def to_dict(self) -> dict[str, Any]:
        """Las opciones como diccionario de tipos simples (rutas como texto, tuplas como listas)."""
        return {k: _plain(v) for k, v in asdict(self).items()}

    def replace(self: C, **changes: Any) -> C:
        """Una copia con `changes` aplicados, validada igual que una nueva (claves desconocidas incluidas)."""
        return type(self).from_dict({**self.to_dict(), **changes}) if changes else self

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Escribe las opciones en YAML (en `path` si se da) y devuelve el texto; `from_yaml` lo lee igual."""
        import yaml

        text = yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, config_file: bool = False) -> None:
        """Agrega a `parser` una opción ``--campo`` por campo (y, si `config_file`, un YAML posicional).

        Las opciones no escritas no aparecen en el resultado del análisis, así que no pisan al YAML.
        """
        if config_file:
            parser.add_argument(CONFIG_FILE, nargs="?", metavar="CONFIG.yaml", default=argparse.SUPPRESS,
                                help="archivo YAML con las opciones; las de la línea de comandos ganan")
        hints = typing.get_type_hints(cls)
        for f in fields(cls):
            tp = hints[f.name]
            inner = next((a for a in get_args(tp) if a is not type(None)), tp) if get_origin(tp) in (
                typing.Union, types.UnionType) else tp
            default = _default(f)
            shown = "obligatorio" if default is MISSING else "por defecto: " + (
                ("sí" if default else "no") if isinstance(default, bool) else
                "ninguno" if default in (None, [], ()) else str(default))
            text = f"{f.metadata.get('help', '')} ({shown})".replace("%", "%%")
            kwargs: dict[str, Any] = {"default": argparse.SUPPRESS, "help": text}
            if get_origin(inner) is Literal:
                kwargs["metavar"] = "{" + ",".join(map(str, get_args(inner))) + "}"
            elif get_origin(inner) in (list, tuple):
                kwargs["nargs"] = "*"
            if inner is bool:
                kwargs["action"] = argparse.BooleanOptionalAction
            if f.metadata.get("positional"):
                parser.add_argument(f.name, nargs="?", **kwargs)
            else:
                parser.add_argument(f"--{f.name}", **kwargs)

    @classmethod
    def from_args(cls: type[C], namespace: argparse.Namespace) -> C:
        """Las opciones de la CLI: primero el YAML (si se dio), después las opciones escritas."""
        given = {f.name: getattr(namespace, f.name) for f in fields(cls) if hasattr(namespace, f.name)}
        path = getattr(namespace, CONFIG_FILE, None)
        return cls.from_yaml(path, **given) if path else cls.from_dict(given)


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 — firma de argparse
        super().add_usage(usage, actions, groups, prefix="uso: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """`ArgumentParser` en español: títulos, ayuda y errores de una línea que sugieren la opción más parecida."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.update(add_help=False, allow_abbrev=False, formatter_class=_Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title, self._optionals.title = "argumentos", "opciones"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="muestra esta ayuda y termina")

    def parse_known_args(self, args=None, namespace=None):  # noqa: ANN001 — firma de argparse
        namespace, extras = super().parse_known_args(args, namespace)
        namespace.__dict__.setdefault("_parser", self)  # el subcomando más profundo lo pone primero
        return namespace, extras

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001 — firma de argparse
        namespace, extras = self.parse_known_args(args, namespace)
        leaf = namespace.__dict__.pop("_parser", self)
        if extras:
            flags = [s for a in leaf._actions for s in a.option_strings]
            leaf.error(f"no conozco la opción {extras[0]!r}.{closest(extras[0].split('=')[0], flags)} "
                       f"Mira las opciones con: {leaf.prog} --help")
        return namespace

    def error(self, message: str) -> NoReturn:
        """Imprime ``error: <una línea en español>`` en stderr y sale con código 2."""
        if message.startswith("the following arguments are required"):
            message = f"falta el argumento {message.split(':', 1)[1].strip()}. Mira la ayuda con: {self.prog} --help"
        elif "invalid choice" in message:
            received = message.split("'")[1]
            names = [a for act in self._actions if act.choices for a in act.choices]
            message = f"no conozco el comando {received!r}.{closest(received, names)} Los comandos son: {', '.join(names)}."
        elif message.startswith("argument "):
            flag, problem = message[len("argument "):].split(": ", 1)
            what = "necesita un valor" if problem.startswith("expected") else "no admite ese valor"
            message = f"`{flag}` {what}. Mira la ayuda con: {self.prog} --help"
        self.exit(2, f"error: {message}\n")
