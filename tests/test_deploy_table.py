"""La tabla de despliegue (cuaderno 06): cada fila medida con el mismo código, o con el motivo de su ausencia."""

from __future__ import annotations

import importlib.util

import pytest


def test_stratified_variants_take_turns_by_country():
    from latamlab.deploy.table import stratified_variants

    items = [{"id": f"{c}{i}", "pais": c} for c in "ABC" for i in range(3)]
    picked = stratified_variants(5, items)
    assert sorted(it["pais"] for it in picked) in (list("AABBC"), list("AABCC"), list("ABBCC"))
    assert picked == sorted(picked, key=items.index)  # en el orden del archivo
    from latamlab.data.loaders import load_variants

    countries = set(load_variants()["pais"])
    real = stratified_variants(len(countries) + 1)
    assert {it["pais"] for it in real} == countries  # una pregunta por país antes de repetir
    assert len({it["id"] for it in real}) == len(countries) + 1


def test_unknown_format_suggests_the_closest():
    from latamlab.deploy.table import deployment_table
    from latamlab.errors import ConfigError

    with pytest.raises(ConfigError, match="gguf-q4_k_m"):
        deployment_table(formats=("gguf-q4km",))


def test_measure_fp32_row_and_spanish_table(tiny_dir, tmp_path):
    from latamlab.data.loaders import load_corpus
    from latamlab.deploy.table import DeployRow, format_deployment_table, measure_format, stratified_variants
    from latamlab.evaluation.finance import load_finance_split

    texts = list(load_corpus()["test"]["texto"])[:3]
    row = measure_format("fp32", tiny_dir, texts=texts, finance_items=load_finance_split()[:1],
                         variant_items=stratified_variants(2), work_dir=tmp_path, prompt_tokens=32, new_tokens=4,
                         max_new_tokens=4)
    assert row.missing is None and row.n == {"texts": 3, "finance": 1, "variants": 2}
    params = sum(p.numel() for p in __import__("transformers").AutoModelForCausalLM.from_pretrained(
        str(tiny_dir)).parameters())
    assert row.size_mb == pytest.approx(params * 4 / 2**20, rel=0.05)  # fp32: 4 bytes por parámetro (atados una vez)
    assert row.perplexity > 1 and row.prompt_tps > 0 and row.generate_tps > 0 and 0 <= row.variants_acc <= 1
    text = format_deployment_table([row, DeployRow("gguf-q4_k_m", missing="llama.cpp no está compilado")])
    assert "GGUF Q4_K_M: sin medir: llama.cpp no está compilado" in text
    assert f"{row.perplexity:.1f}".replace(".", ",") in text


def test_gguf_row_says_why_it_is_missing(tiny_dir, tmp_path, monkeypatch):
    if importlib.util.find_spec("llama_cpp") is not None:
        pytest.skip("llama-cpp-python está instalado aquí: la fila GGUF sí se mide")
    from latamlab.deploy.table import measure_format

    monkeypatch.setenv("LATAMLAB_LLAMA_CPP", str(tmp_path / "sin-llama-cpp"))
    row = measure_format("gguf-q8_0", tiny_dir, texts=["hola"], finance_items=[], variant_items=[],
                         work_dir=tmp_path)
    assert row.perplexity is None and "llama-cpp-python" in row.missing and "sin-llama-cpp" in row.missing


def test_torchao_int8_weight_only_stays_close_to_fp32(tiny_dir):
    pytest.importorskip("torchao", reason="torchao no está instalado (pip install --no-deps torchao==0.18.0)")
    import torch

    from latamlab.deploy.table import _torchao_int8
    from latamlab.models.load import load_model

    model, tok = load_model(str(tiny_dir), precision="fp32")
    ids = torch.tensor([tok("El ahorro de emergencia cubre seis meses.")["input_ids"]])
    with torch.no_grad():
        ref = model(input_ids=ids).logits
        quant = _torchao_int8(model)(input_ids=ids).logits
    weight = model.model.layers[0].mlp.up_proj.weight
    assert type(weight).__name__ != "Parameter" and "Int8" in type(weight).__name__
    assert 0 < (quant - ref).abs().max() < 0.05 * ref.abs().max()


@pytest.mark.slow
def test_isolated_row_reports_memory_from_its_own_process(tiny_dir, tmp_path):
    from latamlab.deploy.table import deployment_table

    isolated, = deployment_table(tiny_dir, ("fp32",), n_texts=2, n_finance=0, n_variants=0, work_dir=tmp_path)
    shared, = deployment_table(tiny_dir, ("fp32",), n_texts=2, n_finance=0, n_variants=0, work_dir=tmp_path,
                               isolate=False)
    assert isolated.missing is None and isolated.memory_mb > 0 and shared.memory_mb is None
    assert isolated.perplexity == pytest.approx(shared.perplexity, rel=1e-6)  # la misma medida, en otro proceso


def test_missing_llama_cpp_rows_skip_the_measuring_process(tiny_dir, tmp_path, monkeypatch):
    if importlib.util.find_spec("llama_cpp") is not None:
        pytest.skip("llama-cpp-python está instalado aquí: la fila GGUF sí se mide")
    import latamlab.deploy.table as table

    monkeypatch.setenv("LATAMLAB_LLAMA_CPP", str(tmp_path / "sin-llama-cpp"))
    monkeypatch.setattr(table, "_measure_isolated", lambda *a, **k: pytest.fail("abrió un proceso para medirla"))
    row, = table.deployment_table(tiny_dir, ("gguf-q4_k_m",), n_texts=1, n_finance=0, n_variants=0, work_dir=tmp_path)
    assert row.perplexity is None and "sin-llama-cpp" in row.missing


def test_decision_table_quotes_measured_rows_and_says_what_is_missing():
    from latamlab.deploy.decision import DECISIONS, format_decisions
    from latamlab.deploy.table import FORMATS, DeployRow

    assert all(fmt in FORMATS for *_, formats in DECISIONS for fmt in formats)
    rows = [DeployRow("gguf-q4_k_m", size_mb=100.4, generate_tps=52.3, perplexity=119.2),
            DeployRow("gguf-q8_0", missing="llama.cpp no está compilado")]
    text = format_decisions(rows)
    assert "GGUF Q4_K_M: 100 MiB, 52,3 tokens/s, perplejidad 119,2" in text
    assert "GGUF Q8_0: sin medir aquí" in text and "no está en la tabla" in text  # nf4 no está en `rows`
    assert all(hardware in text for hardware, *_ in DECISIONS)
