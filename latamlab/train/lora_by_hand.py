"""LoRA escrito a mano: una capa lineal congelada más una actualización de bajo rango.

Se enseña en el cuaderno 03 (`03_lora_desde_cero.ipynb`). La capa calcula

    y = W·x + b + (alpha / r) · B·A·dropout(x)

con la misma inicialización que peft (A con Kaiming uniforme, a = √5; B en ceros), y
`tests/test_lora_by_hand.py` la fija numéricamente a peft: salidas y gradientes iguales a 1e-5.
Para entrenar de verdad, el curso usa peft y TRL (cuaderno 04); esto existe para entenderlo.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn

__all__ = ["LoRALinear", "inject_lora", "count_trainable"]


class LoRALinear(nn.Module):
    """Envuelve una `nn.Linear` congelada y le suma la actualización de bajo rango ``(alpha / r) · B·A``.

    Se enseña en el cuaderno 03. Los nombres `lora_A` y `lora_B` son los de peft, para poder copiar pesos.

    Args:
        base: la capa lineal original; sus parámetros quedan congelados (``requires_grad=False``).
        r: rango de la actualización (filas de A, columnas de B).
        alpha: numerador de la escala; la actualización se multiplica por ``alpha / r``.
        dropout: probabilidad de *dropout* sobre la entrada de la rama LoRA (solo al entrenar).

    Raises:
        ValueError: si `base` no es una `nn.Linear`, `r` no es un entero positivo o `dropout` no está en [0, 1).
    """

    def __init__(self, base: nn.Linear, r: int = 8, alpha: float = 16, dropout: float = 0.0) -> None:
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise ValueError(f"`base` debe ser una nn.Linear; recibí {type(base).__name__}. Envuelve solo capas lineales.")
        if not isinstance(r, int) or r < 1:
            raise ValueError(f"`r` debe ser un entero ≥ 1; recibí {r!r}. Prueba con r=8.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"`dropout` debe estar en [0, 1); recibí {dropout!r}. Usa 0.0 para apagarlo.")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.r, self.alpha = r, alpha
        self.scaling = alpha / r
        weight = base.weight
        self.lora_A = nn.Linear(base.in_features, r, bias=False, device=weight.device, dtype=weight.dtype)
        self.lora_B = nn.Linear(r, base.out_features, bias=False, device=weight.device, dtype=weight.dtype)
        self.lora_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.reset_lora_parameters()

    def reset_lora_parameters(self) -> None:
        """A con Kaiming uniforme (a = √5, como `nn.Linear` y peft); B en ceros: al inicio B·A = 0."""
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)

    def delta_weight(self) -> torch.Tensor:
        """La actualización ``(alpha / r) · B·A``, con la forma de ``base.weight`` (salidas × entradas)."""
        return self.scaling * (self.lora_B.weight @ self.lora_A.weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``base(x) + (alpha / r) · B(A(dropout(x)))``, sin formar nunca la matriz B·A."""
        lora_x = x.to(self.lora_A.weight.dtype)
        update = self.lora_B(self.lora_A(self.lora_dropout(lora_x))) * self.scaling
        return self.base(x) + update.to(x.dtype)

    def extra_repr(self) -> str:
        return f"r={self.r}, alpha={self.alpha}, scaling={self.scaling:g}"


def _matches(name: str, targets: Iterable[str]) -> bool:
    """Como peft con una lista: el nombre completo termina en ``.objetivo`` (o es el objetivo)."""
    return any(name == t or name.endswith(f".{t}") for t in targets)


def inject_lora(model: nn.Module, target_modules: Iterable[str], r: int = 8, alpha: float = 16,
                dropout: float = 0.0) -> int:
    """Congela todo el modelo y reemplaza cada `nn.Linear` cuyo nombre termina en un objetivo por una `LoRALinear`.

    Se enseña en el cuaderno 03. Modifica `model` en su lugar, como `peft.get_peft_model`.

    Args:
        model: el modelo (por ejemplo, uno de `latamlab.load_model`).
        target_modules: sufijos de nombre de módulo, por ejemplo ``["q_proj", "v_proj"]``.
        r: rango de cada actualización.
        alpha: la escala es ``alpha / r``.
        dropout: *dropout* de la rama LoRA.

    Returns:
        Cuántas capas se envolvieron.

    Raises:
        ValueError: si ningún módulo lineal coincide con `target_modules`.
    """
    targets = [target_modules] if isinstance(target_modules, str) else list(target_modules)
    for p in model.parameters():
        p.requires_grad_(False)
    chosen = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear) and _matches(name, targets)]
    if not chosen:
        raise ValueError(f"`target_modules` no coincide con ninguna capa lineal; recibí {targets}. "
                         "Mira los nombres con `model.named_modules()` (por ejemplo q_proj, v_proj).")
    for name, module in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoRALinear(module, r=r, alpha=alpha, dropout=dropout))
    return len(chosen)


def count_trainable(model: nn.Module) -> tuple[int, int]:
    """Parámetros entrenables y totales de `model`, como `get_nb_trainable_parameters()` de peft.

    Se enseña en el cuaderno 03.

    Returns:
        ``(trainable, total)``; el total incluye los parámetros de LoRA.
    """
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total
