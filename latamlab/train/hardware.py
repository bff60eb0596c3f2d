"""Lo que se decide antes de cargar el modelo: dispositivo, tipo de cálculo, optimizador, carpeta y datos.

Todo lo que puede fallar por una opción equivocada falla aquí, antes de escribir nada en `output_dir`.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import torch

from latamlab.errors import ConfigError, os_reason
from latamlab.quant.presets import TORCH_DTYPES
from latamlab.runtime.device import bf16_reason, native_bf16
from latamlab.train.config import TrainConfig

__all__ = ["mixed_dtype", "optimizer_for", "check_writable", "load_chat_splits"]



def mixed_dtype(config: TrainConfig, device: torch.device) -> torch.dtype:
    """Tipo del cálculo mixto: fp16 en una GPU de capacidad < 8.0, bf16 en las demás GPU, fp32 en CPU.

    Avisa (una línea, `UserWarning`) si pides bf16 en una CPU que no lo tiene nativo: funciona, pero muy lento.

    Raises:
        ConfigError: si pides bf16 (en `compute_dtype` o `precision`) en una GPU sin bf16, como una T4.
    """
    wants_bf16 = "bf16" in (config.compute_dtype, config.precision)
    if device.type == "cuda" and wants_bf16 and not native_bf16(device):
        field = "compute_dtype" if config.compute_dtype == "bf16" else "precision"
        raise ConfigError(f"Pediste `{field}`=bf16, pero esta GPU no lo tiene ({bf16_reason(device)}). "
                          f"Usa `{field}`={'auto' if field == 'compute_dtype' else 'nf4'} (fp16 en una T4).")
    if device.type == "cpu" and wants_bf16 and not native_bf16(device):
        field = "compute_dtype" if config.compute_dtype == "bf16" else "precision"
        warnings.warn(f"Pediste `{field}`=bf16, pero esta CPU no tiene bf16 nativo (ni AVX512-BF16 ni AMX): se emula "
                      f"y cada paso va unas 13 veces más lento que en fp32. Para ir rápido, usa `{field}`="
                      f"{'auto' if field == 'compute_dtype' else 'nf4 o fp32'}.", UserWarning, stacklevel=2)
    if config.compute_dtype == "fp16" and device.type == "cpu":
        raise ConfigError("Pediste `compute_dtype`=fp16 en CPU, donde la precisión mixta fp16 no existe. "
                          "Usa `compute_dtype`=auto (fp32 en CPU).")
    if config.compute_dtype != "auto":
        return TORCH_DTYPES[config.compute_dtype]
    from latamlab.quant.presets import compute_dtype_for

    return compute_dtype_for(device)


def optimizer_for(device: torch.device, sharded: bool = False) -> str:
    """AdamW paginado de 8 bits en CUDA (ahorra memoria de la GPU); el AdamW de PyTorch en CPU.

    Con los pesos repartidos (`sharded`: FSDP o DeepSpeed) también el de PyTorch: con FSDP + QLoRA el paginado
    de 8 bits falla al guardar un punto de control (PEFT, guía de FSDP, «Caveats»).
    """
    return "paged_adamw_8bit" if device.type == "cuda" and not sharded else "adamw_torch"


def check_writable(output_dir: Path) -> None:
    """Comprueba, sin dejar nada escrito, que se puede escribir en `output_dir` (o crearla).

    Raises:
        ConfigError: si la carpeta (o la primera que existe por encima) no admite escritura.
    """
    target = Path(output_dir).expanduser().absolute()
    existing = target
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"`output_dir`={output_dir} pasa por {existing}, que es un archivo y no una carpeta; "
                          "elige otra ruta.")
    try:  # os.access no basta: a root siempre le dice que sí, y un disco de solo lectura no se ve en los permisos
        with tempfile.TemporaryFile(dir=existing, prefix=".latamlab-prueba-"):
            pass
    except OSError as err:
        raise ConfigError(f"No puedo escribir en `output_dir`={output_dir}: {existing} {os_reason(err)}; elige una "
                          "carpeta tuya, p. ej., salidas/mi-entrenamiento.") from None


def load_chat_splits(config: TrainConfig):
    """Entrenamiento y validación del conjunto de `config.dataset`, como conversaciones prompt–completion.

    Cada prompt nombra el país del registro en el mensaje de sistema (`latamlab.data.chat.to_chat`).
    `config.max_train_examples` y `config.max_eval_examples` toman ejemplos repartidos por país
    (`latamlab.data.subsets.stratified_subset`, semilla 0), no las primeras filas del archivo.

    Returns:
        ``(train, validation)`` como ``datasets.Dataset`` con ``prompt`` y ``completion``.

    Raises:
        DataError: si faltan archivos o un registro no tiene los campos del chat.
    """
    from datasets import Dataset

    from latamlab.data.chat import CHAT_FIELDS, to_chat, to_chat_dataset
    from latamlab.data.jsonl import read_jsonl
    from latamlab.data.loaders import load_consumer, load_finance
    from latamlab.data.subsets import stratified_subset

    if config.dataset in ("finanzas", "consumo"):
        splits = (load_finance if config.dataset == "finanzas" else load_consumer)()
        raw, sources = {n: splits[n] for n in ("train", "validation")}, {n: config.dataset for n in ("train", "validation")}
    else:
        folder = Path(config.dataset).expanduser()
        files = {n: folder / f"{n}.jsonl" for n in ("train", "validation")} if folder.is_dir() else {"train": folder}
        if "validation" in files and not files["validation"].is_file():
            files.pop("validation")
        if not files["train"].is_file():
            raise ConfigError(f"`dataset`={config.dataset}: no encuentro {files['train']}; la carpeta necesita "
                              "train.jsonl (y, si quieres evaluar, validation.jsonl).")
        records = {n: read_jsonl(p) for n, p in files.items()}
        for name, path in files.items():  # con su línea, antes de que `datasets` llene con None un campo que falta
            for record in records[name]:
                to_chat(record.data, config.system_prompt, str(path), record.line)
        kept = (*CHAT_FIELDS, "pais")  # los demás campos son libres y podrían mezclar tipos, que `datasets` no admite
        raw = {n: Dataset.from_list([{k: r.data[k] for k in kept if k in r.data} for r in records[n]]) for n in files}
        sources = {n: str(p) for n, p in files.items()}
    limits = {"train": config.max_train_examples, "validation": config.max_eval_examples}
    out = {}
    for name, ds in raw.items():
        if limits[name] is not None:
            ds = stratified_subset(ds, limits[name])
        out[name] = to_chat_dataset(ds, config.system_prompt, source=sources[name])
    return out["train"], out.get("validation")
