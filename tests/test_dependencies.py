"""Las dependencias de `pyproject.toml` son coherentes entre sí y conviven con lo que Colab ya trae.

- `requires-python` y cada rango (torch, numpy, …) caben en lo que piden las bibliotecas fijadas con `==`
  (se lee de los metadatos instalados: estas pruebas corren en el entorno de `make install-test`).
- Instalar el curso en Colab (`pip install "latamlab @ git+…"`, encima de lo que Colab trae) no rompe ningún
  paquete de Colab: se resuelve con `uv pip compile` contra `../shared/colab/pip-freeze-{gpu,cpu}.txt`.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
COLAB = ROOT.parent / "shared" / "colab"
#: Lo que el entorno de Colab publica (README.md de esa carpeta): Python 3.13, Ubuntu 22.04 (glibc 2.35).
COLAB_PYTHON = "3.13"
COLAB_PLATFORM = "x86_64-manylinux_2_35"


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _requirements(extras: bool) -> list[Requirement]:
    project = _project()
    reqs = list(project["dependencies"])
    if extras:
        reqs += [r for extra in project["optional-dependencies"].values() for r in extra]
    return [Requirement(r) for r in reqs]


def _pin(req: Requirement) -> Version | None:
    """La versión de una dependencia fijada con `==` (sin comodín), o None si es un rango."""
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version:
        return Version(specs[0].version)
    return None


def _installed_pins(extras: bool) -> dict[str, tuple[Requirement, md.Distribution]]:
    """Cada dependencia fijada con su distribución instalada; falla si la instalada no es la fijada."""
    out = {}
    for req in _requirements(extras):
        version = _pin(req)
        if version is None:
            continue
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            pytest.fail(f"{req.name} no está instalado: corre `make install-test` antes de estas pruebas")
        assert Version(dist.version) == version, (
            f"{req.name} instalado es {dist.version}, pero pyproject.toml fija {version}: "
            "corre `make install-test` para que los metadatos que se revisan sean los de la versión fijada"
        )
        out[canonicalize_name(req.name)] = (req, dist)
    return out


def _bounds(spec: SpecifierSet) -> tuple[tuple[Version, bool] | None, tuple[Version, bool] | None]:
    """(cota inferior, cota superior) de un especificador, cada una con si es inclusiva; None si no tiene.

    `!=` no acota y se ignora; `~=` y `==` con comodín se traducen a sus dos cotas.
    """
    low: tuple[Version, bool] | None = None
    high: tuple[Version, bool] | None = None

    def raise_low(v: Version, inclusive: bool) -> None:
        nonlocal low
        if low is None or v > low[0] or (v == low[0] and not inclusive):
            low = (v, inclusive)

    def lower_high(v: Version, inclusive: bool) -> None:
        nonlocal high
        if high is None or v < high[0] or (v == high[0] and not inclusive):
            high = (v, inclusive)

    for s in spec:
        op, text = s.operator, s.version
        if op in ("==", "===") and text.endswith(".*"):
            prefix = Version(text[:-2]).release
            raise_low(Version(".".join(map(str, prefix))), True)
            lower_high(Version(".".join(map(str, prefix[:-1] + (prefix[-1] + 1,)))), False)
        elif op in ("==", "==="):
            raise_low(Version(text), True)
            lower_high(Version(text), True)
        elif op == "~=":
            release = Version(text).release
            raise_low(Version(text), True)
            lower_high(Version(".".join(map(str, release[:-2] + (release[-2] + 1,)))), False)
        elif op in (">=", ">"):
            raise_low(Version(text), op == ">=")
        elif op in ("<=", "<"):
            lower_high(Version(text), op == "<=")
    return low, high


def _inside(inner: SpecifierSet, outer: SpecifierSet) -> bool:
    """Si todo lo que admite `inner` lo admite también `outer` (comparando sus cotas)."""
    (ilow, ihigh), (olow, ohigh) = _bounds(inner), _bounds(outer)
    if olow is not None:
        if ilow is None or ilow[0] < olow[0] or (ilow[0] == olow[0] and ilow[1] and not olow[1]):
            return False
    if ohigh is not None:
        if ihigh is None or ihigh[0] > ohigh[0] or (ihigh[0] == ohigh[0] and ihigh[1] and not ohigh[1]):
            return False
    return True


def _torchao_min_torch() -> Version:
    """El torch mínimo con el que torchao carga sus extensiones compiladas.

    torchao no declara torch en sus metadatos: lo comprueba al importarse (`torchao/__init__.py`,
    `min_torch_version = _parse_version("2.11.0")` en la 0.18.0) y, con un torch anterior, solo avisa y
    sigue sin sus núcleos compilados. Se lee del código sin importarlo (importarlo carga torch).
    """
    spec = importlib.util.find_spec("torchao")
    assert spec is not None and spec.origin, "torchao no está instalado: corre `make install-test`"
    source = Path(spec.origin).read_text(encoding="utf-8")
    match = re.search(r"min_torch_version\s*=\s*_parse_version\(\s*[\"']([0-9][0-9.]*)[\"']\s*\)", source)
    assert match, (
        "torchao cambió cómo comprueba la versión de torch (no encuentro `min_torch_version` en "
        f"{spec.origin}): revisa a mano qué torch necesita y actualiza esta prueba"
    )
    return Version(match.group(1))


def test_requires_python_covers_every_pinned_dependency():
    """`requires-python` no promete versiones de Python que alguna biblioteca fijada no admite."""
    declared = _bounds(SpecifierSet(_project()["requires-python"]))[0]
    assert declared is not None, "requires-python necesita una cota inferior"
    needs = {}
    for name, (_, dist) in _installed_pins(extras=True).items():
        low = _bounds(SpecifierSet(dist.metadata.get("Requires-Python") or ""))[0]
        if low is not None:
            needs[name] = low[0]
    strictest = max(needs.values())
    culprits = sorted(f"{n} (>= {v})" for n, v in needs.items() if v == strictest)
    assert declared[0] >= strictest, (
        f"requires-python admite desde {declared[0]}, pero {', '.join(culprits)} piden Python >= {strictest}"
    )


def test_declared_ranges_fit_what_the_pins_require():
    """Cada rango declarado (torch, numpy, …) cabe en lo que le piden las bibliotecas fijadas."""
    pins = _installed_pins(extras=False)
    ranges = {canonicalize_name(r.name): r for r in _requirements(extras=False) if _pin(r) is None}
    demands: list[tuple[str, str, SpecifierSet]] = []  # (paquete, quién lo pide, qué pide)
    for pin_name, (_, dist) in pins.items():
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            if canonicalize_name(req.name) in ranges:
                demands.append((canonicalize_name(req.name), f"{pin_name} {dist.version}", req.specifier))
    # torchao no lo declara en sus metadatos (ver _torchao_min_torch).
    demands.append(("torch", f"torchao {pins['torchao'][1].version} (sus extensiones compiladas)",
                    SpecifierSet(f">={_torchao_min_torch()}")))
    problems = [
        f"{ranges[name]} no cabe en lo que pide {who}: {name}{spec}"
        for name, who, spec in demands
        if not _inside(ranges[name].specifier, spec)
    ]
    if problems:
        pytest.fail("Rangos de pyproject.toml más amplios que lo que admiten las fijadas:\n" + "\n".join(problems))


# --- Instalar el curso encima de lo que trae Colab ---------------------------------------------------------

#: Lo que no se fija a la versión de Colab: torch (Colab trae su compilación, con otra etiqueta local, y el
#: curso lo declara como rango) y las bibliotecas de CUDA, que vienen con esa compilación.
_NOT_PINNED = re.compile(r"^(torch|nvidia-.*|cuda-.*)$")


def _uv() -> str:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if not found:
            pytest.skip("falta uv (viene con las dependencias de prueba: `make install-test`)")
        return found


def _index_reachable() -> bool:
    index = os.environ.get("UV_DEFAULT_INDEX") or os.environ.get("UV_INDEX_URL") or "https://pypi.org/simple"
    try:
        urllib.request.urlopen(urllib.request.Request(index.rstrip("/") + "/uv/", method="HEAD"), timeout=10)
    except OSError:
        return False
    return True


def _read_freeze(path: Path) -> dict[str, Version]:
    """Paquete → versión de un `pip freeze`, sin la etiqueta local (`+cu128`, `+cpu`).

    De lo instalado desde una URL (`torch @ https://…/torch-2.11.0%2Bcpu-….whl`) la versión sale del
    nombre de la rueda; lo que no es una rueda (un tar.gz, un repositorio git) se omite.
    """
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("#"):
            continue
        if " @ " in line:
            filename = urllib.parse.unquote(line.split(" @ ", 1)[1].split("#", 1)[0].rsplit("/", 1)[-1])
            if not filename.endswith(".whl"):
                continue
            name, version, _, _ = parse_wheel_filename(filename)
        elif "==" in line:
            name, text = line.split("==", 1)
            version = Version(text.strip())
        else:
            continue
        out[canonicalize_name(name)] = Version(version.public)
    return out


def _read_compiled(text: str) -> dict[str, Version]:
    out = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[canonicalize_name(name)] = Version(version.strip())
    return out


class _Uv:
    """`uv pip compile` para el Python y la plataforma de Colab, en una carpeta de trabajo."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.exe = _uv()
        (workdir / "excluir.txt").write_text("torch\n", encoding="utf-8")  # Colab trae el suyo
        self.env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"}

    def compile(self, requirements: list[str], output: str, *extra: str) -> subprocess.CompletedProcess:
        src = self.workdir / f"{output}.in"
        src.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        cmd = [self.exe, "pip", "compile", str(src), "-o", str(self.workdir / output), "--no-config",
               "--no-header", "--no-annotate", "--no-progress", "--python", sys.executable,
               "--python-version", COLAB_PYTHON, "--python-platform", COLAB_PLATFORM,
               "--excludes", str(self.workdir / "excluir.txt"), *extra]
        return subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=900)


#: Cómo dice uv 0.13 que no puede usar una fijación: «Because X==v has a non-PEP 625-compliant…»,
#: «Because there is no version of X==v…», «Because X was not found in the package registry…».
_UNREADABLE = re.compile(r"Because (?:there is no version of )?([A-Za-z0-9._-]+)(?:==| was not found)")


def _pins_with_wheels(uv: _Uv, pins: dict[str, Version]) -> tuple[dict[str, Version], list[str]]:
    """Las fijaciones de Colab que uv puede leer sin compilar nada, y las que deja fuera (con su motivo).

    Sin dependencias (`--no-deps`) uv solo elige un archivo por paquete, y su `pylock.toml` dice si hay rueda
    para Python 3.13 en Linux. Un paquete de Colab sin rueda (pyspark, dlib, …) habría que compilarlo para
    conocer sus dependencias, y muchos no compilan aquí. Se omite también lo que uv no encuentra en el índice
    (en_core_web_sm viene de GitHub) o no acepta de él (python-apt 0.0.0, de Debian).
    """
    pins = dict(pins)
    dropped = []
    for _ in range(30):
        result = uv.compile([f"{n}=={v}" for n, v in sorted(pins.items())], "pylock.toml", "--no-deps",
                            "--format", "pylock.toml")
        if result.returncode == 0:
            break
        match = _UNREADABLE.search(result.stderr)
        if not match or canonicalize_name(match.group(1)) not in pins:
            pytest.fail(f"uv no pudo leer las versiones de Colab:\n{result.stderr}")
        name = canonicalize_name(match.group(1))
        dropped.append(f"{name}=={pins.pop(name)} (uv no lo lee del índice)")
    else:
        pytest.fail("uv no pudo leer las versiones de Colab tras 30 intentos")
    lock = tomllib.loads((uv.workdir / "pylock.toml").read_text(encoding="utf-8"))
    for package in lock["packages"]:
        name = canonicalize_name(package["name"])
        if not package.get("wheels") and name in pins:
            dropped.append(f"{name}=={pins.pop(name)} (sin rueda)")
    return pins, dropped


@pytest.mark.slow
# Los identificadores no pueden ser «gpu» a secas: conftest.py salta lo marcado `gpu` donde no hay GPU.
@pytest.mark.parametrize("freeze_name", ["pip-freeze-gpu.txt", "pip-freeze-cpu.txt"])
def test_installing_the_course_on_colab_breaks_nothing_colab_ships(freeze_name, tmp_path):
    """Instalar el curso sobre lo que trae Colab no rompe ni mueve sin declararlo ningún paquete de Colab.

    Se imita lo que hace `pip install "latamlab @ git+…"` en Colab y después se comprueba el resultado:

    1. Lo que pip instalaría: las dependencias del curso resueltas con las versiones de Colab como
       preferidas (pip conserva lo instalado si cumple; si no, instala la más nueva que cumpla, sin mirar
       qué piden los demás paquetes de Colab: así llegó huggingface_hub 2.x y rompió gradio).
    2. Ningún paquete de Colab que el curso no declare cambia de versión: si las fijadas obligan a mover
       uno, se declara en pyproject.toml, con su motivo y su tope.
    3. Existe un conjunto coherente con lo de (1) y todos los demás paquetes de Colab en su versión: es
       decir, `pip check` quedaría limpio en Colab.

    torch y las bibliotecas de CUDA no entran (Colab trae su compilación). Necesita el índice de paquetes y
    la lista de Colab (`../shared/colab/`, junto al clon); sin ellos se salta.
    """
    freeze = COLAB / freeze_name
    runtime = "con GPU" if "gpu" in freeze_name else "sin GPU"
    if not freeze.is_file():
        pytest.skip(f"falta la lista de paquetes de Colab {freeze} (la carpeta shared/ junto al clon)")
    uv = _Uv(tmp_path)  # antes de tocar la red: sin uv se salta
    if not _index_reachable():
        pytest.skip("no se alcanza el índice de paquetes (PyPI): esta prueba resuelve contra él")
    start = time.monotonic()
    colab = {n: v for n, v in _read_freeze(freeze).items() if not _NOT_PINNED.match(n)}
    colab, dropped = _pins_with_wheels(uv, colab)
    course = [str(r) for r in _requirements(extras=False)]
    declared = {canonicalize_name(Requirement(r).name) for r in course}

    # 1. Lo que pip instalaría (uv prefiere las versiones que ya están en el archivo de salida).
    preferred = "".join(f"{n}=={v}\n" for n, v in colab.items())
    (tmp_path / "pip_instalaria.txt").write_text(preferred, encoding="utf-8")
    result = uv.compile(course, "pip_instalaria.txt")
    if result.returncode != 0:
        pytest.fail(f"Las dependencias del curso no se resuelven para Colab {runtime}:\n{result.stderr}")
    installed = _read_compiled((tmp_path / "pip_instalaria.txt").read_text(encoding="utf-8"))

    # 2. Lo que se movería sin que pyproject.toml lo declare.
    full = _read_freeze(freeze)
    moved = sorted(
        f"{n}: {full[n]} → {v}"
        for n, v in installed.items()
        if n in full and v != full[n] and n not in declared and not _NOT_PINNED.match(n)
    )

    # 3. Lo instalado junto con todo lo demás de Colab, cada uno en su versión.
    together = [f"{n}=={v}" for n, v in sorted(installed.items())]
    together += [f"{n}=={v}" for n, v in sorted(colab.items()) if n not in installed]
    result = uv.compile(together, "con_colab.txt")
    elapsed = time.monotonic() - start
    print(f"Colab {runtime}: {len(colab)} paquetes fijados, resuelto en {elapsed:.1f} s; fuera de la "
          f"comprobación: {', '.join(dropped) or 'ninguno'}")

    problems = []
    torch_range = next(Requirement(r).specifier for r in course if canonicalize_name(Requirement(r).name) == "torch")
    if full["torch"] not in torch_range:
        problems.append(f"El rango torch{torch_range} no admite el torch {full['torch']} de Colab: pip lo "
                        "reemplazaría por el de PyPI (otra compilación de CUDA, varios GB)")
    if moved:
        problems.append("Instalar el curso movería paquetes de Colab que pyproject.toml no declara (decláralos "
                        "con su motivo y un tope, o elige fijadas que no los muevan):\n  " + "\n  ".join(moved))
    if result.returncode != 0:
        changed = sorted(f"{n}: {full[n]} → {v}" for n, v in installed.items() if n in full and v != full[n])
        problems.append("Lo que pip instalaría no convive con el resto de Colab: algún paquete de Colab quedaría "
                        f"roto (`pip check`).\npip movería: {', '.join(changed)}\nuv explica:\n{result.stderr}")
    if problems:
        pytest.fail(f"Colab {runtime}:\n" + "\n\n".join(problems))


def test_makefile_installs_the_uv_that_pyproject_pins():
    """`make install` trae uv antes de instalar el resto con él: la misma versión que fijan las dependencias de prueba
    (si no, `make install-test` la cambiaría a mitad de camino)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    in_makefile = re.search(r"^UV_PIN\s*:=\s*(\S+)", makefile, re.M)
    assert in_makefile, "el Makefile ya no define UV_PIN"
    pinned = [r for r in _project()["optional-dependencies"]["test"] if canonicalize_name(Requirement(r).name) == "uv"]
    assert pinned == [in_makefile.group(1)]
