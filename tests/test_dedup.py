"""Normalización y casi duplicados: exactitud frente a fuerza bruta y el umbral documentado."""

from __future__ import annotations

import random

import pytest

from latamlab.data.dedup import THRESHOLD, clusters, jaccard, near_duplicate_pairs, normalize, trigrams


def test_normalize_lowercases_strips_accents_punctuation_and_spaces():
    assert normalize("¿Qué  es el IVA?\t¡Dímelo!") == "que es el iva dimelo"
    assert normalize("Pingüino_ñandú") == "pinguino nandu"
    assert normalize("¿Sabés?", keep_accents=True) == "sabés"
    assert normalize("") == ""


def test_trigrams_are_padded_and_normalized():
    assert trigrams("Sí") == frozenset({" si", "si "})
    assert trigrams("¡!") == frozenset()
    assert trigrams("ABC") == trigrams("abc")


def test_jaccard_edge_cases():
    assert jaccard(frozenset(), frozenset()) == 0.0
    assert jaccard(frozenset("ab"), frozenset("bc")) == pytest.approx(1 / 3)


def _brute_force(texts, threshold, blocks=None):
    grams = [trigrams(t) for t in texts]
    return [
        (i, j)
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if (blocks is None or blocks[i] == blocks[j]) and jaccard(grams[i], grams[j]) >= threshold
    ]


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = "el la de que en un banco tasa ahorro crédito país peso dólar cuota mes año plata lana".split()
    base = [" ".join(rng.choices(words, k=rng.randint(3, 12))) for _ in range(n)]
    # Variantes cercanas de algunos textos: una palabra cambiada o agregada.
    return base + [t + " " + rng.choice(words) for t in base[: n // 3]]


@pytest.mark.parametrize("threshold", [0.3, 0.6, 0.9])
@pytest.mark.parametrize("chunk", [7, 1024])
def test_pairs_match_brute_force(threshold, chunk):
    texts = _texts(60, seed=threshold * 10)
    found = near_duplicate_pairs(texts, threshold, chunk=chunk)
    assert [(i, j) for i, j, _ in found] == _brute_force(texts, threshold)
    assert all(score >= threshold for *_, score in found)


def test_blocks_only_compare_within_the_same_block():
    texts = _texts(40, seed=3)
    blocks = [k % 3 for k in range(len(texts))]
    found = [(i, j) for i, j, _ in near_duplicate_pairs(texts, 0.5, blocks=blocks, chunk=5)]
    assert found == _brute_force(texts, 0.5, blocks)


def test_bad_arguments_say_what_was_received():
    with pytest.raises(ValueError, match=r"`threshold` debe estar en \(0, 1\]; recibí 0"):
        near_duplicate_pairs(["a"], 0)
    with pytest.raises(ValueError, match="`blocks` debe tener 2 elementos; recibí 1"):
        near_duplicate_pairs(["a", "b"], blocks=["x"])


def test_empty_inputs():
    assert near_duplicate_pairs([]) == []
    assert near_duplicate_pairs(["", "¿?", ""]) == []


# Los ejemplos del docstring de latamlab.dedup: el umbral 0.6 separa reformulaciones de plantillas.
SAME_CONTENT = [
    ("¿Cuál es la diferencia entre Colpensiones y los fondos privados de pensiones?",
     "¿Qué diferencia hay entre Colpensiones y los fondos privados de pensiones?"),
    ("¿Qué es la tasa de usura en Colombia y quién la fija?", "¿Quién fija la tasa de usura en Colombia y qué es?"),
    ("¿Quién mide la inflación en Colombia y qué es el IPC?", "¿Quién mide la inflación en México y qué es el INPC?"),
]
TEMPLATE_OTHER_FACTS = [
    ("Más de tres mil personas participaron en la carrera de diez kilómetros en San Salvador.",
     "Más de dos mil personas participaron en la carrera de San Blas en Coamo."),
    ("Un vendedor de tereré en el centro de Asunción calcula cuántos litros de agua con hielo necesita "
     "por día según la temperatura.",
     "Un vendedor de mote con huesillo en Santiago calcula cuántos litros necesita según la temperatura del día."),
    ("¿Cuál es la diferencia entre pagar el mínimo de la tarjeta de crédito y pagar el total?",
     "¿Qué diferencia hay entre una tarjeta débito y una tarjeta de crédito?"),
]


@pytest.mark.parametrize(("a", "b"), SAME_CONTENT)
def test_rephrasings_are_near_duplicates(a, b):
    assert jaccard(trigrams(a), trigrams(b)) >= THRESHOLD
    assert [(i, j) for i, j, _ in near_duplicate_pairs([a, b])] == [(0, 1)]


@pytest.mark.parametrize(("a", "b"), TEMPLATE_OTHER_FACTS)
def test_same_template_with_other_facts_is_not_a_duplicate(a, b):
    assert jaccard(trigrams(a), trigrams(b)) < THRESHOLD


def test_clusters_join_chains_and_label_with_smallest_index():
    assert clusters(5, [(0, 3, 0.9), (3, 4, 0.7)]) == [0, 1, 2, 0, 0]
    assert clusters(3, []) == [0, 1, 2]


def test_cross_pairs_only_pairs_left_with_right():
    from latamlab.data.dedup import cross_pairs

    left = ["¿Qué es la tasa de usura en Colombia?", "¿Qué es la tasa de usura en Colombia hoy?"]
    right = ["Háblame del clima en Lima", "¿Qué es la tasa de usura en Colombia?"]
    assert [(i, j) for i, j, _ in cross_pairs(left, right)] == [(0, 1), (1, 1)]


def test_pair_kind_tells_exact_from_near():
    from latamlab.data.dedup import pair_kind

    assert pair_kind("¡Hola, Bogotá!", "hola bogota", 1.0) == "duplicado exacto"
    assert pair_kind("hola bogota", "hola bogotá hoy", 0.714) == "casi duplicado (similitud 0.71)"
