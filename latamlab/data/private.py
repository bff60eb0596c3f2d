"""División privada de un conjunto de evaluación: qué ítems nuevos se guardan fuera del repositorio.

Un ítem publicado termina, tarde o temprano, en los datos de entrenamiento de algún modelo; entonces
deja de medir. Quien mantiene ``data/variantes`` reserva una fracción de los ítems **nuevos** en un
archivo que no se publica (``variantes_privado.jsonl``, fuera del repositorio) y solo publica el resto.
La regla de selección depende de un hash del ``id`` y de una sal secreta: es reproducible para quien
tiene la sal, no depende del orden ni de los demás ítems (agregar ítems no mueve a los viejos) y nadie
puede elegir a mano qué ítem queda reservado. La ficha de variantes la describe; la usa el equipo de
mantenimiento, no un cuaderno.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from latamlab.errors import ConfigError

__all__ = ["PRIVATE_FRACTION", "is_private", "split_private"]

#: Fracción de ítems nuevos que se reserva por defecto.
PRIVATE_FRACTION = 0.2


def is_private(item_id: str, salt: str, fraction: float = PRIVATE_FRACTION) -> bool:
    """Dice si un ítem va a la división privada.

    La regla: ``int(sha256(f"{salt}:{item_id}")[:16], 16) / 16**16 < fraction``; es decir, los 64 primeros
    bits del hash como número en [0, 1).

    Args:
        item_id: el ``id`` del ítem, por ejemplo ``"var-mx-035"``.
        salt: texto secreto que guarda quien mantiene los datos (nunca en el repositorio).
        fraction: fracción esperada de ítems privados, entre 0 y 1.

    Returns:
        ``True`` si el ítem se guarda en el archivo privado.

    Raises:
        ConfigError: si ``fraction`` no está entre 0 y 1 o ``salt`` está vacía.
    """
    if not 0 <= fraction <= 1:
        raise ConfigError(f"`fraction` debe estar entre 0 y 1; recibí {fraction!r}. Ejemplo: fraction=0.2.")
    if not salt:
        raise ConfigError("`salt` está vacía; usa un texto secreto que no publiques, por ejemplo uno generado "
                          "con `python -c \"import secrets; print(secrets.token_hex(16))\"`.")
    digest = hashlib.sha256(f"{salt}:{item_id}".encode("utf-8")).hexdigest()
    return int(digest[:16], 16) / 16**16 < fraction


def split_private(items: Iterable[dict[str, Any]], salt: str,
                  fraction: float = PRIVATE_FRACTION) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Separa ítems en públicos y privados con :func:`is_private`, conservando el orden.

    Args:
        items: ítems con ``id``.
        salt: la sal secreta.
        fraction: fracción esperada de ítems privados.

    Returns:
        ``(publicos, privados)``.
    """
    public: list[dict[str, Any]] = []
    private: list[dict[str, Any]] = []
    for item in items:
        (private if is_private(item["id"], salt, fraction) else public).append(item)
    return public, private
