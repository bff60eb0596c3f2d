"""Libro de cuentas exacto de la memoria de un paso de entrenamiento, medido en CPU (cuaderno 07).

Cada byte sale de un tensor real: parámetros (y las constantes de cuantización de bitsandbytes),
gradientes, estados del optimizador y los tensores que autograd guarda para el paso hacia atrás, que
se ven con `torch.autograd.graph.saved_tensors_hooks` durante un paso real. Varios tensores pueden
compartir almacenamiento (una vista, la misma entrada guardada por dos operaciones): cada
almacenamiento se cuenta una sola vez. Es la vara con que `latamlab.memory.estimate` se compara.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch

from latamlab.runtime.device import to_model_device

__all__ = ["MemoryLedger", "StorageSet", "quant_state_tensors", "measure_training_step"]


class StorageSet:
    """Conjunto de almacenamientos (*storages*) ya contados: cada uno suma sus bytes una vez."""

    def __init__(self, exclude: "StorageSet | None" = None) -> None:
        self.seen: dict[tuple[str, int], int] = {}
        self.exclude = exclude

    @staticmethod
    def key(tensor: torch.Tensor) -> tuple[str, int] | None:
        if tensor.device.type == "meta":
            return None
        storage = tensor.untyped_storage()
        return (str(tensor.device), storage.data_ptr()) if storage.nbytes() else None

    def add(self, tensor: torch.Tensor) -> int:
        """Agrega el almacenamiento de `tensor`; devuelve los bytes nuevos (0 si ya estaba o se excluye)."""
        key = self.key(tensor)
        if key is None or key in self.seen or (self.exclude is not None and key in self.exclude.seen):
            return 0
        self.seen[key] = tensor.untyped_storage().nbytes()
        return self.seen[key]

    @property
    def nbytes(self) -> int:
        return sum(self.seen.values())


@dataclass
class MemoryLedger:
    """Bytes exactos de un paso de entrenamiento, por partida.

    Args:
        weights: parámetros y *buffers* del modelo (en 4 bits, los bytes empaquetados).
        quant_constants: constantes de cuantización de bitsandbytes (`absmax`, doble cuantización, códigos).
        trainable_params: cuántos parámetros entrenables hay (un conteo, no bytes).
        gradients: gradientes de los parámetros entrenables.
        optimizer: estados del optimizador tras un paso (`exp_avg`, `exp_avg_sq`, `step`).
        activations: tensores guardados para el paso hacia atrás en los bloques (sin los pesos).
        logits: tensores guardados o retenidos con la última dimensión igual al vocabulario.
        saved_by_op: bytes de activaciones por operación que los guardó (p. ej., ``MulBackward0``).
    """

    weights: int = 0
    quant_constants: int = 0
    trainable_params: int = 0
    gradients: int = 0
    optimizer: int = 0
    activations: int = 0
    logits: int = 0
    saved_by_op: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Todo lo contado: pesos, constantes, gradientes, optimizador, activaciones y logits."""
        return (self.weights + self.quant_constants + self.gradients + self.optimizer + self.activations
                + self.logits)

    def to_dict(self) -> dict:
        return {**asdict(self), "total": self.total}


def quant_state_tensors(model: torch.nn.Module) -> list[torch.Tensor]:
    """Los tensores de las constantes de cuantización de bitsandbytes (no son parámetros del modelo)."""
    tensors: list[torch.Tensor] = []
    for module in model.modules():
        weight = getattr(module, "weight", None)
        state = getattr(weight, "quant_state", None)
        if state is not None:  # 4 bits: absmax (8 bits con doble cuantización), su código y offset, y state2
            for owner in (state, getattr(state, "state2", None)):
                for name in ("absmax", "code", "offset"):
                    value = getattr(owner, name, None) if owner is not None else None
                    if isinstance(value, torch.Tensor):
                        tensors.append(value)
        scb = getattr(weight, "SCB", None)
        if isinstance(scb, torch.Tensor):  # int8: una escala por fila
            tensors.append(scb)
    return tensors


def _checkpointed_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    from transformers.modeling_layers import GradientCheckpointingLayer

    return [m for m in model.modules() if isinstance(m, GradientCheckpointingLayer)]


def measure_training_step(model: torch.nn.Module, input_ids: torch.Tensor, optimizer: str = "adamw",
                          gradient_checkpointing: bool = False,
                          attention_mask: torch.Tensor | None = None) -> MemoryLedger:
    """Hace un paso real de entrenamiento (adelante, atrás, optimizador) y cuenta cada byte.

    Las activaciones son los tensores que autograd guarda para el paso hacia atrás; con
    `gradient_checkpointing` (no reentrante, como en `latamlab.train`) autograd no ve lo que guarda
    cada bloque, así que se cuentan las entradas de cada bloque, que el punto de control retiene para
    recalcularlo. Un tensor cuya última dimensión es el vocabulario va a `logits` (los logits que
    devuelve el modelo y los log-softmax en fp32 que guarda la entropía cruzada). La memoria
    transitoria (gradientes intermedios, el bloque que se recalcula) no está aquí: es un pico, no una
    partida que se retiene.

    Args:
        model: un modelo causal de transformers (o un `PeftModel`) en CPU, con sus parámetros
            entrenables ya marcados (`requires_grad`).
        input_ids: tokens ``(batch, seq)``; sirven también de etiquetas.
        optimizer: ``adamw`` (el AdamW de PyTorch, 32 bits si los parámetros lo son) o ``adamw_8bit``
            (bitsandbytes).
        gradient_checkpointing: recalcula cada bloque en el paso hacia atrás.
        attention_mask: máscara ``(batch, seq)``; ``None`` = sin relleno.

    Returns:
        Un `MemoryLedger` con los bytes de cada partida.
    """
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    input_ids = to_model_device(input_ids, model)
    attention_mask = None if attention_mask is None else to_model_device(attention_mask, model)
    vocab = base.config.get_text_config().vocab_size
    params = StorageSet()
    for tensor in [*model.parameters(), *model.buffers()]:
        params.add(tensor)
    constants = StorageSet(exclude=params)
    for tensor in quant_state_tensors(model):
        constants.add(tensor)
    ledger = MemoryLedger(weights=params.nbytes, quant_constants=constants.nbytes)
    trainable = [p for p in model.parameters() if p.requires_grad]
    ledger.trainable_params = sum(p.numel() for p in trainable)

    model.train()
    handles = []
    if gradient_checkpointing:
        base.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    else:
        base.activation_checkpointing_disable()
    embeddings = base.get_input_embeddings()
    if trainable and hasattr(base, "enable_input_require_grads") and not any(
            p.requires_grad for p in embeddings.parameters()):
        base.enable_input_require_grads()  # lo que hacen trl y peft con LoRA: la entrada de cada bloque pide gradiente
    weights = StorageSet()
    weights.seen = {**params.seen, **constants.seen}  # los pesos que guarda autograd ya están contados
    saved, logits = StorageSet(exclude=weights), StorageSet(exclude=weights)

    def record(tensor: torch.Tensor, op: str) -> None:
        target = logits if tensor.dim() and tensor.shape[-1] == vocab else saved
        added = target.add(tensor)
        if target is saved and added:
            ledger.saved_by_op[op] = ledger.saved_by_op.get(op, 0) + added

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        node = tensor.grad_fn
        record(tensor, type(node).__name__ if node is not None else "hoja")
        return tensor

    def layer_inputs(module, args, kwargs):  # noqa: ANN001 — firma de los hooks de torch
        for value in [*args, *kwargs.values()]:
            for tensor in value if isinstance(value, tuple) else (value,):
                if isinstance(tensor, torch.Tensor):
                    record(tensor, "entrada del bloque (punto de control)")

    if gradient_checkpointing:
        handles = [m.register_forward_pre_hook(layer_inputs, with_kwargs=True) for m in _checkpointed_layers(base)]
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
            out = model(input_ids=input_ids, attention_mask=attention_mask, labels=input_ids, use_cache=False)
        record(out.logits, "logits")
    finally:
        for handle in handles:
            handle.remove()
    ledger.activations, ledger.logits = saved.nbytes, logits.nbytes
    out.loss.backward()
    del out
    grads = StorageSet()
    for p in trainable:
        if p.grad is not None:
            grads.add(p.grad)
    ledger.gradients = grads.nbytes
    opt = _optimizer(optimizer, trainable)
    opt.step()
    states = StorageSet()
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, torch.Tensor):
                states.add(value)
    ledger.optimizer = states.nbytes
    opt.zero_grad(set_to_none=True)
    return ledger


def _optimizer(name: str, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    from latamlab.errors import ConfigError

    if name == "adamw":
        return torch.optim.AdamW(params, lr=1e-4)
    if name == "adamw_8bit":
        import bitsandbytes as bnb

        return bnb.optim.AdamW8bit(params, lr=1e-4)
    raise ConfigError(f"`optimizer` debe ser adamw o adamw_8bit; recibí {name!r}.")
