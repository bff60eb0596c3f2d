"""Estimación de la memoria de un entrenamiento desde la configuración del modelo, sin pesos (cuaderno 07).

`estimate_memory` devuelve un desglose (`MemoryBreakdown`), no un número: pesos por precisión,
constantes de cuantización, LoRA, gradientes, optimizador, activaciones (fórmula en
`latamlab.memory.activations`), logits, picos transitorios y el contexto de CUDA. El modelo se
construye en el dispositivo ``meta`` (sin memoria) solo para contar sus parámetros.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Literal, get_args

from latamlab.errors import ConfigError
from latamlab.memory.activations import Shape, layer_bytes_per_token, outside_layers_bytes
from latamlab.quant.formats import CODE_BITS, bits_per_param

__all__ = ["Method", "METHODS", "Optimizer", "OPTIMIZERS", "CUDA_CONTEXT_BYTES", "MemoryBreakdown",
           "estimate_memory", "check_method", "loading_bytes"]

Method = Literal["full", "lora", "qlora"]
METHODS: tuple[str, ...] = get_args(Method)
Optimizer = Literal["adamw", "adamw_8bit", "paged_adamw_8bit", "paged_adamw_32bit"]
OPTIMIZERS: tuple[str, ...] = get_args(Optimizer)
_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}

CUDA_CONTEXT_BYTES = 800 * 2**20
"""Contexto de CUDA que crea el primer uso de la GPU, fuera de `torch.cuda.max_memory_allocated`.

Constante: 800 MiB. Fuente: foros de PyTorch («~700+ MB según la versión de CUDA y la GPU»,
discuss.pytorch.org/t/high-gpu-memory-overhead/81330) y pytorch/pytorch#34323 (781 MB con un tensor
de un elemento). Varía con la versión de CUDA, el controlador y las rutinas de cómputo (*kernels*) cargadas.
"""


@dataclass(frozen=True)
class MemoryBreakdown:
    """Bytes de cada partida de un entrenamiento. ``total`` es el pico estimado en la GPU.

    Args:
        weights: pesos como los cuenta `model.get_memory_footprint()` (en 4 bits, los códigos
            empaquetados; las partes sin cuantizar en 16 bits).
        quant_constants: constantes `absmax` (con doble cuantización, en 8 bits más las de 2.º nivel).
        lora: parámetros del adaptador.
        gradients: gradientes de lo que se entrena.
        optimizer: estados del optimizador.
        activations: lo que autograd guarda para el paso hacia atrás (sin logits).
        logits: logits que devuelve el modelo y log-softmax en fp32 que guarda la entropía cruzada.
        temporary: el mayor pico transitorio (gradiente de los logits, o la capa que se recalcula).
        overhead: contexto de CUDA (`CUDA_CONTEXT_BYTES`); 0 en CPU.
    """

    weights: float
    quant_constants: float
    lora: float
    gradients: float
    optimizer: float
    activations: float
    logits: float
    temporary: float
    overhead: float
    method: str = "qlora"
    trainable_params: int = 0
    layers: int = 0

    @property
    def counted(self) -> float:
        """Lo retenido que el libro exacto (`measure_training_step`) también cuenta: sin picos ni contexto."""
        return (self.weights + self.quant_constants + self.lora + self.gradients + self.optimizer
                + self.activations + self.logits)

    @property
    def total(self) -> float:
        return self.counted + self.temporary + self.overhead

    def parts(self) -> dict[str, float]:
        """Partidas con su nombre en español, en el orden de una barra apilada."""
        return {"pesos": self.weights, "constantes de cuantización": self.quant_constants, "LoRA": self.lora,
                "gradientes": self.gradients, "optimizador": self.optimizer, "activaciones": self.activations,
                "logits": self.logits, "picos transitorios": self.temporary, "contexto de CUDA": self.overhead}

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "counted": self.counted, "total": self.total}


def check_method(method: str) -> str:
    """Valida `method` (full, lora o qlora). Raises: ConfigError con la opción más parecida."""
    from latamlab.config import closest

    if method not in METHODS:
        raise ConfigError(f"`method` debe ser uno de {', '.join(METHODS)}; recibí {method!r}.{closest(str(method), METHODS)}")
    return method


@lru_cache(maxsize=64)
def _skeleton(config_json: str) -> tuple[int, int, int, tuple[tuple[str, int, int], ...]]:
    """(parámetros, sin cuantizar, bytes de *buffers*, lineales sin `lm_head`) de un modelo en ``meta``."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    from latamlab.memory.weights import count_params

    data = json.loads(config_json)
    config = AutoConfig.for_model(data.pop("model_type"), **data)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)
    counts = count_params(model)
    buffers = sum(b.numel() * b.element_size() for b in model.buffers())
    output = model.get_output_embeddings()
    linears = tuple((name, m.in_features, m.out_features) for name, m in model.named_modules()
                    if isinstance(m, torch.nn.Linear) and m is not output)
    return counts.total, counts.unquantized, buffers, linears


def skeleton(config) -> tuple[int, int, int, tuple[tuple[str, int, int], ...]]:
    """(parámetros, sin cuantizar, bytes de *buffers*, lineales sin `lm_head`) de `config`, sin pesos."""
    data = config.to_dict()
    for key in ("transformers_version", "architectures", "_name_or_path", "dtype", "torch_dtype"):
        data.pop(key, None)
    return _skeleton(json.dumps(data, sort_keys=True, default=str))


def _adapted(linears, target_modules: str | tuple[str, ...]) -> list[tuple[str, int, int]]:
    if target_modules == "all-linear" or target_modules == ("all-linear",):
        return list(linears)
    targets = (target_modules,) if isinstance(target_modules, str) else tuple(target_modules)
    return [lin for lin in linears if lin[0].rsplit(".", 1)[-1] in targets]


def _optimizer_bytes(optimizer: str, sizes: list[int], state_bytes: int) -> float:
    """Estados de AdamW: dos por parámetro; los de 8 bits de bitsandbytes, con un `absmax` fp32 cada 256."""
    if optimizer not in OPTIMIZERS:
        raise ConfigError(f"`optimizer` debe ser uno de {', '.join(OPTIMIZERS)}; recibí {optimizer!r}.")
    if optimizer in ("adamw", "paged_adamw_32bit"):
        per = 4 if optimizer == "paged_adamw_32bit" else state_bytes  # torch: los estados en el tipo del parámetro
        return sum(2 * n * per + 4 for n in sizes)  # + `step` (un escalar fp32)
    small = sum(2 * 4 * n for n in sizes if n < 4096)  # bitsandbytes deja en 32 bits los tensores pequeños
    big = sum(2 * n + 2 * 4 * -(-n // 256) for n in sizes if n >= 4096)
    return small + big


def estimate_memory(model: Any, method: Method = "qlora", batch_size: int = 1, max_length: int = 512,
                    gradient_checkpointing: bool = True, *, compute_dtype: str = "bf16",
                    param_dtype: str | None = None, quant_type: str = "nf4", double_quant: bool = True,
                    lora_r: int = 16, target_modules: str | tuple[str, ...] = "all-linear",
                    lora_dropout: float = 0.05, optimizer: Optimizer = "adamw", adapter_dtype: str | None = None,
                    attn_implementation: str = "sdpa", padding: bool = False,
                    device: str = "cuda") -> MemoryBreakdown:
    """Estima la memoria de un paso de entrenamiento a partir de la arquitectura, sin cargar pesos.

    Args:
        model: configuración, nombre del catálogo, id del hub o ruta de un config.json (ver `model_config`).
        method: ``full`` (todos los pesos), ``lora`` (base congelada en `compute_dtype`) o ``qlora`` (base en 4 bits).
        batch_size: ejemplos por lote (≥ 1).
        max_length: tokens por ejemplo (≥ 1).
        gradient_checkpointing: recalcular cada capa en el paso hacia atrás.
        compute_dtype: tipo del cálculo y de las partes sin cuantizar: ``bf16``, ``fp16`` o ``fp32``.
        param_dtype: tipo de los pesos entrenables del ajuste completo; ``None`` = `compute_dtype`, salvo
            fp16, que exige pesos fp32 (precisión mixta).
        quant_type: ``nf4`` o ``fp4`` (solo qlora).
        double_quant: doble cuantización de las constantes (solo qlora).
        lora_r: rango de LoRA.
        target_modules: ``all-linear`` o nombres de lineales (``("q_proj", "v_proj")``).
        lora_dropout: dropout de LoRA (> 0 guarda una máscara y una copia de la entrada por lineal).
        optimizer: ``adamw``, ``adamw_8bit``, ``paged_adamw_8bit`` o ``paged_adamw_32bit`` (las versiones
            paginadas ocupan lo mismo, pero pueden bajar a la RAM en vez de fallar).
        adapter_dtype: tipo de LoRA; ``None`` = el de trl/latamlab: `compute_dtype` en qlora con bf16,
            fp32 en el resto (peft sube los adaptadores a fp32).
        attn_implementation: ``sdpa`` o ``eager``.
        padding: si los lotes traen relleno (máscara explícita: k y v se repiten por cabeza).
        device: ``cuda`` (suma el contexto de CUDA) o ``cpu``.

    Returns:
        Un `MemoryBreakdown`.

    Raises:
        ConfigError: método, tipo u optimizador desconocidos, o lote o largo menores que 1.
    """
    from latamlab.memory.configs import model_config

    check_method(method)
    for name, value in (("batch_size", batch_size), ("max_length", max_length)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"`{name}` debe ser un entero ≥ 1; recibí {value!r}.")
    for name, value in (("compute_dtype", compute_dtype), ("param_dtype", param_dtype or "fp32"),
                        ("adapter_dtype", adapter_dtype or "fp32")):
        if value not in _BYTES:
            raise ConfigError(f"`{name}` debe ser bf16, fp16 o fp32; recibí {value!r}.")
    if attn_implementation not in ("sdpa", "eager"):
        raise ConfigError(f"`attn_implementation` debe ser sdpa o eager; recibí {attn_implementation!r}.")
    config = model_config(model)
    shape = Shape.from_config(config)
    total, unquantized, buffers, linears = skeleton(config)
    a = _BYTES[compute_dtype]
    full = method == "full"
    if full:
        p_dtype = param_dtype or ("fp32" if compute_dtype == "fp16" else compute_dtype)
        weights, constants, pb = total * _BYTES[p_dtype], 0.0, _BYTES[p_dtype]
        sizes, lora_bytes, adapted_names = [total], 0.0, frozenset()
    else:
        if method == "qlora":
            quantized = total - unquantized
            weights = quantized * CODE_BITS[quant_type] / 8 + unquantized * a
            constants = quantized * (bits_per_param(quant_type, 64, double_quant) - CODE_BITS[quant_type]) / 8
        else:
            weights, constants = total * a, 0.0
        default_adapter = compute_dtype if method == "qlora" and compute_dtype == "bf16" else "fp32"
        pb = _BYTES[adapter_dtype or default_adapter]
        adapted = _adapted(linears, target_modules)
        sizes = [n for _, fan_in, fan_out in adapted for n in (lora_r * fan_in, lora_r * fan_out)]
        lora_bytes = sum(sizes) * pb
        adapted_names = frozenset(name.rsplit(".", 1)[-1] for name, _, _ in adapted)
    trainable = sum(sizes)
    gradients = trainable * pb
    opt = _optimizer_bytes(optimizer, sizes, pb)
    tokens = batch_size * max_length
    per_layer = layer_bytes_per_token(shape, a, max_length, full, adapted_names, lora_r, lora_dropout,
                                      attn_implementation, padding, device)
    outside = outside_layers_bytes(shape, a, batch_size, max_length, full, padding, gradient_checkpointing)
    kept_per_layer = a * shape.hidden if gradient_checkpointing else per_layer
    activations = shape.layers * kept_per_layer * tokens + outside
    logits = tokens * shape.vocab * (a + 4)  # logits en el tipo de cálculo + log-softmax fp32 guardado
    logits_grad = tokens * shape.vocab * 8  # gradientes fp32 de nll y de log-softmax, vivos a la vez
    recompute = per_layer * tokens if gradient_checkpointing else 0
    return MemoryBreakdown(
        weights=weights + buffers, quant_constants=constants, lora=lora_bytes, gradients=gradients, optimizer=opt,
        activations=activations, logits=logits, temporary=max(logits_grad, recompute),
        overhead=CUDA_CONTEXT_BYTES if device == "cuda" else 0, method=method, trainable_params=trainable,
        layers=shape.layers)


def loading_bytes(model: Any, precision: str, unquantized_dtype: str = "bf16",
                  include_constants: bool = False) -> float:
    """Bytes de los pesos recién cargados en `precision`, como los cuenta `model.get_memory_footprint()`.

    En nf4, fp4 e int8 solo se cuantizan las lineales de los bloques; las incrustaciones, `lm_head` y
    las normas quedan en `unquantized_dtype`. `get_memory_footprint` no cuenta las constantes de
    cuantización; con `include_constants` se suman (los bits de más de `bits_per_param` en 4 bits, y una
    escala fp32 por fila en int8).

    Args:
        model: configuración, nombre del catálogo, id del hub o ruta de un config.json.
        precision: nf4, fp4, int8, bf16, fp16 o fp32.
        unquantized_dtype: tipo de las partes sin cuantizar (bf16, fp16 o fp32).
        include_constants: si se suman las constantes de cuantización.
    """
    from latamlab.memory.configs import model_config
    from latamlab.quant.formats import check_precision

    precision = check_precision(precision)
    total, unquantized, buffers, linears = skeleton(model_config(model))
    if precision in _BYTES:
        return total * _BYTES[precision] + buffers
    quantized = total - unquantized
    code = CODE_BITS[precision] / 8
    constants = 0.0
    if include_constants:
        constants = (quantized * (bits_per_param(precision) - CODE_BITS[precision]) / 8 if precision != "int8"
                     else 4 * sum(fan_out for _, _, fan_out in linears))
    return quantized * code + unquantized * _BYTES[unquantized_dtype] + buffers + constants
