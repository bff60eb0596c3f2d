"""La estimación de memoria contra lo que mide CUDA (`torch.cuda.max_memory_allocated`): solo con GPU."""

from __future__ import annotations

import pytest

from latamlab.memory.configs import model_config
from latamlab.memory.validate import compare_step


@pytest.mark.gpu
@pytest.mark.parametrize("method", ["full", "lora", "qlora"])
@pytest.mark.parametrize("checkpointing", [False, True])
def test_cuda_peak_lies_between_the_ledger_and_the_estimate_with_peaks(method, checkpointing, tmp_path):
    """En CUDA, lo retenido sigue dentro del 10 % del libro, y el pico medido queda entre lo retenido
    (medido) y lo retenido más el pico transitorio estimado (con un 10 % de holgura por el asignador)."""
    config = model_config("smollm2-135m-instruct")
    comparison = compare_step("smollm2", config, method, checkpointing, batch_size=2, max_length=256,
                              dtype="fp32", workdir=tmp_path, device="cuda")
    estimate, peak = comparison.estimate, comparison.peak_allocated
    assert abs(comparison.error_percent) < 10, comparison.to_dict()
    assert comparison.measured.total <= peak <= 1.1 * (estimate.counted + estimate.temporary), comparison.to_dict()
