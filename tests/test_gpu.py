"""Pruebas que necesitan una GPU CUDA (marca `gpu`): aquí se saltan con su motivo; corren donde hay GPU.

- `load_model` en nf4 en CUDA, con el cálculo en fp16 de una T4 (forzado aunque la GPU tenga bf16) y con
  el tipo que elige el curso para esa GPU; el resultado se compara con el modelo fp32 en la CPU.
- La cuantización NF4/FP4 a mano del cuaderno 01 es idéntica, bit a bit, a la de bitsandbytes en CUDA.
"""

from __future__ import annotations

import bitsandbytes as bnb
import bitsandbytes.functional as bnbF
import pytest
import torch

from latamlab.memory.weights import count_params, weights_bytes
from latamlab.models.load import load_model
from latamlab.quant import presets
from latamlab.quant.by_hand import dequantize, quantize_blockwise
from latamlab.quant.levels import levels_for
from latamlab.runtime.device import device_for_mode

pytestmark = pytest.mark.gpu

QUESTION = [{"role": "user", "content": "¿Qué es el ahorro?"}]


def _logprobs(model, ids):
    with torch.no_grad():
        return model(**{k: v.to(model.device) for k, v in ids.items()}).logits[0].float().log_softmax(-1).cpu()


def test_gpu_mode_device_is_cuda():
    assert device_for_mode("gpu").type == "cuda"
    assert device_for_mode("cpu").type == "cpu"


@pytest.mark.parametrize("t4_like", [True, False], ids=["fp16-como-T4", "tipo-del-curso"])
def test_load_model_nf4_on_cuda(tiny_dir, monkeypatch, t4_like):
    if t4_like:  # una T4 no tiene bf16 nativo: el curso calcula en fp16
        monkeypatch.setattr(presets, "native_bf16", lambda device: False)
    want = presets.compute_dtype_for("cuda")
    assert want == torch.float16 or not t4_like
    model, tokenizer = load_model(str(tiny_dir), precision="nf4", device="cuda")
    layers = [m for m in model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(layers) == 7 * model.config.num_hidden_layers
    assert {m.weight.device.type for m in layers} == {"cuda"}
    assert {m.compute_dtype for m in layers} == {want}
    assert {m.weight.quant_state.quant_type for m in layers} == {"nf4"}
    assert model.get_input_embeddings().weight.dtype == want  # lo no cuantizado, en 16 bits

    counts = count_params(model)
    estimate = weights_bytes(counts.total, "nf4", counts.unquantized, 16)
    assert estimate == pytest.approx(model.get_memory_footprint(), rel=0.03)

    full, _ = load_model(str(tiny_dir), precision="fp32", device="cpu")
    ids = tokenizer.apply_chat_template(QUESTION, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    gpu_lp, cpu_lp = _logprobs(model, ids), _logprobs(full, ids)
    assert torch.isfinite(gpu_lp).all()
    assert (cpu_lp.exp() * (cpu_lp - gpu_lp)).sum(-1).mean().item() < 0.02
    assert (gpu_lp.argmax(-1) == cpu_lp.argmax(-1)).float().mean() >= 0.9


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
@pytest.mark.parametrize("quant_type", ["nf4", "fp4"])
def test_hand_quantization_equals_cuda_bitsandbytes(quant_type, dtype):
    w = torch.randn(256, 512, generator=torch.Generator().manual_seed(0)).to(dtype)
    ours = quantize_blockwise(w, levels_for(quant_type), block_size=64)
    packed, state = bnbF.quantize_4bit(w.cuda(), blocksize=64, quant_type=quant_type, compress_statistics=False)
    theirs = bnbF.dequantize_4bit(packed, state).reshape(w.shape).cpu()
    assert torch.equal(ours.absmax, state.absmax.cpu())
    assert torch.equal(dequantize(ours), theirs)  # exacto, bit a bit
    if quant_type == "nf4":  # el código NF4 es la posición en la tabla ordenada, como en bitsandbytes
        flat = packed.flatten().cpu()
        assert torch.equal(ours.codes.flatten(), torch.stack([flat >> 4, flat & 0xF], dim=1).flatten())
