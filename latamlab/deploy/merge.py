"""Fusionar un adaptador LoRA en su base, y por qué no se fusiona en una base de 4 bits (cuaderno 06).

Fusionar es sumar a cada peso su corrección de bajo rango, ``W + (alpha / r) · B A``: el modelo resultante
no necesita peft, corre igual de rápido que la base y se puede convertir a GGUF. En 16 o 32 bits la suma es
exacta (salvo el redondeo del tipo): los logits del modelo fusionado son los del modelo con adaptador.

En una base de 4 bits no: peft descuantiza cada peso, le suma la corrección y **vuelve a cuantizarlo**. La
corrección de un LoRA entrenado es pequeña frente al escalón entre dos niveles de NF4, así que casi toda se
pierde en el redondeo, y encima el peso vuelve a cuantizarse con otra escala. :func:`merge_gap` lo mide: la
receta buena es cargar la base en 16/32 bits, fusionar ahí y cuantizar después (a GGUF, por ejemplo).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any, Sequence

import torch

from latamlab.errors import ConfigError
from latamlab.runtime.device import model_device, to_model_device

__all__ = ["is_quantized", "merge_adapter", "merge_gap"]


def is_quantized(model: torch.nn.Module) -> bool:
    """Si `model` tiene capas de bitsandbytes de 4 u 8 bits (donde fusionar vuelve a cuantizar)."""
    import bitsandbytes as bnb

    return any(isinstance(m, (bnb.nn.Linear4bit, bnb.nn.Linear8bitLt)) for m in model.modules())


def merge_adapter(model: torch.nn.Module, adapter: str | Path | None = None, *,
                  output: str | Path | None = None, tokenizer=None, allow_quantized: bool = False) -> torch.nn.Module:
    """Fusiona un adaptador LoRA en su base con `merge_and_unload` de peft y devuelve el modelo sin peft.

    Args:
        model: un `peft.PeftModel` con su adaptador, o la base (entonces se carga `adapter` encima).
        adapter: carpeta del adaptador, si `model` es la base.
        output: carpeta donde guardar el modelo fusionado (``save_pretrained``), p. ej., para convertirlo a GGUF.
        tokenizer: se guarda junto al modelo en `output` (el convertidor a GGUF lo necesita).
        allow_quantized: permite fusionar en una base de 4/8 bits (solo para medir el daño, ver :func:`merge_gap`).

    Returns:
        El modelo base con los pesos fusionados (un modelo de transformers, ya sin capas LoRA).

    Raises:
        ConfigError: si falta el adaptador, o si la base está cuantizada y no pediste `allow_quantized`.
    """
    from peft import PeftModel

    from latamlab.train.compat import peft_wrapping

    if not isinstance(model, PeftModel):
        if adapter is None:
            raise ConfigError("`model` no tiene adaptador (no es un `PeftModel`): pasa también `adapter` con la "
                              "carpeta del adaptador LoRA.")
        with peft_wrapping():
            model = PeftModel.from_pretrained(model, str(adapter))
    if is_quantized(model) and not allow_quantized:
        raise ConfigError("La base está cuantizada (bitsandbytes): fusionar vuelve a cuantizar cada peso y pierde "
                          "casi toda la corrección del adaptador. Carga la base en bf16 o fp32 "
                          "(`load_model(..., precision='fp32')`), fusiona ahí y cuantiza después.")
    with warnings.catch_warnings():
        # peft avisa que fusionar en 4 bits cambia las generaciones: es justo lo que mide `merge_gap`.
        warnings.filterwarnings("ignore", message="Merge lora module to 4-bit linear", category=UserWarning)
        warnings.filterwarnings("ignore", message="Merge lora module to 8-bit linear", category=UserWarning)
        merged = model.merge_and_unload()
    if output is not None:
        merged.save_pretrained(str(output))
        if tokenizer is not None:
            tokenizer.save_pretrained(str(output))
    return merged


@torch.no_grad()
def _logits(model, ids: torch.Tensor) -> torch.Tensor:
    model.eval()
    return model(input_ids=to_model_device(ids, model)).logits.float()


def merge_gap(name: str | Path, adapter: str | Path, texts: Sequence[str], *, precision: str = "fp32",
              max_length: int = 64) -> dict[str, Any]:
    """Mide cuánto cambia el modelo con adaptador al fusionarlo en una base de `precision` (cuaderno 06).

    Se carga la base en `precision`, se le pone el adaptador (sin fusionar: así se entrena y se usa en QLoRA) y
    se comparan sus logits y su perplejidad con los del mismo modelo tras `merge_adapter`.

    Args:
        name: modelo base (nombre del catálogo o carpeta).
        adapter: carpeta del adaptador LoRA entrenado sobre esa base.
        texts: textos de prueba (el primero da los logits comparados; todos, la perplejidad).
        precision: ``fp32``, ``bf16`` o ``fp16`` (fusión exacta) o ``nf4``, ``fp4``, ``int8`` (se recuantiza).
        max_length: *tokens* máximos por texto.

    Returns:
        ``precision``, ``max_abs_logit_diff`` (máxima diferencia absoluta de logits, fusionado vs sin fusionar),
        ``perplexity_unmerged`` y ``perplexity_merged``.
    """
    from latamlab.evaluation.perplexity import perplexity
    from latamlab.models.load import guard_cpu_4bit, load_model
    from latamlab.train.adapters import attach_adapters

    base, tokenizer = load_model(str(name), precision=precision)
    peft_model = attach_adapters(base, {"adaptador": adapter})
    ids = torch.tensor([tokenizer(texts[0], truncation=True, max_length=max_length)["input_ids"]])
    before = _logits(peft_model, ids)
    ppl_before = perplexity(peft_model, tokenizer, texts, max_length=max_length)
    merged = merge_adapter(peft_model, allow_quantized=True)
    if model_device(merged).type == "cpu":
        guard_cpu_4bit(merged)  # las capas recuantizadas son nuevas: se vuelven a proteger
    after = _logits(merged, ids)
    ppl_after = perplexity(merged, tokenizer, texts, max_length=max_length)
    diff = (after - before).abs().max().item()
    return {"precision": precision, "max_abs_logit_diff": diff if math.isfinite(diff) else float("inf"),
            "perplexity_unmerged": ppl_before, "perplexity_merged": ppl_after}
