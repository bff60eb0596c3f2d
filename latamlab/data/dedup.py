"""Normalización de texto y detección de casi duplicados con trigramas de caracteres.

Dos textos son *casi duplicados* si la similitud de Jaccard entre sus conjuntos de trigramas
de caracteres (tras :func:`normalize`) es al menos ``THRESHOLD`` = 0.6.

Por qué 0.6 (medido sobre los borradores: 2577 oraciones del corpus, 680 instrucciones de
finanzas y 643 ítems de variantes, buscando todos los pares con similitud ≥ 0.35):

* Textos distintos del mismo país nunca llegan a 0.6. Los más parecidos (0.45–0.56) son una
  plantilla con otros hechos: «Más de tres mil personas participaron en la carrera de diez
  kilómetros en San Salvador» / «Más de dos mil personas participaron en la carrera de San Blas
  en Coamo» (0.56) o «Un vendedor de tereré en el centro de Asunción calcula…» / «Un vendedor de
  mote con huesillo en Santiago calcula…» (0.54). Son ejemplos legítimos: no se borran.
* Reformular la misma pregunta da 0.64–0.90: «¿Cuál es la diferencia entre Colpensiones y los
  fondos privados…?» / «¿Qué diferencia hay entre Colpensiones y los fondos privados…?» (0.72),
  «¿Qué es la tasa de usura… y quién la fija?» / «¿Quién fija la tasa de usura… y qué es?»
  (0.90) o el mismo ejercicio con otras cifras (0.80). Si uno queda en *train* y otro en
  *test*, el modelo ve la prueba al entrenar: dentro de un país se borra el segundo.
* La misma pregunta en otro país cae a ambos lados del umbral: «¿Qué es el IVA en Chile y cuál
  es su tasa?» / «¿Qué es el IGV y cuál es su tasa en Perú?» (0.596), «¿Quién mide la inflación
  en Colombia y qué es el IPC?» / «…en México y qué es el INPC?» (0.64). Por eso entre países no
  se borra nada (``blocks``); solo se mantienen juntos en la misma división.
* En variantes se compara «pregunta | respuesta correcta»: con la pregunta sola, «En Argentina,
  ¿qué es un «pibe»?» / «…un «pucho»?» ya dan 0.72 siendo ítems distintos; con la respuesta, el
  par más parecido de los 643 borradores queda en 0.50.

Cómo se buscan los pares: los trigramas de caracteres tienen un vocabulario pequeño (unos
4000 en el corpus del curso), así que casi cualquier par de oraciones comparte trigramas comunes
y los filtros con índice invertido descartan poco (medido: el filtro de prefijos de PPJoin
todavía verificaba entre el 17 % y el 58 % de todos los pares). Por eso
:func:`near_duplicate_pairs` cuenta los trigramas compartidos de todos los pares a la vez, como
un producto de matrices binarias por bloques (numpy/BLAS), y luego confirma cada par con
conjuntos de Python: es exacto y tarda alrededor de un segundo con 3500 textos. Se usa en
``latamlab.validate`` y ``scripts/construir_datos.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence

import numpy as np

from latamlab.errors import ConfigError

__all__ = ["THRESHOLD", "normalize", "trigrams", "jaccard", "near_duplicate_pairs", "cross_pairs", "pair_kind",
           "clusters"]

THRESHOLD = 0.6
_NOT_WORD = re.compile(r"[^\w]+|_")


def normalize(text: str, keep_accents: bool = False) -> str:
    """Normaliza un texto para comparar: minúsculas, sin tildes, sin puntuación, espacios simples.

    Args:
        text: texto original.
        keep_accents: si es ``True`` conserva tildes y diéresis (``"sabés"`` ≠ ``"sabes"``);
            sirve para comparar respuestas donde la tilde cambia la forma (voseo).

    Returns:
        El texto normalizado, por ejemplo ``"¿Qué  es el IVA?"`` → ``"que es el iva"``.
    """
    text = unicodedata.normalize("NFC", text.casefold())
    if not keep_accents:
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", text).split())


def trigrams(text: str) -> frozenset[str]:
    """Devuelve los trigramas de caracteres del texto normalizado, con un espacio en cada borde.

    Args:
        text: texto original (se normaliza aquí).

    Returns:
        El conjunto de trigramas; para textos vacíos, un conjunto vacío.
    """
    norm = normalize(text)
    if not norm:
        return frozenset()
    padded = f" {norm} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Similitud de Jaccard |A ∩ B| / |A ∪ B| entre dos conjuntos (0.0 si ambos están vacíos).

    Args:
        a: primer conjunto de trigramas.
        b: segundo conjunto de trigramas.

    Returns:
        Un número entre 0 y 1.
    """
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _check_threshold(threshold: float) -> None:
    if not 0 < threshold <= 1:
        raise ConfigError(
            f"`threshold` debe estar en (0, 1]; recibí {threshold}. Prueba con el valor del curso, {THRESHOLD}."
        )


def _incidence(*groups: Sequence[set[str]]) -> list[np.ndarray]:
    """Una matriz 0/1 (texto × trigrama) por grupo de conjuntos de trigramas, con un vocabulario común."""
    vocab: dict[str, int] = {}
    cells = [[(i, vocab.setdefault(g, len(vocab))) for i, gs in enumerate(grams) for g in gs] for grams in groups]
    matrices = []
    for grams, group_cells in zip(groups, cells):
        matrix = np.zeros((len(grams), len(vocab)), dtype=np.float32)
        if group_cells:
            rows, cols = zip(*group_cells)
            matrix[list(rows), list(cols)] = 1.0
        matrices.append(matrix)
    return matrices


def _jaccard_matrix(left: np.ndarray, right: np.ndarray, left_sizes: np.ndarray,
                    right_sizes: np.ndarray) -> np.ndarray:
    """Jaccard de cada fila de `left` con cada fila de `right` (trigramas compartidos, exactos en float32)."""
    common = left @ right.T
    union = left_sizes[:, None] + right_sizes[None, :] - common
    return np.divide(common, union, out=np.zeros_like(common), where=union > 0)


def near_duplicate_pairs(
    texts: Sequence[str],
    threshold: float = THRESHOLD,
    blocks: Sequence[Hashable] | None = None,
    chunk: int = 1024,
) -> list[tuple[int, int, float]]:
    """Encuentra todos los pares de textos con Jaccard de trigramas ≥ ``threshold``.

    Args:
        texts: textos que se comparan entre sí.
        threshold: similitud mínima, entre 0 (excluido) y 1.
        blocks: si se da, una clave por texto; solo se comparan textos con la misma clave
            (por ejemplo, el país en el conjunto de variantes).
        chunk: filas por bloque del producto de matrices (limita la memoria).

    Returns:
        Tuplas ``(i, j, similitud)`` con ``i < j``, ordenadas por ``(i, j)``.

    Raises:
        ConfigError: si ``threshold`` no está en (0, 1] o ``blocks`` no tiene el largo de ``texts``.
    """
    _check_threshold(threshold)
    if blocks is not None and len(blocks) != len(texts):
        raise ConfigError(
            f"`blocks` debe tener {len(texts)} elementos; recibí {len(blocks)}. Da una clave por texto, en el mismo orden."
        )
    grams = [trigrams(t) for t in texts]
    (matrix,) = _incidence(grams)
    sizes = matrix.sum(axis=1)
    keys = {key: k for k, key in enumerate(dict.fromkeys(blocks or []))}
    block_ids = np.array([keys[b] for b in blocks]) if blocks is not None else None
    pairs: list[tuple[int, int, float]] = []
    for start in range(0, len(texts), chunk):
        stop = min(start + chunk, len(texts))
        score = _jaccard_matrix(matrix[start:stop], matrix[start:], sizes[start:stop], sizes[start:])
        keep = (score >= threshold - 1e-6) & np.triu(np.ones_like(score, dtype=bool), k=1)
        if block_ids is not None:
            keep &= block_ids[start:stop, None] == block_ids[None, start:]
        for a, b in zip(*np.nonzero(keep)):
            i, j = start + int(a), start + int(b)
            exact = jaccard(grams[i], grams[j])
            if exact >= threshold:
                pairs.append((i, j, exact))
    return sorted(pairs)


def cross_pairs(
    left: Sequence[str], right: Sequence[str], threshold: float = THRESHOLD
) -> list[tuple[int, int, float]]:
    """Pares casi duplicados entre dos listas (por ejemplo, preguntas de evaluación e instrucciones).

    Compara solo cada texto de `left` con cada uno de `right` (no los de una misma lista entre sí), así que
    cuesta ``len(left) × len(right)`` y no el cuadrado del total.

    Returns:
        Tuplas ``(i, j, similitud)`` con ``i`` índice en `left` y ``j`` índice en `right`, ordenadas.

    Raises:
        ConfigError: si ``threshold`` no está en (0, 1].
    """
    _check_threshold(threshold)
    grams_left, grams_right = [trigrams(t) for t in left], [trigrams(t) for t in right]
    left_matrix, right_matrix = _incidence(grams_left, grams_right)
    score = _jaccard_matrix(left_matrix, right_matrix, left_matrix.sum(axis=1), right_matrix.sum(axis=1))
    pairs = []
    for a, b in zip(*np.nonzero(score >= threshold - 1e-6)):
        exact = jaccard(grams_left[int(a)], grams_right[int(b)])
        if exact >= threshold:
            pairs.append((int(a), int(b), exact))
    return sorted(pairs)


def pair_kind(a: str, b: str, score: float) -> str:
    """Describe un par encontrado: «duplicado exacto» (igual tras normalizar) o «casi duplicado (similitud …)»."""
    return "duplicado exacto" if normalize(a) == normalize(b) else f"casi duplicado (similitud {score:.2f})"


def clusters(size: int, pairs: Sequence[tuple[int, int, float]]) -> list[int]:
    """Agrupa índices unidos por pares (componentes conexas) con *union-find*.

    Args:
        size: cuántos elementos hay (índices ``0..size-1``).
        pairs: pares ``(i, j, ...)`` que deben quedar en el mismo grupo.

    Returns:
        Para cada índice, la etiqueta de su grupo: el índice más pequeño del grupo.
    """
    parent = list(range(size))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, *_ in pairs:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [root(x) for x in range(size)]
