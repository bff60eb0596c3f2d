"""Precisiones, la receta QLoRA y el tipo de cálculo según el hardware (pruebas herméticas: no dependen
de la CPU ni de si hay GPU; la capacidad de la GPU y el bf16 de la CPU se simulan)."""

from __future__ import annotations

import pytest
import torch

from latamlab.errors import ConfigError
from latamlab.quant import presets as prec
from latamlab.quant.formats import check_precision
from latamlab.quant.presets import QLORA_NF4, bnb_config, compute_dtype_for, torch_dtype_for
from latamlab.runtime import device as dev
from latamlab.runtime.report import environment_report


def test_unknown_precision_message():
    with pytest.raises(ConfigError) as err:
        check_precision("nf5")
    assert str(err.value) == ("`precision` debe ser una de nf4, fp4, int8, bf16, fp16, fp32; recibí 'nf5'. "
                              "¿Quisiste decir `nf4`?")


@pytest.fixture
def cpu_bf16(monkeypatch):
    """Fija si la CPU «tiene» bf16 nativo: ``cpu_bf16(True)`` o ``cpu_bf16(False)``."""
    return lambda native: monkeypatch.setattr(dev, "_cpu_has_native_bf16", lambda: native)


@pytest.fixture
def gpu(monkeypatch):
    """Simula una GPU CUDA con la capacidad de cómputo dada, p. ej. ``gpu((7, 5))`` para una T4."""

    def fake(capability):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)

    return fake


def test_qlora_preset_states_the_recipe(cpu_bf16):
    cpu_bf16(False)
    cfg = bnb_config("nf4", "cpu")
    assert QLORA_NF4.quant_type == "nf4" and QLORA_NF4.double_quant is True
    assert cfg.load_in_4bit and cfg.bnb_4bit_quant_type == "nf4" and cfg.bnb_4bit_use_double_quant
    assert cfg.bnb_4bit_compute_dtype == torch.float32
    assert bnb_config("fp4", "cpu").bnb_4bit_quant_type == "fp4"
    assert bnb_config("int8", "cpu").load_in_8bit
    assert bnb_config("bf16", "cpu") is None


@pytest.mark.parametrize("capability, want", [((7, 5), torch.float16), ((8, 0), torch.bfloat16),
                                               ((9, 0), torch.bfloat16)], ids=["T4", "A100", "H100"])
def test_gpu_compute_dtype(gpu, capability, want):
    gpu(capability)
    assert dev.native_bf16("cuda") is (want == torch.bfloat16)
    assert compute_dtype_for("cuda") == want
    assert bnb_config("nf4", "cuda").bnb_4bit_compute_dtype == want
    assert torch_dtype_for("nf4", "cuda") == want


@pytest.mark.parametrize("native", [True, False], ids=["AVX512-BF16", "solo-AVX2"])
def test_cpu_compute_dtype(cpu_bf16, gpu, native):
    """fp32 en toda CPU: con AVX512-BF16, entrenar en bf16 fue 4–9 veces más lento (y sin él, 13 veces)."""
    want = torch.float32
    gpu((7, 5))  # una GPU presente no cambia lo que se calcula en la CPU
    cpu_bf16(native)
    assert dev.native_bf16("cpu") is native
    assert compute_dtype_for("cpu") == want
    assert bnb_config("nf4", "cpu").bnb_4bit_compute_dtype == want
    assert torch_dtype_for("bf16", "cpu") == torch.bfloat16  # bf16 pedido se respeta en CPU


def test_bf16_on_t4_warns_and_uses_fp16(gpu):
    gpu((7, 5))
    with pytest.warns(UserWarning, match="fp16"):
        assert torch_dtype_for("bf16", "cuda") == torch.float16
    assert prec.torch_dtype_for("fp32", "cuda") == torch.float32


@pytest.mark.parametrize("native, says", [(True, "bf16 nativo, pero"), (False, "se calcula en fp32")])
def test_environment_report_says_which_dtype_and_why(cpu_bf16, native, says):
    cpu_bf16(native)
    report = environment_report(mode="cpu")
    assert report.device == "cpu" and report.native_bf16 is native
    assert says in report.bf16_reason and "AVX512-BF16" in report.bf16_reason
    assert report.bf16_reason.endswith("se calcula en fp32")  # en toda CPU


@pytest.mark.parametrize("capability, says", [((7, 5), "7.5 < 8.0, como una T4): se calcula en fp16"),
                                              ((8, 6), "8.6 ≥ 8.0): se calcula en bf16")])
def test_bf16_reason_on_gpu(gpu, capability, says):
    gpu(capability)
    assert says in dev.bf16_reason("cuda")
