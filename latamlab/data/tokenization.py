"""Un tokenizador BPE propio y la fertilidad (*tokens* por palabra): cuánto cuesta cada idioma.

Se enseña en el cuaderno 02. `train_bpe` entrena un BPE a nivel de bytes (el tipo de tokenizador de GPT-2,
Llama 3, Qwen2 y SmolLM2) con la biblioteca `tokenizers` de Hugging Face; `latamlab.models.tiny` lo usa para
los modelos diminutos. `fertility` mide cuántos *tokens* gasta un tokenizador por palabra: a más fertilidad,
más cómputo, más costo por *token* y menos texto en la misma ventana de contexto.

Las funciones aceptan tanto un `tokenizers.Tokenizer` (lo que devuelve `train_bpe`) como un tokenizador de
transformers (el de `latamlab.load_model`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from latamlab.errors import ConfigError

__all__ = ["BYTE_ALPHABET_SIZE", "train_bpe", "encode", "count_words", "fertility", "token_pieces"]

#: Símbolos iniciales de un BPE a nivel de bytes: los 256 valores de un byte, así nada queda «desconocido».
BYTE_ALPHABET_SIZE = 256


def train_bpe(texts: Iterable[str], vocab_size: int, special_tokens: Sequence[str] = ("<|endoftext|>",)):
    """Entrena un tokenizador BPE a nivel de bytes con `texts`.

    Empieza con los 256 bytes como símbolos y fusiona, una y otra vez, el par de símbolos vecinos más
    frecuente del corpus hasta tener `vocab_size` *tokens*. Antes de contar pares, separa el texto en
    palabras (con su espacio inicial), como GPT-2: una fusión nunca cruza de una palabra a otra. El
    resultado es determinista: los mismos textos y el mismo tamaño dan el mismo vocabulario.

    Args:
        texts: textos de entrenamiento (p. ej., la división ``train`` de `latamlab.data.loaders.load_corpus`).
        vocab_size: tamaño del vocabulario final, contando los bytes y los *tokens* especiales. Si el corpus
            no da para tantas fusiones, el vocabulario queda más pequeño.
        special_tokens: *tokens* que nunca se parten (fin de texto, marcas de la plantilla de chat…).

    Returns:
        Un `tokenizers.Tokenizer` (envuélvelo en `transformers.PreTrainedTokenizerFast` para usarlo con un modelo).

    Raises:
        ConfigError: si `vocab_size` no alcanza para los 256 bytes y los especiales, o si `texts` está vacío.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    minimum = BYTE_ALPHABET_SIZE + len(special_tokens)
    if vocab_size < minimum:
        raise ConfigError(f"`vocab_size` debe ser al menos {minimum} (256 bytes + {len(special_tokens)} tokens "
                          f"especiales); recibí {vocab_size}.")
    texts = list(texts)
    if not any(t.strip() for t in texts):
        raise ConfigError("`texts` no tiene texto: pasa las oraciones de entrenamiento, p. ej., "
                          "load_corpus()['train']['texto'].")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(special_tokens),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def _is_backend(tokenizer: Any) -> bool:
    """``True`` para un `tokenizers.Tokenizer`, ``False`` para un tokenizador de transformers."""
    from tokenizers import Tokenizer

    if isinstance(tokenizer, Tokenizer):
        return True
    if callable(tokenizer) and hasattr(tokenizer, "decode"):
        return False
    raise ConfigError(f"`tokenizer` debe ser un tokenizers.Tokenizer o un tokenizador de transformers; recibí "
                      f"{type(tokenizer).__name__}.")


def encode(tokenizer: Any, texts: Iterable[str]) -> list[list[int]]:
    """Los ids de *token* de cada texto, sin *tokens* especiales (ni inicio ni fin de secuencia)."""
    texts = list(texts)
    if _is_backend(tokenizer):
        return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    return list(tokenizer(texts, add_special_tokens=False)["input_ids"]) if texts else []


def count_words(text: str) -> int:
    """Palabras de `text`: los trozos separados por espacios en blanco (``str.split``).

    La puntuación cuenta con su palabra: «casa.» y «¿Cuánto» son una palabra cada una.
    """
    return len(text.split())


def fertility(tokenizer: Any, texts: Iterable[str]) -> float:
    """Fertilidad de `tokenizer` en `texts`: *tokens* por palabra.

    Se tokeniza cada texto entero, sin *tokens* especiales, como lo vería el modelo; las palabras son las
    de `count_words`. Es el cociente de los totales (*tokens* de todos los textos / palabras de todos los
    textos), no el promedio de los cocientes: un texto largo pesa más que uno corto.

    Args:
        tokenizer: un `tokenizers.Tokenizer` o un tokenizador de transformers.
        texts: los textos, p. ej., ``load_parallel()["es"]``.

    Returns:
        Un número ≥ 0; 1,0 quiere decir un *token* por palabra.

    Raises:
        ConfigError: si `texts` no tiene ninguna palabra o `tokenizer` no es de un tipo conocido.
    """
    texts = list(texts)
    words = sum(count_words(t) for t in texts)
    if words == 0:
        raise ConfigError(f"`texts` no tiene palabras ({len(texts)} textos vacíos o en blanco): la fertilidad "
                          "se mide sobre texto con al menos una palabra.")
    return sum(len(ids) for ids in encode(tokenizer, texts)) / words


def token_pieces(tokenizer: Any, ids: Iterable[int]) -> list[str]:
    """El texto de cada *token* decodificado por separado.

    Un BPE a nivel de bytes puede partir una letra de varios bytes («ñ», «á», «ü») en dos *tokens*: cada
    mitad sola no es texto válido y se muestra como «�».
    """
    _is_backend(tokenizer)
    return [tokenizer.decode([int(i)]) for i in ids]
