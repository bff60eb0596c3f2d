"""Configuración común de las pruebas: sin hub, modelos locales preparados una vez por sesión."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest  # noqa: E402

from latamlab.runtime.notebook import quiet_libraries  # noqa: E402

quiet_libraries()


@pytest.fixture(scope="session")
def smol_dir():
    """Carpeta del modelo del modo cpu (SmolLM2-135M-Instruct convertido desde GGUF)."""
    from latamlab.models.offline import local_model_path

    return local_model_path("smollm2-135m-instruct")


@pytest.fixture(scope="session")
def tiny_dir():
    """Carpeta del modelo diminuto de arquitectura Llama."""
    from latamlab.models.offline import local_model_path

    return local_model_path("diminuto-llama")


def pytest_collection_modifyitems(config, items):
    """Las pruebas marcadas `gpu` se saltan, con el motivo, donde PyTorch no ve una GPU CUDA."""
    from latamlab.runtime.device import cuda_available

    if cuda_available():
        return
    skip = pytest.mark.skip(reason="necesita una GPU CUDA (marca `gpu`); aquí PyTorch no ve ninguna")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
