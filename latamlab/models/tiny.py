"""Modelos diminutos (modo ``diminuto``) construidos aquí en segundos.

Receta: un tokenizador BPE a nivel de bytes entrenado con el corpus del curso, una configuración
Llama o Qwen2 muy pequeña y un preentrenamiento breve para que el modelo emita texto con aspecto
de español. Misma semilla → mismos pesos. Se usa en las pruebas y se enseña en el cuaderno 02.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal

import torch

from latamlab.errors import ConfigError
from latamlab.runtime.notebook import progress

__all__ = ["TinyConfig", "CHAT_TEMPLATE", "SPECIAL_TOKENS", "train_tokenizer", "build_tiny_model"]

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@dataclass(frozen=True)
class TinyConfig:
    """Tamaño y entrenamiento de un modelo diminuto.

    Args:
        vocab_size: tamaño del vocabulario BPE.
        hidden_size: ancho del modelo (múltiplo de 64 para poder cuantizar en bloques de 64).
        intermediate_size: ancho de la capa MLP.
        num_layers: capas del transformador.
        num_heads: cabezas de atención.
        num_kv_heads: cabezas de claves/valores (atención agrupada).
        block_size: tokens por ejemplo de preentrenamiento.
        batch_size: ejemplos por paso.
        steps: pasos de preentrenamiento.
        lr: tasa de aprendizaje de AdamW.
        seed: semilla; la misma semilla da los mismos pesos.
    """

    vocab_size: int = 2048
    hidden_size: int = 128
    intermediate_size: int = 384
    num_layers: int = 2
    num_heads: int = 4
    num_kv_heads: int = 2
    block_size: int = 64
    batch_size: int = 16
    steps: int = 200
    lr: float = 3e-3
    seed: int = 0

    def __post_init__(self) -> None:
        if self.hidden_size % 64:
            raise ConfigError(f"`hidden_size` debe ser múltiplo de 64; recibí {self.hidden_size}.")
        if self.hidden_size % self.num_heads or self.num_heads % self.num_kv_heads:
            raise ConfigError(
                f"`hidden_size` ({self.hidden_size}) debe ser divisible por `num_heads` ({self.num_heads}) "
                f"y `num_heads` por `num_kv_heads` ({self.num_kv_heads})."
            )


def train_tokenizer(texts: Iterable[str], vocab_size: int = 2048):
    """Entrena un tokenizador BPE a nivel de bytes (`latamlab.data.tokenization.train_bpe`) con `texts`.

    Returns:
        Un `PreTrainedTokenizerFast` con plantilla de chat estilo ChatML.
    """
    from transformers import PreTrainedTokenizerFast

    from latamlab.data.tokenization import train_bpe

    tok = train_bpe(texts, vocab_size, special_tokens=SPECIAL_TOKENS)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        bos_token=None,
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def _model_config(arch: str, cfg: TinyConfig, tokenizer):
    from transformers import LlamaConfig, Qwen2Config

    common = dict(
        vocab_size=len(tokenizer),
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        num_key_value_heads=cfg.num_kv_heads,
        max_position_embeddings=4 * cfg.block_size,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    if arch == "llama":
        return LlamaConfig(**common)
    if arch == "qwen2":
        return Qwen2Config(**common)
    raise ConfigError(f"`arch` debe ser llama o qwen2; recibí {arch!r}.")


def _blocks(tokenizer, texts: list[str], block_size: int) -> torch.Tensor:
    ids: list[int] = []
    for text in texts:
        ids.extend(tokenizer(text)["input_ids"] + [tokenizer.eos_token_id])
    n = len(ids) // block_size
    return torch.tensor(ids[: n * block_size]).view(n, block_size)


def build_tiny_model(
    arch: Literal["llama", "qwen2"],
    dest: Path,
    texts: list[str] | None = None,
    config: TinyConfig = TinyConfig(),
) -> Path:
    """Construye, preentrena y guarda un modelo diminuto con su tokenizador en `dest`.

    Args:
        arch: arquitectura, ``llama`` o ``qwen2``.
        dest: carpeta de salida.
        texts: textos de entrenamiento; por defecto, la división ``train`` del corpus del curso.
        config: tamaño y entrenamiento.

    Returns:
        `dest`, con ``config.json``, ``model.safetensors`` y el tokenizador.
    """
    from transformers import AutoModelForCausalLM, GenerationConfig

    if texts is None:
        from latamlab.data.loaders import load_corpus

        texts = list(load_corpus()["train"]["texto"])
    torch.manual_seed(config.seed)
    tokenizer = train_tokenizer(texts, config.vocab_size)
    model = AutoModelForCausalLM.from_config(_model_config(arch, config, tokenizer), dtype=torch.float32)
    data = _blocks(tokenizer, texts, config.block_size)
    gen = torch.Generator().manual_seed(config.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=config.lr, total_steps=config.steps, pct_start=0.1)
    model.train()
    with progress(total=config.steps, desc=f"Preentrenando diminuto-{arch}") as bar:
        for _ in range(config.steps):
            batch = data[torch.randint(len(data), (config.batch_size,), generator=gen)]
            loss = model(input_ids=batch, labels=batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            bar.set_postfix_str(f"pérdida {loss.item():.3f}")
            bar.update()
    model.eval()
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, do_sample=False
    )
    model.save_pretrained(dest)
    tokenizer.save_pretrained(dest)
    return dest
