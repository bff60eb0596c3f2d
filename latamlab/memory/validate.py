"""Estimación contra medición: construye el modelo de un método en CPU, mide un paso y compara (cuaderno 07).

Lo usan `scripts/medir_memoria.py` y las pruebas. Los modelos del hub se construyen con pesos
aleatorios desde su arquitectura (la memoria no depende de los valores), con menos capas si hace falta.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from latamlab.memory.estimate import MemoryBreakdown, estimate_memory
from latamlab.memory.ledger import MemoryLedger, measure_training_step
from latamlab.quant.presets import TORCH_DTYPES

__all__ = ["Comparison", "build_for_method", "compare_step", "PARTS"]

PARTS = ("weights", "gradients", "optimizer", "activations", "logits")


@dataclass
class Comparison:
    """Una fila de la tabla: estimación y medición de un paso, por partida y en total."""

    name: str
    method: str
    gradient_checkpointing: bool
    estimate: MemoryBreakdown
    measured: MemoryLedger
    peak_allocated: float | None = None

    def estimated_parts(self) -> dict[str, float]:
        e = self.estimate
        return {"weights": e.weights + e.quant_constants + e.lora, "gradients": e.gradients,
                "optimizer": e.optimizer, "activations": e.activations, "logits": e.logits}

    def measured_parts(self) -> dict[str, float]:
        m = self.measured
        return {"weights": m.weights + m.quant_constants, "gradients": m.gradients, "optimizer": m.optimizer,
                "activations": m.activations, "logits": m.logits}

    @property
    def error_percent(self) -> float:
        """Error de la estimación del total retenido, en % de lo medido."""
        return 100 * (self.estimate.counted / self.measured.total - 1)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "method": self.method, "gradient_checkpointing": self.gradient_checkpointing,
                "estimated": self.estimated_parts(), "measured": self.measured_parts(),
                "estimated_total": self.estimate.counted, "measured_total": self.measured.total,
                "error_percent": self.error_percent, "peak_allocated": self.peak_allocated}


def build_for_method(config, method: str, dtype: str = "fp32", lora_r: int = 8, lora_dropout: float = 0.0,
                     workdir: Path | None = None, seed: int = 0, device: str = "cpu"):
    """Un modelo de pesos aleatorios de `config` listo para entrenar con `method` en `device` (cpu o cuda).

    En qlora se guarda y se vuelve a cargar con bitsandbytes en nf4 + doble cuantización (como lo
    hace quien aprende), y se aplica la guarda de CPU (`guard_cpu_4bit`) tras la carga.
    """
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    from latamlab.models.load import guard_cpu_4bit
    from latamlab.quant.presets import QLORA_NF4
    from latamlab.train.compat import peft_wrapping

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=TORCH_DTYPES[dtype])
    if method == "full":
        return model.to(device)
    if method == "qlora":
        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type=QLORA_NF4.quant_type,
                                   bnb_4bit_use_double_quant=QLORA_NF4.double_quant,
                                   bnb_4bit_compute_dtype=TORCH_DTYPES[dtype], bnb_4bit_quant_storage=QLORA_NF4.quant_storage)
        with tempfile.TemporaryDirectory(prefix="latamlab-memoria-") as tmp:  # sin `workdir`, no queda en disco
            folder = Path(workdir or tmp) / "modelo"
            model.save_pretrained(folder)
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=TORCH_DTYPES[dtype], quantization_config=quant,
                                                         device_map={"": device})
        guard_cpu_4bit(model)
    else:
        model.to(device)
    model.requires_grad_(False)
    lora = LoraConfig(r=lora_r, lora_alpha=2 * lora_r, target_modules="all-linear", lora_dropout=lora_dropout,
                      task_type="CAUSAL_LM")
    with peft_wrapping():
        model = get_peft_model(model, lora)
    for param in model.parameters():  # adaptadores en el tipo del cálculo (como trl con bf16)
        if param.requires_grad:
            param.data = param.data.to(TORCH_DTYPES[dtype])
    return model


def compare_step(name: str, config, method: str, gradient_checkpointing: bool, batch_size: int = 2,
                 max_length: int = 64, dtype: str = "fp32", lora_r: int = 8, lora_dropout: float = 0.0,
                 workdir: Path | None = None, device: str = "cpu",
                 model: torch.nn.Module | None = None) -> Comparison:
    """Estima y mide un paso de entrenamiento de `config` con `method`; devuelve la comparación.

    `model` es uno ya construido con `build_for_method` (con los mismos `method`, `dtype`, `lora_r`,
    `lora_dropout` y `device`): así el cuaderno 07 mide con y sin checkpointing sin construirlo dos veces.
    En CUDA también guarda el pico de `torch.cuda.max_memory_allocated` del paso (`peak_allocated`), que
    incluye los picos transitorios y no el contexto de CUDA.
    """
    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    if model is None:
        model = build_for_method(config, method, dtype, lora_r, lora_dropout, workdir, device=device)
    ids = torch.randint(0, config.vocab_size, (batch_size, max_length), generator=torch.Generator().manual_seed(0))
    measured = measure_training_step(model, ids.to(device), gradient_checkpointing=gradient_checkpointing)
    peak = float(torch.cuda.max_memory_allocated(device)) if cuda else None
    estimate = estimate_memory(config, method, batch_size, max_length, gradient_checkpointing, compute_dtype=dtype,
                               lora_r=lora_r, lora_dropout=lora_dropout, adapter_dtype=dtype,
                               device="cuda" if cuda else "cpu")
    return Comparison(name, method, gradient_checkpointing, estimate, measured, peak)
