"""Los ejercicios nuevos del cuaderno 01: aceptan la respuesta correcta y rechazan las incorrectas con una pista."""

from __future__ import annotations

import torch

from latamlab.exercises import nb01
from latamlab.quant.by_hand import reconstruction_mse


def test_check_best_format_on_uniform_weights(capsys):
    weights = 2 * torch.rand(256, 256, generator=torch.Generator().manual_seed(1)) - 1
    errors = {m: reconstruction_mse(weights, m, 64) for m in ("int4", "fp4", "nf4")}
    assert min(errors, key=errors.get) == "int4"  # en pesos uniformes gana la rejilla uniforme
    assert nb01.check_best_format("int4", errors, weights)
    assert not nb01.check_best_format("nf4", errors, weights)
    assert not nb01.check_best_format("int4", {**errors, "nf4": 2 * errors["nf4"]}, weights)
    assert not nb01.check_best_format("int4", {"int4": errors["int4"]}, weights)
    assert "Pista" in capsys.readouterr().out


def test_check_ratio_uses_the_reference_precision():
    footprints = {"nf4": 100.0, "bf16": 250.0, "fp16": 200.0}
    assert nb01.check_ratio(0.4, footprints)
    assert nb01.check_ratio(0.5, footprints, reference="fp16")
    assert not nb01.check_ratio(0.5, footprints)
