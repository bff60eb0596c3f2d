"""Números para quien lee en español: coma decimal y miles separados por un espacio.

«33,5 GB», «4,127 bits», «65 000 millones»: nunca un punto de miles, que media región lee como decimal.
Toda salida para quien aprende pasa por aquí; la salida para máquinas (JSON, CSV, registros) conserva
los números de Python.
"""

from __future__ import annotations

__all__ = ["fmt_number", "fmt_sci"]


def fmt_number(value: float, decimals: int = 1) -> str:
    """Formatea `value` con `decimals` decimales, coma decimal y miles separados por espacio.

    >>> fmt_number(65e9 / 1e6, 0)
    '65 000'
    >>> fmt_number(4.12695, 3)
    '4,127'
    """
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def fmt_sci(value: float, digits: int = 1) -> str:
    """Notación científica con coma decimal: ``fmt_sci(0.000327)`` → ``'3,3e-04'``."""
    return f"{value:.{digits}e}".replace(".", ",")
