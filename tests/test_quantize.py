"""Pruebas de latamlab.quantize (cuaderno 01): el NF4/FP4 hecho a mano contra bitsandbytes."""

from __future__ import annotations

import sys

import pytest
import torch
from torch import nn

import bitsandbytes.functional as bnbF
from latamlab.errors import ConfigError
from latamlab.quant.by_hand import (
    dequantize,
    dequantize_absmax,
    double_quantize,
    fake_quantize_model,
    quantize_blockwise,
    quantize_dequantize,
    reconstruction_mse,
)
from latamlab.quant.formats import bits_per_param
from latamlab.quant.levels import (
    METHODS,
    dynamic8_levels,
    fp4_levels,
    int4_levels,
    int8_levels,
    levels_for,
    nf4_levels,
)

DTYPES = [torch.float32, torch.bfloat16]


def _weights(shape: tuple[int, ...] = (576, 1536), dtype: torch.dtype = torch.float32, seed: int = 0) -> torch.Tensor:
    """Pesos con distribución normal, de la escala de un modelo pequeño (desvío 0.02)."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=generator) * 0.02).to(dtype)


def _bnb_roundtrip(w: torch.Tensor, quant_type: str, compress_statistics: bool = False) -> torch.Tensor:
    packed, state = bnbF.quantize_4bit(w, blocksize=64, quant_type=quant_type, compress_statistics=compress_statistics)
    # En CPU, bitsandbytes devuelve (1, n) para un tensor 1-D: comparamos con la forma original.
    return bnbF.dequantize_4bit(packed, state).reshape(w.shape)


# --- Tablas de niveles --------------------------------------------------------------------


def test_nf4_levels_match_bitsandbytes_table() -> None:
    ours = nf4_levels()
    torch.testing.assert_close(ours, bnbF.get_4bit_type("nf4", device="cpu"), rtol=0, atol=1e-6)
    assert ours.dtype == torch.float32 and ours.shape == (16,)
    assert ours[0] == -1 and ours[-1] == 1 and (ours == 0).sum() == 1
    assert (ours < 0).sum() == 7 and (ours > 0).sum() == 8  # un valor positivo extra: el cero es exacto
    assert torch.all(ours[1:] > ours[:-1])


def test_nf4_levels_without_scipy_use_torch_icdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy.stats", None)  # `from scipy.stats import norm` falla
    torch.testing.assert_close(nf4_levels(), bnbF.get_4bit_type("nf4", device="cpu"), rtol=0, atol=1e-6)


def test_fp4_levels_match_bitsandbytes_table() -> None:
    bnb_sorted = bnbF.get_4bit_type("fp4", device="cpu").sort().values  # bnb las ordena por patrón de bits
    assert torch.equal(fp4_levels(), bnb_sorted)
    assert sorted(set(fp4_levels().abs().tolist())) == pytest.approx([0, 1 / 192, 1 / 6, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 1])


def test_int_levels_and_dynamic_map() -> None:
    assert int4_levels().tolist() == pytest.approx([k / 7 for k in range(-7, 8)])
    assert int8_levels().shape == (255,) and int8_levels()[0] == -1 and int8_levels()[127] == 0
    assert torch.equal(dynamic8_levels(), bnbF.create_dynamic_map())


# --- Cuantizar por bloques: igual que bitsandbytes ----------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("quant_type", ["nf4", "fp4"])
def test_blockwise_roundtrip_equals_bitsandbytes(quant_type: str, dtype: torch.dtype) -> None:
    w = _weights(dtype=dtype)
    ours = dequantize(quantize_blockwise(w, levels_for(quant_type), block_size=64))
    assert ours.dtype == dtype and ours.shape == w.shape
    assert torch.equal(ours, _bnb_roundtrip(w, quant_type))  # exacto, bit a bit


def test_nf4_codes_and_absmax_equal_bitsandbytes() -> None:
    w = _weights(dtype=torch.bfloat16)
    q = quantize_blockwise(w, nf4_levels(), block_size=64)
    packed, state = bnbF.quantize_4bit(w, blocksize=64, quant_type="nf4")
    bnb_codes = torch.stack([packed.flatten() >> 4, packed.flatten() & 0xF], dim=1).flatten()
    assert torch.equal(q.codes.flatten(), bnb_codes)  # NF4: el código es la posición en la tabla ordenada
    assert torch.equal(q.absmax, state.absmax)
    assert q.codes.dtype == torch.uint8 and q.codes.shape == (w.numel() // 64, 64)


@pytest.mark.parametrize("quant_type", ["nf4", "fp4"])
def test_exact_ties_go_to_the_lower_level_like_bitsandbytes(quant_type: str) -> None:
    # Un bloque con absmax 1 que contiene exactamente cada frontera (punto medio entre niveles).
    levels = levels_for(quant_type)
    boundaries = (levels[:-1] + levels[1:]) / 2
    w = torch.cat([torch.ones(1), boundaries, torch.zeros(64 - 1 - boundaries.numel())])
    q = quantize_blockwise(w, levels, block_size=64)
    assert torch.equal(levels[q.codes.flatten()[1 : 1 + boundaries.numel()].long()], levels[:-1])
    assert torch.equal(dequantize(q), _bnb_roundtrip(w, quant_type))


def test_division_instead_of_reciprocal_breaks_bf16_ties() -> None:
    # Por qué multiplicamos por 1/absmax: en bf16, w/absmax cae exactamente en puntos medios
    # (p. ej. -7/24, entre -1/4 y -1/3) y dividir redondea esos empates al otro lado.
    w = _weights((1024, 1024), dtype=torch.bfloat16)
    blocks = w.float().reshape(-1, 64)
    absmax = blocks.abs().amax(dim=1, keepdim=True)
    levels = fp4_levels()
    boundaries = (levels[:-1] + levels[1:]) / 2
    by_division = levels[torch.bucketize((blocks / absmax).clamp(-1, 1), boundaries)] * absmax
    reference = _bnb_roundtrip(w, "fp4").float().reshape(-1, 64)
    assert (by_division != reference).sum() > 0
    assert torch.equal(dequantize(quantize_blockwise(w, levels, 64)).float().reshape(-1, 64), reference)


def test_pad_handles_a_partial_last_block_like_bitsandbytes() -> None:
    w = _weights((100,))
    ours = dequantize(quantize_blockwise(w, nf4_levels(), block_size=64, pad=True))
    assert ours.shape == (100,)
    assert torch.equal(ours, _bnb_roundtrip(w, "nf4"))


# --- Doble cuantización --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_double_quant_close_to_bitsandbytes_compress_statistics(dtype: torch.dtype) -> None:
    w = _weights(dtype=dtype)
    q = quantize_blockwise(w, nf4_levels(), block_size=64)
    qabsmax, offset = double_quantize(q.absmax)
    _, state = bnbF.quantize_4bit(w, blocksize=64, quant_type="nf4", compress_statistics=True)
    assert torch.equal(offset, state.offset)
    assert torch.equal(qabsmax.absmax, state.state2.absmax)  # escalas de segundo nivel (bloques de 256)
    # bitsandbytes en CPU busca el código de 8 bits en una tabla de 65 536 casillas sobre [-1, 1]:
    # cerca de un punto medio puede elegir el vecino. Nosotros siempre tomamos el más cercano.
    ours_codes = qabsmax.codes.flatten()[: q.absmax.numel()]
    assert (ours_codes == state.absmax).float().mean() > 0.99
    scaled = ((q.absmax - offset).reshape(-1, 1) / qabsmax.absmax.repeat_interleave(256)[: q.absmax.numel(), None]).flatten()
    table = dynamic8_levels()
    assert torch.all((table[ours_codes.long()] - scaled).abs() <= (table[state.absmax.long()] - scaled).abs())
    ours_absmax = dequantize_absmax(qabsmax, offset)
    bnb_absmax = bnbF.dequantize_blockwise(state.absmax, state.state2) + state.offset
    torch.testing.assert_close(ours_absmax, bnb_absmax, rtol=0.01, atol=0)
    torch.testing.assert_close(ours_absmax, q.absmax, rtol=0.02, atol=0)
    ours_w = quantize_dequantize(w, "nf4", block_size=64, double_quant=True)
    bnb_w = _bnb_roundtrip(w, "nf4", compress_statistics=True)
    assert (ours_w == bnb_w).float().mean() > 0.99
    torch.testing.assert_close(ours_w.float(), bnb_w.float(), rtol=0.02, atol=1e-6)


# --- Error de reconstrucción y bits por parámetro -------------------------------------------


def test_mse_ordering_on_normal_weights() -> None:
    w = _weights()
    mse = {method: reconstruction_mse(w, method) for method in METHODS}
    assert mse["int8"] < mse["nf4"] < mse["int4"] < mse["fp4"]
    assert mse["int8"] < mse["nf4"] / 100
    with_dq = reconstruction_mse(w, "nf4", double_quant=True)
    assert mse["nf4"] <= with_dq < mse["nf4"] * 1.01  # la doble cuantización casi no agrega error


def test_bits_per_param() -> None:
    assert bits_per_param("nf4", double_quant=False) == 4.5
    assert bits_per_param("nf4") == pytest.approx(4.127, abs=5e-4)
    assert bits_per_param("fp4", double_quant=True) == 4 + 8 / 64 + 32 / (64 * 256)
    assert bits_per_param("int4", block_size=128, double_quant=False) == 4.25
    assert [bits_per_param(p) for p in ("int8", "bf16", "fp16", "fp32")] == [8, 16, 16, 32]


# --- Errores para quien aprende -------------------------------------------------------------


def test_unknown_method_error_in_spanish() -> None:
    with pytest.raises(ValueError) as info:
        reconstruction_mse(_weights((64, 64)), "nf5")  # type: ignore[arg-type]
    assert str(info.value) == "`method` debe ser uno de int8, int4, fp4, nf4; recibí 'nf5'."
    assert isinstance(info.value, ConfigError)


def test_block_size_errors() -> None:
    w = _weights((10, 10))
    with pytest.raises(ValueError, match=r"`block_size` debe dividir el número de elementos \(100\); recibí 64"):
        quantize_blockwise(w, nf4_levels(), block_size=64)
    with pytest.raises(ValueError, match="`block_size` debe ser un entero positivo; recibí 0"):
        quantize_blockwise(w, nf4_levels(), block_size=0)
    with pytest.raises(ValueError, match="`block_size` debe ser un entero positivo"):
        bits_per_param("nf4", block_size=-64)
    with pytest.raises(ValueError, match="`precision` debe ser una de .*; recibí 'nf5'"):
        bits_per_param("nf5")
    with pytest.raises(ValueError, match="a lo sumo 256 niveles; recibí 257"):
        quantize_blockwise(w, torch.linspace(-1, 1, 257), block_size=4)


# --- Modelo con pesos cuantizados y decuantizados -------------------------------------------


class _TinyLM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(32, 64)
        self.proj = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64))
        self.lm_head = nn.Linear(64, 32, bias=False)


def test_fake_quantize_model_copies_and_leaves_original_untouched(capsys: pytest.CaptureFixture[str]) -> None:
    torch.manual_seed(0)
    model = _TinyLM()
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    quantized = fake_quantize_model(model, "nf4", block_size=64, progress=False)
    assert quantized is not model
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, before[name]), name
    for index in (0, 2):
        original = model.proj[index].weight
        assert not torch.equal(quantized.proj[index].weight, original)
        assert torch.equal(quantized.proj[index].weight, quantize_dequantize(original, "nf4", 64))
        assert torch.equal(quantized.proj[index].bias, model.proj[index].bias)
    assert torch.equal(quantized.lm_head.weight, model.lm_head.weight)
    assert torch.equal(quantized.embed.weight, model.embed.weight)
    assert capsys.readouterr().err == ""  # sin barra de progreso


def test_fake_quantize_model_errors_name_the_layer() -> None:
    with pytest.raises(ValueError, match="recibí 'nf5'"):
        fake_quantize_model(_TinyLM(), "nf5", progress=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^Capa proj\.0: `block_size` debe dividir"):
        fake_quantize_model(_TinyLM(), "nf4", block_size=3, progress=False)


def test_fake_quantize_tiny_llama_bf16() -> None:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).to(torch.bfloat16).eval()
    quantized = fake_quantize_model(model, "fp4", double_quant=True, progress=False)
    changed = [name for name, p in quantized.named_parameters() if not torch.equal(p, model.get_parameter(name))]
    assert len(changed) == 2 * 7  # q, k, v, o, gate, up, down en cada capa
    assert quantized.lm_head.weight.dtype == torch.bfloat16
    ids = torch.tensor([[1, 2, 3, 4]])
    with torch.no_grad():
        assert torch.isfinite(quantized(ids).logits).all()
