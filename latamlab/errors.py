"""Errores de latamlab: una línea en español con lo recibido, lo permitido y cómo arreglarlo."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LatamlabError", "ConfigError", "SetupError", "DataError", "DataProblem", "DataNotFoundError", "os_reason"]

#: Lo que quiere decir, en español, cada error del sistema operativo que aparece al escribir o leer una carpeta.
_OS_REASONS = {
    errno.ENOENT: "no existe o no acepta archivos nuevos",
    errno.EACCES: "no te da permiso de escritura",
    errno.EPERM: "no permite esa operación",
    errno.EROFS: "está en un disco de solo lectura",
    errno.ENOSPC: "está en un disco lleno",
    errno.EDQUOT: "superó tu cuota de disco",
    errno.ENOTDIR: "pasa por un archivo que no es una carpeta",
    errno.EISDIR: "es una carpeta, no un archivo",
    errno.ENAMETOOLONG: "tiene un nombre demasiado largo",
}


def os_reason(err: OSError) -> str:
    """Qué significa `err` en español (p. ej., «no te da permiso de escritura»); si no lo conozco, lo que dijo el
    sistema, entre comillas."""
    return _OS_REASONS.get(err.errno or 0, f"dio un error del sistema («{err.strerror or err}»)")


class LatamlabError(Exception):
    """Error base de latamlab; su mensaje ya está listo para mostrarse a quien aprende."""


class ConfigError(LatamlabError, ValueError):
    """Un argumento o una variable de entorno tiene un valor no permitido."""


class SetupError(LatamlabError, RuntimeError):
    """Al entorno le falta algo o trae una versión de una biblioteca distinta de la que fija el curso."""


@dataclass(frozen=True)
class DataProblem:
    """Un problema en un archivo de datos, con su ubicación y la forma de arreglarlo.

    Args:
        path: archivo donde está el problema.
        line: número de línea (1 en adelante) o ``None`` si afecta al archivo entero.
        what: qué está mal.
        fix: cómo arreglarlo.
    """

    path: Path | str
    line: int | None
    what: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else f"{self.path}"
        return f"{where}: {self.what} — {self.fix}"


class DataError(LatamlabError, ValueError):
    """Un archivo de datos está mal formado; el mensaje nombra archivo y línea."""

    def __init__(self, problem: DataProblem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class DataNotFoundError(LatamlabError, FileNotFoundError):
    """No se encuentra la carpeta de datos del curso (ni instalada con el paquete ni en un clon)."""
