"""Distractores que delatan la respuesta, línea base «descarta la opción de otro país» y división privada."""

from __future__ import annotations

import pytest

from latamlab.data.baselines import other_country_accuracy, other_country_options
from latamlab.data.giveaways import dead_filler, giveaway_issues, vosotros_form
from latamlab.data.private import is_private, split_private
from latamlab.errors import ConfigError


@pytest.mark.parametrize(("option", "grammar", "found"), [
    ("vosotros", False, "vosotros"), ("Ya os lo dije", False, "os"), ("vuestra", False, "vuestra"),
    ("tenéis", False, "tenéis"), ("¿Qué queréis vosotros?", False, "vosotros"), ("¿Dónde vivéis?", False, "vivéis"), ("hicisteis", False, "hicisteis"),
    ("sois", False, "sois"), ("venid", True, "venid"), ("sentaos", True, "sentaos"),
    # Formas vivas en América: voseo («tenís», «vivís», «sos»), usted y palabras que solo terminan igual.
    ("tenís", True, None), ("vivís", True, None), ("sos", True, None), ("usted", True, None),
    ("vusted", True, None), ("venid", False, None), ("verdad", False, None), ("seis", False, None),
    ("país", False, None), ("cariño", False, None),
])
def test_vosotros_form(option, grammar, found):
    assert vosotros_form(option, grammar) == found


@pytest.mark.parametrize(("option", "found"), [
    ("vusted", "vusted"), ("Vuestra merced", "vuestra merced"), ("morango", "morango"), ("chimarrão", "chimarrão"),
    ("sumercé", None), ("frutilla", None), ("niño", None), ("pytã", None),
])
def test_dead_filler(option, found):
    assert dead_filler(option) == found


def test_giveaway_issues_skip_the_key():
    item = {"categoria": "gramatica", "opciones": ["sois", "sos", "vosotros", "vusted"], "respuesta": 0}
    issues = giveaway_issues(item)
    assert [what.split("'")[1] for what, _ in issues] == ["vosotros", "vusted"]


def _item(pais: str, categoria: str, opciones: list[str], respuesta: int = 0, aceptadas=()) -> dict:
    return {"pais": pais, "categoria": categoria, "opciones": opciones, "respuesta": respuesta,
            "respuestas_aceptadas": [opciones[respuesta], *aceptadas]}


def test_other_country_baseline_by_hand():
    items = [
        _item("AR", "lexico", ["colectivo", "guagua", "camión", "buseta"]),      # descarta guagua y camión: 1/2
        _item("CU", "lexico", ["guagua", "Colectivo", "bondi", "micro"]),         # descarta colectivo: 1/3
        _item("MX", "lexico", ["camión", "guagua", "colectivo", "micro"]),        # descarta guagua y colectivo: 1/2
        _item("GT", "gramatica", ["vos", "tú", "usted", "sumercé"]),              # tú (MX) y sumercé (CO): 1/2
        _item("AR", "gramatica", ["vos", "tú", "che", "usted"]),                  # descarta tú: 1/3
        _item("MX", "gramatica", ["tú", "vos", "usted", "sumercé"]),              # vos (AR, GT) y sumercé: 1/2
        _item("CO", "gramatica", ["sumercé", "vos", "tú", "colectivo"], aceptadas=["su merced"]),  # vos y tú: 1/2
        # «guagua» es la clave de Cuba y también la de este ítem de PR: no se descarta; nada más es clave: 1/4.
        _item("PR", "lexico", ["bondi", "guagua", "micro", "ómnibus"], respuesta=1),
    ]
    dropped = other_country_options(items)
    assert dropped[:3] == [{1, 2}, {1}, {1, 2}]
    assert dropped[3] == {1, 3} and dropped[4] == {1} and dropped[5] == {1, 3}
    # «colectivo» es clave de léxico, no de gramática: la regla compara dentro de la categoría.
    assert dropped[6] == {1, 2}
    assert dropped[7] == set()
    expected = (1 / 2 + 1 / 3 + 1 / 2 + 1 / 2 + 1 / 3 + 1 / 2 + 1 / 2 + 1 / 4) / 8
    assert other_country_accuracy(items) == pytest.approx(expected)
    assert other_country_accuracy([]) == 0.0


def test_other_country_baseline_never_drops_the_key():
    items = [_item("AR", "lexico", ["a", "b", "c", "d"]), _item("UY", "lexico", ["b", "a", "x", "y"]),
             _item("CL", "lexico", ["c", "a", "x", "y"]), _item("PE", "lexico", ["d", "a", "x", "y"])]
    assert other_country_options(items)[0] == {1, 2, 3}
    assert other_country_accuracy(items) == pytest.approx((1 + 1 / 3 + 1 / 3 + 1 / 3) / 4)


def test_private_split_is_stable_and_close_to_the_fraction():
    ids = [f"var-mx-{n:03d}" for n in range(1000)] + [f"var-ar-{n:03d}" for n in range(1000)]
    chosen = {i for i in ids if is_private(i, "sal-de-prueba")}
    assert abs(len(chosen) / len(ids) - 0.2) < 0.03
    # Cada ítem depende solo de su id: agregar ítems no cambia la suerte de los anteriores.
    public, private = split_private([{"id": i} for i in ids[:500]], "sal-de-prueba")
    assert {r["id"] for r in private} == chosen & set(ids[:500])
    assert [r["id"] for r in public + private] != [] and len(public) + len(private) == 500
    assert {i for i in ids if is_private(i, "otra-sal")} != chosen
    assert not any(is_private(i, "s", 0.0) for i in ids[:50]) and all(is_private(i, "s", 1.0) for i in ids[:50])


@pytest.mark.parametrize(("salt", "fraction", "word"), [("", 0.2, "`salt`"), ("s", 1.5, "`fraction`")])
def test_private_split_rejects_bad_arguments(salt, fraction, word):
    with pytest.raises(ConfigError, match=word):
        is_private("var-mx-001", salt, fraction)
