"""Los gráficos aceptan tensores que `.numpy()` no convierte directamente (en la GPU o con gradiente)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from latamlab.plots import levels_over_histogram, to_numpy  # noqa: E402
from latamlab.quant.levels import nf4_levels  # noqa: E402


class FakeCudaTensor(torch.Tensor):
    """Se comporta como un tensor CUDA ante `.numpy()`: falla hasta que lo copias con `.cpu()`."""

    def numpy(self, *args, **kwargs):
        raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() first.")

    def cpu(self, *args, **kwargs):
        return self.as_subclass(torch.Tensor).clone()


def fake_cuda(t: torch.Tensor) -> FakeCudaTensor:
    return t.as_subclass(FakeCudaTensor)


def test_fake_cuda_tensor_really_refuses_numpy():
    x = fake_cuda(torch.randn(8))
    with pytest.raises(TypeError, match="cpu"):
        x.numpy()
    with pytest.raises(TypeError, match="cpu"):
        x.detach().float().numpy()  # lo que hacía `plots.py` antes


def test_to_numpy_moves_to_cpu_and_drops_grad():
    w = torch.randn(16, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        w.numpy()
    np.testing.assert_array_equal(to_numpy(fake_cuda(w.detach())), w.detach().numpy())
    np.testing.assert_array_equal(to_numpy(w.to(torch.bfloat16)), w.detach().to(torch.bfloat16).float().numpy())


def test_histogram_plots_non_cpu_tensors():
    weights = fake_cuda(torch.linspace(-1, 1, 4096).to(torch.bfloat16))
    levels = {"nf4": fake_cuda(nf4_levels())}
    ax = levels_over_histogram(weights, levels, title="prueba")
    assert ax.get_title() == "prueba" and ax.get_xlabel() == "valor del peso / absmax del bloque"
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_allclose(np.asarray(offsets)[:, 0], nf4_levels().numpy())
    plt.close(ax.figure)


@pytest.mark.gpu
def test_histogram_plots_real_cuda_tensors():
    weights = torch.randn(4096, device="cuda").clamp(-1, 1)
    ax = levels_over_histogram(weights, {"nf4": nf4_levels().cuda()}, title="cuda")
    assert len(ax.patches) == 200
    plt.close(ax.figure)


def test_training_curves_draw_train_eval_and_resume_mark():
    from latamlab.plots import training_curves

    rows = [{"step": 0, "eval_loss": 4.1}, {"step": 1, "loss": 4.0}, {"step": 2, "loss": 3.5},
            {"step": 2, "eval_loss": 3.6}]
    ax = training_curves(rows, "prueba", resumed_at=1)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["entrenamiento (cada paso)"].get_xdata()) == [1, 2]
    assert list(lines["validación"].get_ydata()) == [4.1, 3.6]
    assert "continuado desde el paso 1" in lines
    assert ax.get_ylabel() == "pérdida (nats por token)"


def test_interval_chart_draws_one_bar_per_group_with_its_interval_and_chance():
    from latamlab.data.schemas import PAISES
    from latamlab.errors import ConfigError
    from latamlab.evaluation.harness import breakdown
    from latamlab.plots import interval_chart

    rows = [{"pais": p, "acc": float(i % 4 == 0)} for i, p in enumerate(["AR", "MX", "CO"] * 6)]
    summaries = breakdown(rows, "pais", metrics=("acc",), n_resamples=200)
    ax = interval_chart(summaries, "acc", "Exactitud por país", chance=0.25, labels=PAISES)
    groups = [s for s in summaries if s.group is not None]
    assert [b.get_height() for b in ax.patches] == pytest.approx([s.mean for s in groups])
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0].startswith("Argentina") and "(n = 6)" in ticks[0]
    (bars,) = [c for c in ax.containers if c.__class__.__name__ == "ErrorbarContainer"]
    segments = bars.lines[2][0].get_segments()
    drawn = [y for seg in segments for y in (seg[0][1], seg[1][1])]
    assert drawn == pytest.approx([y for s in groups for y in (s.low, s.high)])
    assert any(s.high > s.low for s in groups)
    assert ax.get_ylabel() == "Exactitud" and any("al azar (0,25)" == t.get_text() for t in ax.get_legend().texts)
    plt.close(ax.figure)
    with pytest.raises(ConfigError, match="por grupo"):
        interval_chart([s for s in summaries if s.group is None], "acc", "sin grupos")


def test_stacked_bar_chart_stacks_parts_and_writes_totals():
    from latamlab.plots import stacked_bar_chart

    values = {"full": {"pesos": 2.0, "LoRA": 0.0, "optimizador": 1.5},
              "qlora": {"pesos": 0.5, "LoRA": 0.25, "optimizador": 0.0}}
    ax = stacked_bar_chart(values, ylabel="Memoria (GiB)", title="prueba")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["pesos", "LoRA", "optimizador"]
    tops = [round(patch.get_y() + patch.get_height(), 6) for patch in ax.patches]
    assert tops == [2.0, 0.5, 2.0, 0.75, 3.5, 0.75]  # por partida: cada barra, apilada sobre la anterior
    assert [t.get_text() for t in ax.texts] == ["3,5", "0,8"]  # totales con coma decimal
    assert [t.get_text() for t in ax.get_xticklabels()] == ["full", "qlora"]
    empty = stacked_bar_chart({"a": {"pesos": 1.0, "nada": 0.0}}, ylabel="GiB", title="", line=(15.0, "T4"))
    assert [t.get_text() for t in empty.get_legend().get_texts()] == ["T4", "pesos"]  # lo que es 0 en todas no va
    assert list(empty.get_lines()[0].get_ydata()) == [15.0, 15.0]
    from matplotlib.colors import to_rgba

    skipped = stacked_bar_chart({"a": {"nada": 0.0, "pesos": 1.0}}, ylabel="GiB", title="")
    # el color va con la posición de la partida, aunque la anterior no se dibuje: igual en todos los gráficos
    assert skipped.patches[0].get_facecolor() == to_rgba(plt.get_cmap("tab10").colors[1])
    plt.close("all")
