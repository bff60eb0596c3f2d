"""La tabla medida de formatos de despliegue (cuaderno 06 y ``scripts/medir_despliegue.py``).

Para cada formato (fp32, bf16, bitsandbytes int8 y nf4, torchao int8 de solo pesos y GGUF F16, Q8_0 y Q4_K_M con
llama.cpp) se mide lo mismo, con el mismo código: tamaño en disco, memoria, tiempo de carga, *tokens* por segundo
al leer el enunciado (*prompt*) y al generar (lote de 1), perplejidad (`perplexity_report`), F1 de *tokens* en
finanzas (`finance_rows`) y exactitud en el banco de variantes (`score_variant_items`, fijada a lm-eval por una
prueba). Los GGUF pasan por `latamlab.deploy.gguf_model.LlamaCppLM`, que los envuelve con la interfaz de un
modelo de transformers. Un formato que no se puede medir aquí (llama.cpp sin compilar, torchao sin instalar)
queda en la tabla con el motivo en vez de cifras.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import torch

from latamlab.errors import ConfigError, SetupError
from latamlab.runtime.device import to_model_device

__all__ = ["FORMATS", "CPU_FORMATS", "FORMAT_LABELS", "DeployRow", "stratified_variants", "load_format",
           "measure_format", "deployment_table", "format_deployment_table"]

FORMATS = ("fp32", "bf16", "int8", "nf4", "torchao-int8", "gguf-f16", "gguf-q8_0", "gguf-q4_k_m")
#: Los del cuaderno 06 en modo cpu (rápidos); los demás, en ``scripts/medir_despliegue.py``.
CPU_FORMATS = ("fp32", "nf4", "torchao-int8", "gguf-q8_0", "gguf-q4_k_m")
#: El nombre de cada formato en tablas y gráficos.
FORMAT_LABELS = {"fp32": "fp32", "bf16": "bf16", "int8": "bitsandbytes int8", "nf4": "bitsandbytes nf4",
                 "torchao-int8": "torchao int8 (pesos)", "gguf-f16": "GGUF F16", "gguf-q8_0": "GGUF Q8_0",
                 "gguf-q4_k_m": "GGUF Q4_K_M"}


@dataclass
class DeployRow:
    """Una fila de la tabla. Las cifras son ``None`` si el formato no se pudo medir (``missing`` dice por qué)."""

    format: str
    size_mb: float | None = None
    memory_mb: float | None = None
    load_s: float | None = None
    prompt_tps: float | None = None
    generate_tps: float | None = None
    perplexity: float | None = None
    finance_f1: float | None = None
    variants_acc: float | None = None
    missing: str | None = None
    n: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_format(fmt: str) -> str:
    from latamlab.config import closest

    if fmt not in FORMATS:
        raise ConfigError(f"`format` debe ser uno de {', '.join(FORMATS)}; recibí {fmt!r}.{closest(fmt, FORMATS)}")
    return fmt


def stratified_variants(n: int, items: Sequence[dict] | None = None) -> list[dict]:
    """`n` preguntas del banco de variantes repartidas por país (`latamlab.data.subsets.stratified_subset`)."""
    from latamlab.data.subsets import stratified_subset

    if items is None:
        from latamlab.data.loaders import load_variants

        items = list(load_variants())
    return stratified_subset(items, n)


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _size_mb(paths: Sequence[Path]) -> float:
    return sum(p.stat().st_size for p in paths) / 2**20


def _torchao_int8(model: torch.nn.Module) -> torch.nn.Module:
    """Cuantiza a int8 de solo pesos (por canal) las capas lineales, con torchao."""
    import importlib.util

    if importlib.util.find_spec("torchao") is None:
        raise SetupError("torchao no está instalado: instálalo con `pip install --no-deps torchao==0.18.0`.")
    from torchao.quantization import Int8WeightOnlyConfig, quantize_  # sus avisos al importarse: `quiet_libraries`

    quantize_(model, Int8WeightOnlyConfig())
    return model


def _gguf_file(fmt: str, model_dir: Path, work_dir: Path) -> Path:
    """El GGUF de `fmt` en `work_dir` (se convierte o cuantiza si falta o es más viejo que el modelo)."""
    from latamlab.deploy.gguf import convert_to_gguf, llama_cpp_module, quantize_gguf

    llama_cpp_module()  # sin llama.cpp no se puede correr el GGUF: mejor saberlo antes de convertir
    kind = fmt.removeprefix("gguf-").upper()
    target = work_dir / f"{model_dir.name}-{kind}.gguf"
    newest = max(p.stat().st_mtime for p in model_dir.glob("*.safetensors"))
    if target.is_file() and target.stat().st_mtime >= newest:
        return target
    if kind == "F16":
        return convert_to_gguf(model_dir, target, kind)
    # Q8_0 también lo escribe el convertidor, pero desde el F16 el cuantizador de llama.cpp tarda segundos.
    return quantize_gguf(_gguf_file("gguf-f16", model_dir, work_dir), target, kind, threads=torch.get_num_threads())


def load_format(fmt: str, model_dir: str | Path, work_dir: str | Path) -> tuple[torch.nn.Module, Any, float, float]:
    """Carga el modelo de `model_dir` en el formato `fmt`.

    Returns:
        ``(modelo, tokenizador, segundos de carga, MiB en disco)``. Para los formatos de transformers el tamaño
        es el de ``torch.save`` de sus pesos ya cuantizados; para GGUF, el del archivo (la conversión, que se
        hace una sola vez, no cuenta como carga).

    Raises:
        SetupError: si el formato necesita algo que no está (llama.cpp, torchao).
    """
    from latamlab.models.load import load_model, load_tokenizer

    _check_format(fmt)
    model_dir, work_dir = Path(model_dir), Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    if fmt.startswith("gguf-"):
        from latamlab.deploy.gguf_model import LlamaCppLM

        path = _gguf_file(fmt, model_dir, work_dir)
        start = time.perf_counter()
        model = LlamaCppLM(path)
        return model, load_tokenizer(str(model_dir)), time.perf_counter() - start, _size_mb([path])
    start = time.perf_counter()
    precision = "fp32" if fmt == "torchao-int8" else fmt
    model, tokenizer = load_model(str(model_dir), precision=precision)
    if fmt == "torchao-int8":
        model = _torchao_int8(model)
    seconds = time.perf_counter() - start
    saved = work_dir / f"{fmt}.pt"
    torch.save(model.state_dict(), saved)  # los pesos tal como quedan en memoria (los atados, una vez)
    size = _size_mb([saved])
    saved.unlink()
    return model, tokenizer, seconds, size


@torch.no_grad()
def _speed(model, tokenizer, text: str, prompt_tokens: int, new_tokens: int) -> tuple[float, float]:
    """*Tokens*/s al leer un enunciado de `prompt_tokens` y al generar `new_tokens` más (voraz, lote de 1)."""
    from latamlab.deploy.gguf_model import LlamaCppLM

    ids = tokenizer(text, truncation=True, max_length=prompt_tokens, return_tensors="pt")["input_ids"]
    gguf = isinstance(model, LlamaCppLM)
    if not gguf:
        ids = to_model_device(ids, model)
    model(input_ids=ids[:, :8])  # calentamiento
    start = time.perf_counter()
    if gguf:  # solo llama.cpp, sin copiar sus logits a un tensor de torch
        model.llm.reset()
        model.llm.eval(ids[0].tolist())
    else:
        model(input_ids=ids)
    prefill = time.perf_counter() - start
    start = time.perf_counter()
    if gguf:
        model.greedy(ids[0].tolist(), new_tokens)
    else:
        model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=new_tokens,
                       min_new_tokens=new_tokens, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    total = time.perf_counter() - start
    return ids.shape[1] / prefill, new_tokens / max(total - prefill, 1e-9)


def measure_format(fmt: str, model_dir: str | Path, *, texts: Sequence[str], finance_items: Sequence[dict],
                   variant_items: Sequence[dict], work_dir: str | Path, prompt_tokens: int = 128,
                   new_tokens: int = 32, max_new_tokens: int = 32) -> DeployRow:
    """Mide un formato: carga, tamaño, memoria, velocidad y calidad (ver el docstring del módulo).

    La memoria es lo que crece el proceso (RSS) al cargar el modelo y evaluar un texto: en un proceso que ya
    cargó otros modelos es aproximada (el script mide cada formato en un proceso propio).

    Returns:
        Una :class:`DeployRow`; si el formato necesita algo que falta, con ``missing`` y sin cifras.
    """
    from latamlab.evaluation.choice import score_variant_items
    from latamlab.evaluation.finance import finance_rows
    from latamlab.evaluation.perplexity import perplexity_report

    _warm_imports(Path(model_dir))
    gc.collect()
    before = _rss_mb()
    try:
        model, tokenizer, load_s, size_mb = load_format(fmt, model_dir, work_dir)
    except SetupError as error:
        return DeployRow(_check_format(fmt), missing=str(error))
    report = perplexity_report(model, tokenizer, texts, batch_size=4)
    memory_mb = _rss_mb() - before
    prompt_tps, generate_tps = _speed(model, tokenizer, " ".join(texts), prompt_tokens, new_tokens)
    f1 = [r["token_f1"] for r in finance_rows(model, tokenizer, finance_items, max_new_tokens=max_new_tokens,
                                              batch_size=1)] if finance_items else []
    acc = [r["acc"] for r in score_variant_items(model, tokenizer, variant_items)] if variant_items else []
    row = DeployRow(fmt, size_mb=size_mb, memory_mb=memory_mb, load_s=load_s, prompt_tps=prompt_tps,
                    generate_tps=generate_tps, perplexity=report.perplexity,
                    finance_f1=sum(f1) / len(f1) if f1 else None, variants_acc=sum(acc) / len(acc) if acc else None,
                    n={"texts": len(texts), "finance": len(f1), "variants": len(acc)})
    del model
    gc.collect()
    return row


def _warm_imports(model_dir: Path) -> None:
    """Importa el código del modelo antes de medir: si no, la primera fila carga más lento por importarlo."""
    from transformers import AutoConfig, AutoModelForCausalLM

    with torch.device("meta"):
        AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(str(model_dir)))


def _unavailable(fmt: str) -> str | None:
    """Por qué `fmt` no se puede medir aquí, sin abrir un proceso para averiguarlo (hoy: GGUF sin llama.cpp)."""
    if fmt.startswith("gguf-"):
        from latamlab.deploy.gguf import llama_cpp_missing

        return llama_cpp_missing()
    return None


def _measure_isolated(fmt: str, model_dir: Path, data: dict[str, Any], work_dir: Path,
                      options: dict[str, Any]) -> DeployRow:
    """:func:`measure_format` en un proceso de Python propio (así la memoria y la carga no dependen de otras filas)."""
    import json
    import subprocess
    import sys

    request = work_dir / f"pedido-{fmt}.json"
    request.write_text(json.dumps({"fmt": fmt, "model_dir": str(model_dir), "work_dir": str(work_dir), **data,
                                   "options": options}, ensure_ascii=False), encoding="utf-8")
    code = ("import sys, torch; from latamlab.runtime.notebook import quiet_libraries; quiet_libraries(); "
            f"torch.set_num_threads({torch.get_num_threads()}); "
            "from latamlab.deploy.table import _child; _child(sys.argv[1])")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "OMP_NUM_THREADS": str(torch.get_num_threads())}
    done = subprocess.run([sys.executable, "-c", code, str(request)], capture_output=True, text=True, env=env,
                          check=False)
    answer = request.with_suffix(".fila.json")
    request.unlink()
    if done.returncode != 0 or not answer.is_file():
        tail = " | ".join(done.stderr.strip().splitlines()[-2:])
        return DeployRow(fmt, missing=f"la medición terminó con código {done.returncode}: {tail}")
    row = DeployRow(**json.loads(answer.read_text(encoding="utf-8")))
    answer.unlink()
    return row


def _child(request: str) -> None:
    """Lado del proceso hijo de :func:`_measure_isolated`: lee el pedido, mide y escribe la fila."""
    import json

    args = json.loads(Path(request).read_text(encoding="utf-8"))
    row = measure_format(args["fmt"], args["model_dir"], texts=args["texts"], finance_items=args["finance"],
                         variant_items=args["variants"], work_dir=args["work_dir"], **args["options"])
    Path(request).with_suffix(".fila.json").write_text(json.dumps(row.as_dict(), ensure_ascii=False),
                                                        encoding="utf-8")


def deployment_table(model_dir: str | Path | None = None, formats: Sequence[str] = CPU_FORMATS, *,
                     n_texts: int = 10, n_finance: int = 2, n_variants: int = 4,
                     work_dir: str | Path | None = None, isolate: bool = True, **options: Any) -> list[DeployRow]:
    """Mide cada formato de `formats` sobre el mismo modelo y los mismos datos (cuaderno 06).

    Args:
        model_dir: carpeta del modelo (fusionado) en 16/32 bits; ``None`` = el modelo del modo cpu.
        formats: formatos de :data:`FORMATS`.
        n_texts: oraciones de prueba del corpus para la perplejidad, repartidas por país.
        n_finance: preguntas de referencia de finanzas (F1 de *tokens*), repartidas por país.
        n_variants: preguntas del banco de variantes, repartidas por país (:func:`stratified_variants`).
        work_dir: carpeta de los GGUF convertidos (se reutilizan); ``None`` = una carpeta temporal.
        isolate: mide cada formato en un proceso propio (unos segundos más por fila). Sin aislar, la memoria no
            se informa: lo que crece el proceso depende de lo que liberaron las filas anteriores.
        **options: ``prompt_tokens``, ``new_tokens``, ``max_new_tokens`` de :func:`measure_format`.

    Returns:
        Una :class:`DeployRow` por formato, en el orden de `formats`.
    """
    from latamlab.data.loaders import load_corpus
    from latamlab.data.subsets import stratified_subset
    from latamlab.evaluation.finance import load_finance_split
    from latamlab.models.catalog import default_model_name
    from latamlab.models.offline import local_model_path

    for fmt in formats:
        _check_format(fmt)
    model_dir = Path(model_dir) if model_dir is not None else local_model_path(default_model_name("cpu"))
    texts = [r["texto"] for r in stratified_subset(list(load_corpus()["test"]), n_texts)]
    finance = stratified_subset(load_finance_split("referencia"), n_finance)  # no solo el primer país
    variants = stratified_variants(n_variants) if n_variants else []
    with tempfile.TemporaryDirectory(prefix="latamlab-despliegue-") as tmp:
        folder = Path(work_dir) if work_dir is not None else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if isolate:
            data = {"texts": texts, "finance": finance, "variants": variants}
            return [DeployRow(fmt, missing=reason) if (reason := _unavailable(fmt)) else
                    _measure_isolated(fmt, model_dir, data, folder, options) for fmt in formats]
        rows = [measure_format(fmt, model_dir, texts=texts, finance_items=finance, variant_items=variants,
                               work_dir=folder, **options) for fmt in formats]
        for row in rows:
            row.memory_mb = None
        return rows


def format_deployment_table(rows: Sequence[DeployRow]) -> str:
    """La tabla en español (números con `fmt_number`); los formatos sin medir, con su motivo debajo."""
    from latamlab.numbers import fmt_number

    def cell(value: float | None, decimals: int) -> str:
        return "—" if value is None else fmt_number(value, decimals)

    head = (f"{'formato':<22} {'disco MiB':>9} {'memoria MiB':>11} {'carga s':>7} {'lee tok/s':>9} "
            f"{'genera tok/s':>12} {'perplejidad':>11} {'F1 finanzas':>11} {'acc variantes':>13}")
    lines, notes = [head], []
    for r in rows:
        lines.append(f"{FORMAT_LABELS[r.format]:<22} {cell(r.size_mb, 1):>9} {cell(r.memory_mb, 0):>11} "
                     f"{cell(r.load_s, 1):>7} {cell(r.prompt_tps, 0):>9} {cell(r.generate_tps, 1):>12} "
                     f"{cell(r.perplexity, 1):>11} {cell(r.finance_f1, 3):>11} {cell(r.variants_acc, 3):>13}")
        if r.missing:
            notes.append(f"  {FORMAT_LABELS[r.format]}: sin medir: {r.missing}")
    return "\n".join(lines + notes)
