"""Presentaciones de los talleres: figuras exportadas de los cuadernos, HTML sin internet y prueba en Chromium."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SLIDES = ROOT / "slides"
CAPTURES = ROOT / "salidas" / "capturas"
MODULES = [f"{n:02d}" for n in range(9)]
# Identificadores de espacios de nombres de XML (xmlns de SVG y XHTML): el navegador no los descarga.
XML_NAMESPACES = re.compile(r"^http://www\.w3\.org/(2000/svg|1999/xhtml|1999/xlink|1998/Math/MathML)$")
URL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"'()<>]*", re.IGNORECASE)


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # las dataclasses del módulo lo buscan aquí
    spec.loader.exec_module(module)
    return module


exportar = _load_script("exportar_figuras")
revisar = _load_script("revisar_presentaciones")


def test_exported_figures_are_the_notebooks_own_pngs(tmp_path):
    index = exportar.export_figures(ROOT / "notebooks", tmp_path)
    assert index, "los cuadernos ejecutados deberían traer figuras"
    for name, entry in index.items():
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.png", name), name
        cell = json.loads((ROOT / "notebooks" / entry["notebook"]).read_text(encoding="utf-8"))["cells"][entry["cell"]]
        pngs = [base64.b64decode("".join(o["data"]["image/png"])) for o in cell["outputs"]
                if "image/png" in o.get("data", {})]
        assert (tmp_path / name).read_bytes() in pngs
    again = exportar.export_figures(ROOT / "notebooks", tmp_path / "otra")
    assert list(again) == list(index), "los nombres deben ser estables entre corridas"


def test_figure_label_prefers_pinned_name_then_title():
    assert exportar.figure_label('# figura: mi gráfico\nbar_chart(d, "eje", "Título largo del gráfico")', 3) == "mi gráfico"
    assert exportar.figure_label('ax.set_title("Pérdida")\nax.set_ylabel("pérdida de validación")', 3) == "Pérdida"
    assert exportar.figure_label('bar_chart(d, "memoria (MiB)", "Huella de memoria")\nprint("un texto muy largo")', 3) \
        == "Huella de memoria"
    assert exportar.slug("Huella de memoria (MiB) por precisión") == "huella_de_memoria_mib_por"


def test_every_module_has_a_deck_with_speaker_notes():
    for number in MODULES:
        decks = list(SLIDES.glob(f"{number}_*.md"))
        assert len(decks) == 1, f"falta la presentación del módulo {number} (o hay más de una)"
        text = decks[0].read_text(encoding="utf-8")
        assert text.startswith("---\nmarp: true"), decks[0].name
        notes = [c for c in re.findall(r"<!--(.*?)-->", text, re.DOTALL) if not re.match(r"\s*_?\w+:", c)]
        assert len(notes) >= 5, f"{decks[0].name}: pocas notas del instructor ({len(notes)})"
        assert "http://" not in text and "https://" not in text, f"{decks[0].name} nombra una dirección de internet"


def _node_ready() -> str | None:
    if shutil.which("node") is None:
        return "no hay Node.js: instálalo para construir las presentaciones (apt-get install nodejs npm)"
    if not (SLIDES / "node_modules" / "@marp-team" / "marp-cli").is_dir():
        return "Marp no está instalado en slides/node_modules: ejecuta «make slides» (npm ci) una vez"
    return None


@pytest.fixture(scope="module")
def built_decks(tmp_path_factory) -> list[Path]:
    if reason := _node_ready():
        pytest.skip(reason)
    exportar.export_figures(ROOT / "notebooks", SLIDES / "figuras")
    out = tmp_path_factory.mktemp("presentaciones")
    run = subprocess.run(["node", str(SLIDES / "construir.mjs"), str(out)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return sorted(out.glob("*.html"))


@pytest.mark.slow
def test_decks_build_offline_without_external_urls(built_decks):
    assert [p.name[:2] for p in built_decks] == MODULES
    for html in built_decks:
        text = html.read_text(encoding="utf-8")
        external = sorted({u for u in URL.findall(text) if not XML_NAMESPACES.match(u)})
        assert not external, f"{html.name} nombra direcciones de internet: {external}"
        assert "bespoke-marp-note" in text, f"{html.name} no trae las notas del instructor"
        assert re.search(r'src="(?!data:)', text) is None, f"{html.name} tiene una imagen fuera del HTML"
        assert "`Diapositiva ${t+1} de ${e.slides.length}`" in text and 'title="Vista general (o)"' in text, html.name
        english = [w for w in ("Page ${", "Previous slide", "Toggle fullscreen", "Presenter view") if w in text]
        assert not english, f"{html.name} deja controles de Marp en inglés: {english}"


def test_untranslated_marp_controls_are_reported():
    if shutil.which("node") is None:
        pytest.skip("no hay Node.js: instálalo para construir las presentaciones (apt-get install nodejs npm)")
    script = ("import { traducirControles, CONTROLES } from './controles.mjs';"
              "const todo = CONTROLES.map(([en]) => en).join('|');"
              "const a = traducirControles(todo), b = traducirControles(todo.replace('Next slide', 'Forward'));"
              "console.log(JSON.stringify([a.faltan, b.faltan, a.html.includes('Previous slide')]))")
    run = subprocess.run(["node", "--input-type=module", "-e", script], cwd=SLIDES, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    complete, changed, left = json.loads(run.stdout)
    assert complete == [] and left is False
    assert changed == ['title="Next slide">Next slide<']


@pytest.mark.slow
def test_build_rejects_external_and_missing_figures(tmp_path):
    if reason := _node_ready():
        pytest.skip(reason)
    head = "---\nmarp: true\n---\n# Prueba\n\n"
    cases = {"externa": ("![](https://ejemplo.org/a.png)", "Imagen externa"),
             "falta": ("![](figuras/01_no_existe.png)", "Falta la figura"),
             "pendiente": ("![](figuras/99_aun_no.png)", None)}
    for name, (image, error) in cases.items():
        decks = tmp_path / name
        decks.mkdir()
        (decks / "00_prueba.md").write_text(head + image + "\n", encoding="utf-8")
        run = subprocess.run(["node", str(SLIDES / "construir.mjs"), str(tmp_path / f"{name}_html"), str(decks)],
                             capture_output=True, text=True, timeout=60)
        if error is None:  # el cuaderno 99 no existe: recuadro «figura pendiente» dentro del HTML
            assert run.returncode == 0, run.stderr
            assert "data:image/svg+xml;base64," in (tmp_path / f"{name}_html" / "00_prueba.html").read_text("utf-8")
        else:
            assert run.returncode == 1 and error in run.stderr, (name, run.stderr[-500:])


@pytest.mark.slow
def test_decks_render_in_headless_chromium(built_decks, tmp_path):
    chromium = revisar.find_chromium()
    if chromium is None:
        pytest.skip("no hay Chromium: instálalo con «apt-get install chromium» (la construcción ya se revisó)")
    try:
        # Una página rota al final, para ver que la revisión también falla cuando debe.
        broken = tmp_path / "rota.html"
        broken.write_text('<img src="no_existe.png"><img src="https://ejemplo.invalid/a.png">'
                          '<script>console.error("mal"); noDefinida();</script>', encoding="utf-8")
        *results, bad = revisar.check_decks([*built_decks, broken], CAPTURES, chromium)
    except (OSError, RuntimeError, TimeoutError) as err:
        pytest.skip(f"Chromium no pudo arrancar aquí ({err}); la construcción ya se revisó")
    from PIL import Image

    bad.screenshot.unlink()  # la captura de la página rota no es de ninguna presentación
    assert not bad.ok and bad.external_requests == ["https://ejemplo.invalid/a.png"], bad.external_requests
    assert any("no_existe.png" in e for e in bad.errors), bad.errors
    assert any(e.startswith("console.error: mal") for e in bad.errors), bad.errors
    assert any(e.startswith("excepción: ReferenceError") for e in bad.errors), bad.errors

    for r in results:
        assert not r.errors, f"{r.path.name}: errores en la consola: {r.errors}"
        assert not r.external_requests, f"{r.path.name}: pidió {r.external_requests}"
        assert r.first_slide["slides"] >= 5 and r.first_slide["broken"] == 0, (r.path.name, r.first_slide)
        assert r.first_slide["text"].startswith(r.path.name[:2]), (r.path.name, r.first_slide["text"])
        with Image.open(r.screenshot) as shot:
            assert shot.size == (1280, 720)
            assert len(shot.convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20, \
                f"{r.screenshot} parece vacía"
