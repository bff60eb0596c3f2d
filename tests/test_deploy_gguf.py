"""GGUF con llama.cpp (cuaderno 06): el convertidor de llama.cpp, su cuantizador y el modelo cargado.

Las pruebas que usan llama.cpp corren solo donde su compilación está en la caché (o instalada): compilarlo tarda
de 4 minutos (2 núcleos libres) a más de 20 (ocupados), más de lo que la suite se permite (ver
``scripts/medir_despliegue.py --compilar``).
"""

from __future__ import annotations

import importlib.util

import pytest
import torch


def _converter_or_skip():
    from latamlab.deploy.gguf import converter_path
    from latamlab.errors import SetupError

    try:
        path = converter_path()
    except SetupError as error:
        pytest.skip(f"sin el convertidor de llama.cpp: {error}")
    if importlib.util.find_spec("sentencepiece") is None:
        pytest.skip("el convertidor de llama.cpp necesita `sentencepiece`, que no está instalado")
    return path


def _llama_cpp_or_skip():
    from latamlab.deploy.gguf import llama_cpp_missing

    reason = llama_cpp_missing()
    if reason:
        pytest.skip(f"llama.cpp no está disponible aquí: {reason}")


def _file_type(path) -> int:
    from gguf import GGUFReader

    field = GGUFReader(str(path)).fields["general.file_type"]
    return int(field.parts[field.data[0]][0])


def test_tensor_types_reads_the_header_like_gguf_reader(tmp_path):
    """La lectura rápida de la cabecera cuenta lo mismo que ``gguf.GGUFReader`` (con SmolLM2: el de Gemma tarda
    ≈ 30 s en ``GGUFReader``; el 06 imprime sus cuentas)."""
    from collections import Counter

    from gguf import GGUFReader

    from latamlab.deploy.gguf import tensor_types
    from latamlab.errors import ConfigError
    from latamlab.models.catalog import get_card
    from latamlab.models.offline import gguf_path

    try:
        path = gguf_path(get_card("smollm2-135m-instruct"))
    except ConfigError as err:
        pytest.skip(f"SmolLM2 no está instalado aquí: {err}")
    expected = Counter(t.tensor_type.name for t in GGUFReader(str(path)).tensors)
    assert tensor_types(path) == dict(expected.most_common())
    assert len(expected) > 1
    (tmp_path / "no.gguf").write_bytes(b"PK\x03\x04")
    with pytest.raises(ConfigError, match="no es un archivo GGUF"):
        tensor_types(tmp_path / "no.gguf")


def test_convert_rejects_q4_k_m_and_suggests_quantize(tmp_path):
    from latamlab.deploy.gguf import convert_to_gguf
    from latamlab.errors import ConfigError

    with pytest.raises(ConfigError, match="quantize_gguf"):
        convert_to_gguf(tmp_path, tmp_path / "x.gguf", "q4_k_m")


@pytest.mark.slow
def test_converter_writes_q8_0(smol_dir, tmp_path):
    from latamlab.deploy.gguf import convert_to_gguf

    _converter_or_skip()
    out = convert_to_gguf(smol_dir, tmp_path / "smol-q8_0.gguf", "Q8_0")
    assert out.read_bytes()[:4] == b"GGUF"
    assert _file_type(out) == 7  # LLAMA_FTYPE_MOSTLY_Q8_0
    import math

    from safetensors import safe_open

    with safe_open(str(smol_dir / "model.safetensors"), "pt") as f:
        params = sum(math.prod(f.get_slice(k).get_shape()) for k in f.keys())
    assert out.stat().st_size == pytest.approx(params * 8.5 / 8, rel=0.1)  # Q8_0: 8,5 bits por peso


@pytest.fixture(scope="module")
def smol_f16(smol_dir, tmp_path_factory):
    from latamlab.deploy.gguf import convert_to_gguf

    _llama_cpp_or_skip()
    _converter_or_skip()
    return convert_to_gguf(smol_dir, tmp_path_factory.mktemp("gguf") / "smol-F16.gguf", "F16")


TEXT = "En Colombia, el ahorro programado es una cuenta en la que depositas una cuota fija cada mes."


@pytest.mark.slow
def test_llama_cpp_f16_matches_transformers_fp32(smol_dir, smol_f16):
    from latamlab.deploy.gguf_model import LlamaCppLM
    from latamlab.evaluation.perplexity import perplexity_report
    from latamlab.models.load import load_model

    model, tok = load_model(str(smol_dir), precision="fp32")
    gguf = LlamaCppLM(smol_f16)
    ids = torch.tensor([tok(TEXT)["input_ids"]])
    with torch.no_grad():
        ref, got = model(input_ids=ids).logits, gguf(input_ids=ids).logits
    assert (ref.argmax(-1) == got.argmax(-1)).float().mean() > 0.9
    assert perplexity_report(gguf, tok, [TEXT]).perplexity == pytest.approx(
        perplexity_report(model, tok, [TEXT]).perplexity, rel=0.02)
    greedy = model.generate(input_ids=ids, max_new_tokens=4, do_sample=False, pad_token_id=tok.pad_token_id)
    assert gguf.generate(ids, max_new_tokens=4)[0, :ids.shape[1] + 1].tolist() == greedy[0, :ids.shape[1] + 1].tolist()


@pytest.mark.slow
def test_quantize_to_q4_k_m(smol_dir, smol_f16, tmp_path):
    from latamlab.deploy.gguf import quantize_gguf
    from latamlab.deploy.gguf_model import LlamaCppLM
    from latamlab.errors import ConfigError
    from latamlab.evaluation.perplexity import perplexity_report
    from latamlab.models.load import load_tokenizer

    with pytest.raises(ConfigError, match="Q4_K_M"):
        quantize_gguf(smol_f16, tmp_path / "x.gguf", "Q4_KM")
    out = quantize_gguf(smol_f16, tmp_path / "smol-Q4_K_M.gguf", "Q4_K_M")
    assert _file_type(out) == 15  # LLAMA_FTYPE_MOSTLY_Q4_K_M
    assert out.stat().st_size < 0.5 * smol_f16.stat().st_size
    tok = load_tokenizer(str(smol_dir))
    f16 = perplexity_report(LlamaCppLM(smol_f16), tok, [TEXT]).perplexity
    q4 = perplexity_report(LlamaCppLM(out), tok, [TEXT]).perplexity
    assert q4 != pytest.approx(f16, rel=1e-3) and q4 < 3 * f16
