"""La respuesta común de todas las autocomprobaciones."""

from __future__ import annotations

__all__ = ["report"]


def report(ok: bool, hint: str) -> bool:
    """Imprime ``✅ ¡Correcto!`` o ``❌ Todavía no. Pista: …`` y devuelve `ok`."""
    print("✅ ¡Correcto!" if ok else f"❌ Todavía no. Pista: {hint}")
    return ok
