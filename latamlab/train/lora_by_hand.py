"""LoRA escrito a mano: una capa lineal congelada más una actualización de bajo rango.

Se enseña en el cuaderno 03 (`03_lora_desde_cero.ipynb`). La capa calcula

    y = W·x + b + (alpha / r) · B·A·dropout(x)

con la misma inicialización que peft (A con Kaiming uniforme, a = √5; B en ceros), y
`tests/test_lora_by_hand.py` la fija numéricamente a peft: salidas y gradientes iguales a 1e-5.
Para entrenar de verdad, el curso usa peft y TRL (cuaderno 04); esto existe para entenderlo.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import NamedTuple

import torch
from torch import nn

from latamlab.runtime.device import to_model_device

__all__ = [
    "LoRALinear", "inject_lora", "count_trainable", "lora_param_count", "copy_from_peft", "chat_batches", "train_steps",
    "LoRARun", "train_lora_copy",
]


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
            raise ValueError(f"`base` debe ser una nn.Linear; recibí {type(base).__name__}. "
                             "Envuelve solo capas lineales.")
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

    Se enseña en el cuaderno 03. Suma ``numel()`` sin más: sirve para modelos sin cuantizar. En uno de 4 bits de
    bitsandbytes cada ``uint8`` empaqueta dos pesos y el total se queda en la mitad para esas capas; peft
    (`get_nb_trainable_parameters`) y transformers (`num_parameters`) corrigen el empaquetado.

    Returns:
        ``(trainable, total)``; el total incluye los parámetros de LoRA.
    """
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    return trainable, total


def lora_param_count(model: nn.Module, target_modules: Iterable[str], r: int) -> int:
    """Parámetros que agregaría `inject_lora` con rango `r`, sin tocar el modelo.

    Cada capa envuelta suma ``r · (entradas + salidas)``.

    Se enseña en el cuaderno 03 (gráfico de parámetros entrenables contra el rango).
    """
    targets = [target_modules] if isinstance(target_modules, str) else list(target_modules)
    return sum(r * (m.in_features + m.out_features) for name, m in model.named_modules()
               if isinstance(m, nn.Linear) and _matches(name, targets))


def copy_from_peft(peft_model: nn.Module, model: nn.Module, adapter: str = "default") -> int:
    """Copia los A y B de un modelo de peft en el mismo modelo con `inject_lora`, para compararlos.

    Se enseña en el cuaderno 03. peft nombra ``base_model.model.….lora_A.default.weight`` lo que aquí es
    ``….lora_A.weight``.

    Returns:
        Cuántos tensores se copiaron (dos por capa envuelta).
    """
    ours = dict(model.named_parameters())
    copied = 0
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if ".lora_" in name:
                ours[name.removeprefix("base_model.model.").replace(f".{adapter}.", ".")].copy_(p)
                copied += 1
    return copied


def chat_batches(tokenizer, records: Iterable[dict], batch_size: int = 4,
                 max_length: int = 128) -> list[dict[str, torch.Tensor]]:
    """Lotes de conversaciones (pregunta del usuario y respuesta del asistente) con la plantilla de chat del modelo.

    Se usa en el barrido del cuaderno 03. Para simplificar, la pérdida cubre toda la secuencia salvo el
    relleno; el cuaderno 02 muestra cómo limitarla a la respuesta, y el 04 lo hace con TRL.

    Args:
        tokenizer: tokenizador con plantilla de chat y `pad_token`.
        records: ejemplos con ``instruccion`` y ``respuesta`` (la conversación la arma `latamlab.data.chat.to_chat`).
        batch_size: ejemplos por lote.
        max_length: tokens máximos por ejemplo (lo que sobra se corta).

    Returns:
        Lista de diccionarios con ``input_ids``, ``attention_mask`` y ``labels`` (relleno en -100).
    """
    from latamlab.data.chat import to_chat

    chats = [to_chat(rec) for rec in records]
    texts = [tokenizer.apply_chat_template(c["prompt"] + c["completion"], tokenize=False) for c in chats]
    batches = []
    for start in range(0, len(texts), batch_size):
        enc = tokenizer(texts[start : start + batch_size], return_tensors="pt", padding=True, truncation=True,
                        max_length=max_length)
        labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
        batches.append({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": labels})
    return batches


def train_steps(model: nn.Module, batches: list[dict[str, torch.Tensor]], steps: int, lr: float = 1e-3,
                seed: int = 0) -> list[float]:
    """Un bucle de entrenamiento mínimo: AdamW sobre los parámetros entrenables, recorriendo `batches` en ciclo.

    Se enseña en el cuaderno 03. Cada paso es: pérdida → ``backward`` → ``step`` → ``zero_grad``.

    Args:
        model: modelo causal con LoRA inyectada (solo A y B tienen ``requires_grad``).
        batches: salida de :func:`chat_batches`.
        steps: pasos de optimización.
        lr: tasa de aprendizaje.
        seed: semilla del *dropout*, para que dos corridas iguales den las mismas pérdidas.

    Returns:
        La pérdida de cada paso.
    """
    torch.manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr)
    model.train()
    losses = []
    for step in range(steps):
        loss = model(**to_model_device(batches[step % len(batches)], model)).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
    model.eval()
    return losses


class LoRARun(NamedTuple):
    """Lo que devuelve :func:`train_lora_copy`: la copia entrenada y la pérdida de cada paso."""

    model: nn.Module
    losses: list[float]


def train_lora_copy(model: nn.Module, batches: list[dict[str, torch.Tensor]], target_modules: Iterable[str],
                    r: int, alpha: float, steps: int, lr: float = 1e-3, seed: int = 0) -> LoRARun:
    """Entrena una LoRA nueva sobre una copia de `model` (que no se toca): una corrida de un barrido.

    Se enseña en el cuaderno 03 (barrido de `r` y módulos objetivo, y el 🦁 3 con `alpha` fijo). Cada corrida
    parte de la misma semilla, así que dos corridas con los mismos argumentos dan las mismas pérdidas.

    Args:
        model: modelo causal sin LoRA; se copia con `copy.deepcopy`.
        batches: salida de :func:`chat_batches`.
        target_modules, r, alpha: como en :func:`inject_lora` (sin *dropout*).
        steps, lr: como en :func:`train_steps`.
        seed: semilla de la inicialización de A y del bucle.

    Returns:
        ``LoRARun(model, losses)``: la copia con su LoRA entrenada y la pérdida de cada paso.
    """
    trained = copy.deepcopy(model)
    torch.manual_seed(seed)  # A se inicializa al azar: misma semilla, mismo A
    inject_lora(trained, target_modules, r=r, alpha=alpha)
    return LoRARun(trained, train_steps(trained, batches, steps=steps, lr=lr, seed=seed))
