"""Arranque de cada proceso de Python de `make test-gpu`: activa la T4 emulada si ``LATAMLAB_EMULAR_T4=1``.

Python importa ``sitecustomize`` al arrancar si está en ``sys.path``; `scripts/probar_gpu.py` pone esta carpeta en
``PYTHONPATH``. Si el sistema tenía su propio ``sitecustomize``, se ejecuta también (este lo taparía).
"""

import importlib.machinery
import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import t4_emulada  # noqa: E402

t4_emulada.activate()

for _entry in sys.path:
    if os.path.abspath(_entry or ".") == _HERE:
        continue
    _spec = importlib.machinery.PathFinder.find_spec("sitecustomize", [_entry or "."])
    if _spec is not None and _spec.loader is not None:
        _spec.loader.exec_module(importlib.util.module_from_spec(_spec))
        break
