"""Bytes de las activaciones que autograd guarda, por capa y por token, deducidos de la arquitectura (cuaderno 07).

La fórmula sale de leer, operación por operación, `modeling_llama.py` y `modeling_qwen2.py` de
transformers 5 (Qwen2 es Llama con sesgos en q, k, v, que no guardan nada), `peft.tuners.lora.Linear`
y `bitsandbytes.MatMul4Bit`, y se comprueba contra el libro exacto (`latamlab.memory.ledger`).
Notación: ``h`` ancho, ``i`` ancho de la MLP, ``q = n_heads · head_dim``, ``kv = n_kv · head_dim``,
``a`` bytes del tipo de cálculo (2 en bf16/fp16, 4 en fp32), 4 bytes de fp32.

Por capa y por token:

- **RMSNorm** (×2): pasa la entrada a fp32 y guarda esa copia (``4h``) y ``1/rms`` (4 B); si su peso
  se entrena (ajuste completo) guarda también la entrada normalizada (``a·h``).
- **Atención sdpa**: guarda q (``a·q``), k y v (``a·kv`` cada uno; ``a·q`` si hay relleno, porque
  entonces `repeat_kv` los copia a todas las cabezas), la salida (``a·q``, que comparte almacenamiento
  con la entrada de `o_proj`) y el *logsumexp* (``4·n_heads``). RoPE guarda cos y sin, comunes a todas
  las capas. **eager**: q, k y v repetidos (``3a·q``), la salida y además las probabilidades de
  atención en fp32 (``4·n_heads·s``) y su copia en el tipo de cálculo (``a·n_heads·s``, si ``a≠4``):
  crece con el largo ``s``.
- **MLP SwiGLU**: la salida de `gate_proj` (la guarda SiLU), la de SiLU y la de `up_proj` (las guarda el
  producto): ``3a·i``.
- **Entradas de las lineales**: una lineal cuyo peso se entrena guarda su entrada. Con pesos
  congelados (LoRA, QLoRA) la capa base no guarda nada (`MatMul4Bit` guarda solo el peso de 4 bits, que
  ya se contó) y es `lora_A` quien guarda la entrada. Hay cuatro entradas: la de q/k/v (``a·h``), la de
  `o_proj` (ya guardada por la atención), la de gate/up (``a·h``) y la de `down_proj` (``a·i``).
- **LoRA** por lineal adaptada: la salida de `lora_A` (``a·r``, la guarda `lora_B`); con dropout > 0,
  la entrada con dropout (``a·in``) y la máscara, propias de cada lineal: en CUDA la máscara es
  booleana (1 B por elemento, `native_dropout`); en CPU PyTorch multiplica por un tensor de ruido del
  tipo de la entrada (``a`` B por elemento).

Fuera de las capas: la norma final (como una RMSNorm; su salida la guarda `lm_head` si se entrena),
cos y sin (``2·s·head_dim·a`` por secuencia, sin el lote), los índices (8 B por token si se entrenan
las incrustaciones) y las etiquetas desplazadas (8 B por token). Los logits van aparte.
Con *gradient checkpointing* (no reentrante) cada capa retiene solo sus entradas (``a·h`` por token, más
las posiciones, 8 B por posición, comunes) y se recalcula en el paso hacia atrás: el pico suma una capa.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Shape", "layer_linears", "layer_bytes_per_token", "outside_layers_bytes"]


@dataclass(frozen=True)
class Shape:
    """Las dimensiones de una arquitectura tipo Llama que importan para las activaciones."""

    hidden: int
    intermediate: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int

    @classmethod
    def from_config(cls, config) -> "Shape":
        c = config.get_text_config()
        heads = c.num_attention_heads
        head_dim = getattr(c, "head_dim", None) or c.hidden_size // heads
        return cls(hidden=c.hidden_size, intermediate=c.intermediate_size, layers=c.num_hidden_layers, heads=heads,
                   kv_heads=getattr(c, "num_key_value_heads", None) or heads, head_dim=head_dim,
                   vocab=c.vocab_size)

    @property
    def q(self) -> int:
        return self.heads * self.head_dim

    @property
    def kv(self) -> int:
        return self.kv_heads * self.head_dim


def layer_linears(shape: Shape) -> dict[str, tuple[int, int, str]]:
    """Las lineales de un bloque: nombre → (entrada, salida, entrada compartida a la que pertenece)."""
    h, i = shape.hidden, shape.intermediate
    return {"q_proj": (h, shape.q, "attn_in"), "k_proj": (h, shape.kv, "attn_in"), "v_proj": (h, shape.kv, "attn_in"),
            "o_proj": (shape.q, h, "attn_out"), "gate_proj": (h, i, "mlp_in"), "up_proj": (h, i, "mlp_in"),
            "down_proj": (i, h, "mlp_mid")}


def layer_bytes_per_token(shape: Shape, a: int, seq: int, full: bool, adapted: frozenset[str], lora_r: int,
                          lora_dropout: float, attn_implementation: str = "sdpa", padding: bool = False,
                          device: str = "cuda") -> float:
    """Bytes guardados por un bloque y por token (la fórmula del módulo).

    Args:
        shape: dimensiones del modelo.
        a: bytes por elemento del tipo de cálculo.
        seq: largo de la secuencia (solo la usa la atención eager).
        full: si se entrenan todos los pesos (ajuste completo).
        adapted: nombres de las lineales con LoRA (vacío en el ajuste completo).
        lora_r: rango de LoRA.
        lora_dropout: probabilidad de dropout de LoRA.
        attn_implementation: ``sdpa`` o ``eager``.
        padding: si el lote trae relleno (máscara explícita).
        device: ``cuda`` (máscara de dropout de 1 B) o ``cpu`` (máscara del tipo de la entrada).
    """
    h, i = shape.hidden, shape.intermediate
    norms = 2 * (4 * h + 4 + (a * h if full else 0))
    repeated = shape.heads > shape.kv_heads and (padding or attn_implementation == "eager")
    kv = shape.q if repeated else shape.kv
    attention = a * (shape.q + 2 * kv) + a * shape.q
    if attn_implementation == "eager":  # probabilidades de atención: crecen con el largo
        attention += shape.heads * seq * (4 + (a if a != 4 else 0))
    else:
        attention += 4 * shape.heads  # logsumexp en fp32
    mlp = 3 * a * i
    slots = {"attn_in": h, "attn_out": 0, "mlp_in": h, "mlp_mid": i}  # attn_out ya la guarda la atención
    linears = layer_linears(shape)
    needed: set[str] = set()
    lora = 0.0
    for name, (fan_in, _, slot) in linears.items():
        if full:
            needed.add(slot)
        elif name in adapted:
            lora += a * lora_r
            if lora_dropout > 0:
                lora += fan_in * (a + (1 if device == "cuda" else a))
            else:
                needed.add(slot)
    inputs = sum(a * slots[s] for s in needed)
    return norms + attention + mlp + inputs + lora


def outside_layers_bytes(shape: Shape, a: int, batch: int, seq: int, full: bool, padding: bool = False,
                         checkpointing: bool = False) -> float:
    """Bytes guardados fuera de los bloques (sin los logits) para un lote ``batch × seq``."""
    tokens = batch * seq
    final_norm = 4 * shape.hidden + 4 + (2 * a * shape.hidden if full else 0)  # normalizada + entrada de lm_head
    per_token = final_norm + 8 + (8 if full else 0)  # etiquetas desplazadas; índices si se entrenan las incrustaciones
    rope = 2 * seq * shape.head_dim * a
    mask = batch * seq * seq if padding else 0  # máscara booleana (batch, 1, s, s), común a todas las capas
    positions = 8 * seq if checkpointing else 0  # `position_ids` int64 que retiene cada punto de control
    return tokens * per_token + rope + mask + positions
