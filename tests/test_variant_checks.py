"""Distractores que delatan la respuesta, línea base «descarta la opción de otro país» y división privada."""

from __future__ import annotations

import pytest

from latamlab.data.baselines import other_country_accuracy, other_country_options
from latamlab.data.giveaways import (accepted_in_stem, answer_in_stem, dead_filler, giveaway_issues, leak_report,
                                     number_leak, stock_distractors, vosotros_form)
from latamlab.data.jsonl import read_jsonl
from latamlab.data.loaders import data_root
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
    ("abacate", "abacate"), ("Avocado", "avocado"), ("ônibus", "ônibus"), ("palta", None), ("aguacate", None),
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


def _mc(pregunta: str, opciones: list[str], respuesta: int = 0, aceptadas=(), id_: str = "var-xx-001") -> dict:
    return {"id": id_, "pregunta": pregunta, "opciones": opciones, "respuesta": respuesta,
            "respuestas_aceptadas": [opciones[respuesta], *aceptadas]}


def test_number_leak_flags_the_only_plural_key():
    bad = _mc("Una abuela llama a sus nietos: «¡___ a la mesa!» (venir)", ["Vengan", "Venga", "Ven", "Vení"])
    assert number_leak(bad).startswith("var-xx-001: la clave 'Vengan' es la única opción en plural")
    # Otra opción en plural, o un enunciado sin plural: ya no se acierta por concordancia.
    assert number_leak(_mc(bad["pregunta"], ["Vengan", "Venga", "Vinieron", "Vení"])) is None
    assert number_leak(_mc("Un hombre llama a su amigo: «¡___!» (venir)", bad["opciones"])) is None
    assert number_leak(_mc("¿Qué son las tantawawas de Todos Santos?", ["muñecos de pan", "velas", "máscaras", "coronas"])) is None


def test_answer_in_stem_compares_the_key_with_the_distractors():
    bad = _mc("Con voseo, ¿qué pronombre completa «es para ___»?", ["vos", "ti", "te", "usted"])
    assert answer_in_stem(bad).startswith("var-xx-001: las palabras de la clave 'vos' ya están en el enunciado")
    assert answer_in_stem(_mc("Entre amigos, ¿qué pronombre completa «es para ___»?", bad["opciones"])) is None
    # «Carmen» está en todas las opciones: no es una palabra propia de la clave.
    same = _mc("¿Cómo se menciona a una amiga llamada Carmen?", ["la Carmen", "doña Carmen", "señora Carmen", "mi Carmen"])
    assert answer_in_stem(same) is None


def test_accepted_in_stem_finds_the_stem_word_with_other_gender_or_accent():
    assert accepted_in_stem(_mc("¿Qué significa «shuco»?", ["sucio", "flaco", "cansado", "enojado"], aceptadas=["shuca"]))
    assert accepted_in_stem(_mc("¿Qué es el «jopara»?", ["mezcla", "x", "y", "z"], aceptadas=["jopará"]))
    # La clave misma no cuenta (eso es `answer_in_stem`), ni palabras sueltas en otro orden («más nada»).
    assert accepted_in_stem(_mc("¿Cómo dice «no quiero nada más»?", ["No quiero más nada", "x", "y", "z"],
                                aceptadas=["más nada"])) is None
    assert accepted_in_stem(_mc("¿Qué significa «shuco»?", ["sucio", "flaco", "cansado", "enojado"],
                                aceptadas=["sucia", "mugroso"])) is None


def test_stock_distractor_needs_many_items_and_almost_never_the_key():
    # La clave rota entre tú, vos y usted; «sumercé» es distractor en los 10 ítems y nunca la clave.
    items = [_mc("¿?", ["tú", "sumercé", "vos", "usted"], (0, 2, 3)[n % 3], id_=f"var-xx-{n:03d}") for n in range(10)]
    assert stock_distractors(items) == {"sumercé": [f"var-xx-{n:03d}" for n in range(10)]}
    assert stock_distractors(items[:9]) == {}  # en 9 ítems todavía no es un comodín
    # Si también es la clave de 2 ítems (2 de 12 apariciones, más del 10 %), compite de verdad.
    keys = [_mc("¿?", ["sumercé", "tú", "vos", "usted"], id_=f"var-co-{n:03d}") for n in range(2)]
    assert stock_distractors(items + keys[:1]) != {} and stock_distractors(items + keys) == {}
    report = leak_report(items, excused={})
    assert len(report["comodin"]) == 10 and report["comodin"][0].startswith("var-xx-000: el distractor 'sumercé'")
    assert leak_report(items, excused={("comodin", "var-xx-000"): "prueba"})["comodin"][0].startswith("var-xx-001")


def test_committed_variants_have_no_unexcused_giveaways():
    items = [r.data for r in read_jsonl(data_root() / "variantes" / "variantes.jsonl")]
    assert leak_report(items) == {name: [] for name in leak_report([])}
