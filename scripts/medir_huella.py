"""Cuánto tarda `datasets` en calcular la huella del tokenizador de Gemma 3 270M, con y sin el arreglo del paquete.

TRL la pide en cada `map` al armar un entrenador (ver `latamlab.train.trainer._light_tokenizer_fingerprint`).
Uso: ``python scripts/medir_huella.py`` (con el modelo del modo cpu preparado).
"""

from __future__ import annotations

import time

from datasets.fingerprint import Hasher

from latamlab.models.load import load_tokenizer
from latamlab.train.trainer import _light_tokenizer_fingerprint


def seconds(tokenizer) -> float:
    start = time.perf_counter()
    Hasher.hash(tokenizer)
    return time.perf_counter() - start


def main() -> None:
    tokenizer = load_tokenizer("gemma-3-270m")
    before = seconds(tokenizer)
    _light_tokenizer_fingerprint(tokenizer)
    after = seconds(tokenizer)
    print(f"huella del tokenizador de Gemma 3 270M: {before:.1f} s sin el arreglo · {after:.1f} s con él")


if __name__ == "__main__":
    main()
