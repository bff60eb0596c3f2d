"""Dónde viajan los resultados entre cuadernos: una sola carpeta, en Drive cuando corres en Colab.

En Colab cada cuaderno es un entorno de ejecución nuevo con ``/content`` vacío: lo que el cuaderno 04 deja en
``salidas/`` no existe cuando abres el 05. Por eso las rutas relativas de resultados (``salidas/qlora-t4``) se
toman desde una raíz:

- en Colab, ``MyDrive/latamlab`` de tu Google Drive (se monta la primera vez que hace falta);
- en tu computador, la carpeta donde corre el cuaderno (``notebooks/``), como siempre;
- si defines ``LATAMLAB_RESULTADOS``, esa carpeta en ambos casos.

Se enseña en el cuaderno 04 (puntos de control que sobreviven a una desconexión) y lo usan el 05, 06 y 08.
"""

from __future__ import annotations

import os
from pathlib import Path

from latamlab.errors import SetupError

__all__ = ["ENV_RESULTS", "ENV_DRIVE", "in_colab", "results_root", "results_path"]

ENV_RESULTS = "LATAMLAB_RESULTADOS"
#: Punto de montaje de Drive; solo la simulación de Colab de la integración continua lo cambia.
ENV_DRIVE = "LATAMLAB_DRIVE"
DRIVE_FOLDER = "latamlab"


def in_colab() -> bool:
    """``True`` dentro de Colab (el módulo ``google.colab`` solo existe allí)."""
    try:
        import google.colab  # noqa: F401
    except ImportError:
        return False
    return True


def _mount_drive() -> Path:
    """Monta Google Drive (si no lo está) y devuelve la carpeta del curso en él."""
    mountpoint = Path(os.environ.get(ENV_DRIVE, "/content/drive"))
    mydrive = mountpoint / "MyDrive"
    if not mydrive.is_dir():
        from google.colab import drive

        try:
            drive.mount(str(mountpoint))
        except Exception as error:  # noqa: BLE001  (Colab lanza tipos distintos si niegas el permiso)
            raise SetupError(
                f"No pude montar Google Drive en {mountpoint} ({type(error).__name__}: {error}). Vuelve a correr la "
                f"celda y acepta el permiso; sin Drive, define {ENV_RESULTS}=/content/salidas (se pierde al "
                "desconectarte)."
            ) from error
    if not mydrive.is_dir():
        raise SetupError(f"Drive no quedó montado: no existe {mydrive}. Vuelve a correr la celda y acepta el permiso.")
    return mydrive / DRIVE_FOLDER


def results_root() -> Path:
    """La raíz de los resultados que pasan de un cuaderno a otro (ver el módulo).

    Raises:
        SetupError: en Colab, si Drive no se pudo montar.
    """
    chosen = os.environ.get(ENV_RESULTS)
    if chosen:
        return Path(chosen).expanduser()
    if in_colab():
        return _mount_drive()
    return Path(".")


def results_path(path: str | Path) -> Path:
    """Una ruta de resultados: las absolutas tal cual, las relativas desde `results_root()`.

    Args:
        path: p. ej., el ``output_dir`` de un preset (``salidas/qlora-t4``).

    Returns:
        La ruta donde se guarda y se busca ese resultado (en Colab, dentro de Drive).
    """
    path = Path(path).expanduser()
    return path if path.is_absolute() else results_root() / path
