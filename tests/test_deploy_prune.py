"""Poda por magnitud (cuaderno 06): la no estructurada es la de torch y la 2:4 deja 2 de cada 4 pesos."""

from __future__ import annotations

import pytest
import torch


def _tiny(tiny_dir):
    from latamlab.models.load import load_model

    model, tok = load_model(str(tiny_dir), precision="fp32")
    return model.eval(), tok


def test_magnitude_pruning_zeroes_the_smallest_weights(tiny_dir):
    from latamlab.deploy.prune import prunable_linears, prune_magnitude, sparsity

    model, _ = _tiny(tiny_dir)
    before = {name: layer.weight.detach().clone() for name, layer in prunable_linears(model)}
    assert "lm_head" not in before and before
    prune_magnitude(model, 0.3)
    assert sparsity(model) == pytest.approx(0.3, abs=0.01)
    for name, layer in prunable_linears(model):
        kept = layer.weight != 0
        assert before[name][kept].abs().min() >= before[name][~kept].abs().max()
        assert not hasattr(layer, "weight_mask")  # `prune.remove`: sin máscara, ceros en el peso


def test_2_4_pruning_keeps_the_two_largest_of_each_four(tiny_dir):
    from latamlab.deploy.prune import prunable_linears, prune_2_4, sparsity

    model, _ = _tiny(tiny_dir)
    before = {name: layer.weight.detach().clone() for name, layer in prunable_linears(model)}
    prune_2_4(model)
    assert sparsity(model) == pytest.approx(0.5, abs=1e-6)
    for name, layer in prunable_linears(model):
        groups, original = layer.weight.view(-1, 4), before[name].view(-1, 4)
        assert torch.all((groups != 0).sum(dim=1) == 2)
        top2 = original.abs().topk(2, dim=1).indices.sort(dim=1).values
        kept = (groups != 0).nonzero()[:, 1].view(-1, 2)
        assert torch.equal(kept, top2)


def test_pruning_curve_measures_each_point(tiny_dir):
    from latamlab.deploy.prune import pruning_curve

    texts = ["El ahorro de emergencia cubre seis meses de gastos.", "En Lima se dice «chamba» al trabajo."]
    rows = pruning_curve(tiny_dir, texts, amounts=(0.0, 0.5))
    assert [(r["kind"], r["amount"]) for r in rows] == [("no estructurada", 0.0), ("no estructurada", 0.5),
                                                          ("2:4", 0.5)]
    assert rows[0]["sparsity"] < 0.01 and rows[1]["sparsity"] == pytest.approx(0.5, abs=0.01)
    assert rows[1]["perplexity"] != pytest.approx(rows[0]["perplexity"], rel=1e-3)
    assert all(r["forward_s"] > 0 for r in rows)


def test_charts_draw_measured_rows_and_the_curve():
    import matplotlib

    matplotlib.use("Agg")
    from latamlab.deploy.charts import deployment_chart, pruning_chart
    from latamlab.deploy.table import DeployRow

    rows = [DeployRow("fp32", size_mb=513.2, generate_tps=10.2, perplexity=107.0),
            DeployRow("gguf-q4_k_m", missing="llama.cpp no está compilado")]
    fig = deployment_chart(rows)
    assert [len(ax.patches) for ax in fig.axes] == [1, 1, 1]  # la fila sin medir no se dibuja
    ax = pruning_chart([{"kind": "no estructurada", "sparsity": s, "perplexity": p}
                        for s, p in ((0, 84.5), (0.3, 268.8))] + [{"kind": "2:4", "sparsity": 0.5, "perplexity": 1e4}])
    assert [line.get_label() for line in ax.get_lines()] == ["no estructurada", "2:4"]
    assert ax.get_yscale() == "log"


def test_prune_only_one_block(tiny_dir):
    from latamlab.deploy.prune import prunable_linears, prune_magnitude
    from latamlab.errors import ConfigError

    model, _ = _tiny(tiny_dir)
    prune_magnitude(model, 0.5, only="mlp")
    for name, layer in prunable_linears(model):
        zeros = float((layer.weight == 0).float().mean())
        assert zeros == pytest.approx(0.5, abs=0.01) if ".mlp." in name else zeros < 0.01, name
    with pytest.raises(ConfigError, match="self_attn"):
        prune_magnitude(model, 0.5, only="atencion")
