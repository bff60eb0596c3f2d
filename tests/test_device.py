"""El modo decide el dispositivo: `cpu` y `diminuto` calculan en la CPU aunque haya GPU; `gpu` exige CUDA.

Pruebas herméticas: la presencia de CUDA se simula, así que pasan igual en una máquina con GPU.
"""

from __future__ import annotations

import bitsandbytes  # noqa: F401 — importado antes de simular CUDA, que su primera importación consultaría
import pytest
import torch

from latamlab.errors import ConfigError
from latamlab.models.load import load_model
from latamlab.runtime.device import cuda_available, default_device, device_for_mode


@pytest.fixture
def has_cuda(monkeypatch):
    """``has_cuda(True)`` hace creer a PyTorch que hay una GPU; ``has_cuda(False)``, que no."""
    return lambda value: monkeypatch.setattr(torch.cuda, "is_available", lambda: value)


@pytest.mark.parametrize("mode", ["cpu", "diminuto", "CPU"])
def test_cpu_modes_use_the_cpu_even_with_cuda(has_cuda, mode):
    has_cuda(True)
    assert cuda_available()
    assert device_for_mode(mode) == torch.device("cpu")


def test_gpu_mode_uses_cuda(has_cuda):
    has_cuda(True)
    assert device_for_mode("gpu") == torch.device("cuda")


def test_gpu_mode_without_cuda_is_a_spanish_error(has_cuda):
    has_cuda(False)
    with pytest.raises(ConfigError) as err:
        device_for_mode("gpu")
    message = str(err.value)
    assert "\n" not in message and "GPU" in message and "LATAMLAB_MODO=cpu" in message and "T4" in message


def test_default_device_follows_the_environment_mode(has_cuda, monkeypatch):
    has_cuda(True)
    monkeypatch.setenv("LATAMLAB_MODO", "cpu")
    assert default_device() == torch.device("cpu")
    monkeypatch.setenv("LATAMLAB_MODO", "gpu")
    assert default_device() == torch.device("cuda")
    monkeypatch.delenv("LATAMLAB_MODO")
    assert default_device() == torch.device("cuda")  # sin modo y con CUDA: modo gpu


def test_load_model_in_cpu_mode_stays_on_cpu_with_cuda_present(has_cuda, tiny_dir):
    has_cuda(True)
    model, _ = load_model(mode="diminuto", precision="fp32")
    assert {p.device for p in model.parameters()} == {torch.device("cpu")}
    assert next(model.parameters()).dtype == torch.float32
