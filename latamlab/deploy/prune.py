"""Poda por magnitud de las capas lineales y su curva de perplejidad (cuaderno 06).

Podar es poner en cero los pesos más pequeños (en valor absoluto). **No estructurada**: cualquier peso, el
porcentaje pedido de cada capa (`torch.nn.utils.prune.l1_unstructured`). **2:4 semiestructurada**: en cada
grupo de 4 pesos seguidos de una fila, los 2 más pequeños (el 50 %), el patrón que aceleran los núcleos
dispersos de las GPU NVIDIA desde Ampere (`torch.sparse.to_sparse_semi_structured`, solo CUDA).

En CPU una matriz con ceros sigue siendo densa: se multiplica igual de rápido (o lento) que sin ceros, y la
poda sola no acelera nada; :func:`pruning_curve` mide también el tiempo de un pase para mostrarlo. Sin
reentrenar, la perplejidad sube rápido con la dispersión: la poda se usa con un ajuste posterior.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

import torch

from latamlab.errors import ConfigError
from latamlab.runtime.device import to_model_device

__all__ = ["prunable_linears", "prune_magnitude", "prune_2_4", "sparsity", "pruning_curve"]


def prunable_linears(model: torch.nn.Module) -> list[tuple[str, torch.nn.Linear]]:
    """Las capas lineales de los bloques del modelo (sin la cabeza de salida, atada a las incrustaciones)."""
    output = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    return [(name, m) for name, m in model.named_modules() if isinstance(m, torch.nn.Linear) and m is not output]


def prune_magnitude(model: torch.nn.Module, amount: float, only: str | None = None) -> torch.nn.Module:
    """Poda no estructurada: en cada capa de :func:`prunable_linears`, la fracción `amount` de pesos más pequeños.

    Usa `torch.nn.utils.prune.l1_unstructured` y luego `prune.remove` (los ceros quedan en el peso, sin máscara).

    Args:
        model: el modelo (se modifica en su lugar).
        amount: fracción de pesos que quedan en cero en cada capa, de 0 a 1.
        only: si se da, poda solo las capas cuyo nombre contiene este texto (p. ej., ``mlp`` o ``self_attn``).

    Raises:
        ConfigError: si `amount` no está entre 0 y 1, o si ninguna capa contiene `only` en su nombre.
    """
    from torch.nn.utils import prune

    if not 0 <= amount < 1:
        raise ConfigError(f"`amount` debe estar entre 0 y 1 (fracción de pesos en cero); recibí {amount!r}.")
    layers = [(name, layer) for name, layer in prunable_linears(model) if only is None or only in name]
    if not layers:
        names = sorted({name.rsplit(".", 2)[-2] for name, _ in prunable_linears(model) if "." in name})
        raise ConfigError(f"Ninguna capa lineal tiene {only!r} en su nombre (`only`); prueba con uno de: "
                          f"{', '.join(names)}.")
    for _, layer in layers:
        prune.l1_unstructured(layer, name="weight", amount=float(amount))
        prune.remove(layer, "weight")
    return model


@torch.no_grad()
def prune_2_4(model: torch.nn.Module) -> torch.nn.Module:
    """Poda 2:4: en cada grupo de 4 pesos consecutivos de una fila, pone en cero los 2 de menor valor absoluto."""
    for name, layer in prunable_linears(model):
        weight = layer.weight
        if weight.shape[1] % 4:
            raise ConfigError(f"La capa {name} tiene {weight.shape[1]} entradas, que no es múltiplo de 4: no admite "
                              "la poda 2:4.")
        groups = weight.view(weight.shape[0], -1, 4)
        smallest = groups.abs().argsort(dim=-1)[..., :2]
        groups.scatter_(-1, smallest, 0.0)
    return model


def sparsity(model: torch.nn.Module) -> float:
    """Fracción de pesos exactamente en cero entre las capas de :func:`prunable_linears`."""
    layers = [m.weight for _, m in prunable_linears(model)]
    return sum(int((w == 0).sum()) for w in layers) / sum(w.numel() for w in layers)


@torch.no_grad()
def _forward_seconds(model, ids: torch.Tensor, repeats: int = 3) -> float:
    ids = to_model_device(ids, model)
    model(input_ids=ids)
    start = time.perf_counter()
    for _ in range(repeats):
        model(input_ids=ids)
    return (time.perf_counter() - start) / repeats


def pruning_curve(model_dir: str | Path, texts: Sequence[str], amounts: Sequence[float] = (0.0, 0.3, 0.5, 0.7), *,
                  semi_structured: bool = True, max_length: int = 128) -> list[dict[str, Any]]:
    """Perplejidad y tiempo de un pase para cada nivel de poda, sin reentrenar (cuaderno 06).

    Cada punto parte del modelo recién cargado en fp32 (la poda es acumulativa si no).

    Args:
        model_dir: carpeta o nombre del catálogo del modelo.
        texts: textos de prueba para la perplejidad (`latamlab.evaluation.perplexity.perplexity_report`).
        amounts: fracciones de poda no estructurada.
        semi_structured: si se agrega el punto 2:4.
        max_length: *tokens* máximos por texto.

    Returns:
        Filas con ``kind`` (``no estructurada`` o ``2:4``), ``amount``, ``sparsity`` (medida), ``perplexity``,
        ``bits_per_byte`` y ``forward_s`` (segundos de un pase sobre el primer texto).
    """
    from latamlab.evaluation.perplexity import perplexity_report
    from latamlab.models.load import load_model

    points = [("no estructurada", float(a)) for a in amounts] + ([("2:4", 0.5)] if semi_structured else [])
    rows = []
    for kind, amount in points:
        model, tokenizer = load_model(str(model_dir), precision="fp32")
        model.eval()
        if kind == "2:4":
            prune_2_4(model)
        elif amount > 0:
            prune_magnitude(model, amount)
        report = perplexity_report(model, tokenizer, texts, max_length=max_length)
        ids = tokenizer(texts[0], return_tensors="pt", truncation=True, max_length=max_length)["input_ids"]
        rows.append({"kind": kind, "amount": amount, "sparsity": sparsity(model), "perplexity": report.perplexity,
                     "bits_per_byte": report.bits_per_byte, "forward_s": _forward_seconds(model, ids)})
        del model
    return rows
