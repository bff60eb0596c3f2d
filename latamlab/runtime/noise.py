"""El ruido de las bibliotecas que no le dice nada a quien aprende, filtrado una vez, al importar `latamlab`.

Algunas bibliotecas escriben en stderr, al importarse, avisos en inglés que parecen fallas («Failed to load…») y no
lo son. Como salen al importar, bajar después el nivel del registro (`quiet_libraries`) llega tarde: aquí se
filtra cada mensaje por su registro y su texto, antes de cualquier importación, para la CLI, los cuadernos y las
pruebas por igual. Cada filtro lleva escrita su razón; todo lo demás de esas bibliotecas sigue saliendo.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

__all__ = ["Noise", "NOISE", "silence_library_noise"]


@dataclass(frozen=True)
class Noise:
    """Un mensaje de una biblioteca que se descarta.

    Args:
        logger: nombre del registro (`logging`) que lo emite.
        text: fragmento que identifica el mensaje ya formateado.
        reason: por qué es inofensivo para el curso.
    """

    logger: str
    text: str
    reason: str


NOISE: tuple[Noise, ...] = (
    Noise("torchao", "Failed to load ",
          "transformers importa torchao (`transformers.quantizers`) y torchao intenta cargar sus extensiones de CUDA "
          "compiladas (`_C_mxfp8`, `_C_cutlass_90a`) para otra versión de Python o de torch; el curso no usa esas "
          "extensiones y torchao sigue funcionando sin ellas."),
    Noise("torch.utils._pytree", "is an Enum subclass",
          "al importarse, torchao registra sus enumeraciones (`KernelPreference`…) con una llamada que torch marca "
          "obsoleta; lo tiene que cambiar torchao, no quien usa el curso."),
    Noise("bitsandbytes.backends.cpu.ops", "Failed to load CPU gemm_4bit_forward",
          "en una CPU con AVX512-BF16, bitsandbytes busca una rutina de cómputo opcional en el paquete `kernels` (que pide "
          "internet) y, si no está, usa su ruta propia: la misma que el curso mide en las demás CPU."),
)


class _DropNoise(logging.Filter):
    """Descarta los registros cuyo mensaje contiene `text`."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


def silence_library_noise() -> None:
    """Instala los filtros de `NOISE` en sus registros (una sola vez, aunque se llame de nuevo)."""
    for noise in NOISE:
        logger = logging.getLogger(noise.logger)
        if not any(isinstance(f, _DropNoise) and f.text == noise.text for f in logger.filters):
            logger.addFilter(_DropNoise(noise.text))
