"""`train`: QLoRA/LoRA supervisado con `trl.SFTTrainer`, con valores correctos para cada hardware.

La pérdida cae solo en la respuesta (datos prompt–completion de `latamlab.data.chat`); los puntos de
control permiten continuar tras una desconexión (`resume`); cada registro va a ``log.jsonl`` y al final
se imprime un resumen en español. Se usa en el cuaderno 04 y en ``latamlab entrenar``.
"""

from __future__ import annotations

import resource
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from latamlab.data.chat import TruncationReport, conversation_lengths, truncation_report
from latamlab.errors import ConfigError
from latamlab.numbers import fmt_number
from latamlab.train.callbacks import LOG_NAME, GuardCallback, ProgressLogCallback, read_log, trim_log
from latamlab.train.card import ModelCardCallback, write_model_card
from latamlab.train.checkpoints import IncompleteCheckpointWarning, latest_complete_checkpoint
from latamlab.train.compat import peft_wrapping
from latamlab.train.config import TrainConfig
from latamlab.train.distributed import (check_sharding, is_main_process, rank_device, sharded_quant_preset,
                                        sharding_engine)
from latamlab.train.hardware import check_writable, load_chat_splits, mixed_dtype, optimizer_for

__all__ = ["TrainResult", "train", "build_trainer", "ADAPTER_DIR"]

ADAPTER_DIR = "adaptador"


@dataclass
class TrainResult:
    """Lo que deja un entrenamiento; ``str(result)`` es el resumen en español."""

    output_dir: Path
    adapter_dir: Path
    log_path: Path
    global_step: int
    final_loss: float | None
    eval_loss: float | None
    start_eval_loss: float | None
    seconds: float
    tokens: int
    peak_memory_bytes: int
    peak_memory_kind: str
    trainable_params: int
    total_params: int
    truncation: TruncationReport
    resumed_from: Path | None = None
    processes: int = 1
    engine: str = "DDP"

    @property
    def trainable_percent(self) -> float:
        return 100 * self.trainable_params / max(1, self.total_params)

    @property
    def eval_change_percent(self) -> float | None:
        """Cambio relativo de la pérdida de validación desde el adaptador sin entrenar (negativo = bajó)."""
        if self.eval_loss is None or not self.start_eval_loss:
            return None
        return 100 * (self.eval_loss - self.start_eval_loss) / self.start_eval_loss

    def _eval_text(self) -> str:
        if self.eval_change_percent is None:
            return fmt_number(self.eval_loss, 4)
        change = self.eval_change_percent
        return (f"{fmt_number(self.start_eval_loss, 4)} → {fmt_number(self.eval_loss, 4)} "
                f"({'+' if change > 0 else ''}{fmt_number(change, 1)} % desde el adaptador sin entrenar)")

    def __str__(self) -> str:
        mins, secs = divmod(self.seconds, 60)
        lines = [
            f"Entrenamiento listo: {self.global_step} pasos en {int(mins)} min {fmt_number(secs, 1)} s"
            + (f" en {self.processes} procesos ({self.engine})" if self.processes > 1 else "")
            + (f" (continuado desde {self.resumed_from.name})" if self.resumed_from else ""),
            f"  pérdida final: {fmt_number(self.final_loss, 4) if self.final_loss is not None else '—'}"
            + (f" · pérdida de validación: {self._eval_text()}" if self.eval_loss is not None else ""),
            f"  tokens vistos en esta sesión (sin relleno): {fmt_number(self.tokens, 0)}"
            f" ({fmt_number(self.tokens / max(self.seconds, 1e-9), 1)} tokens/s)",
            f"  memoria pico ({self.peak_memory_kind}{', proceso 0' if self.processes > 1 else ''}): {fmt_number(self.peak_memory_bytes / 2**30, 2)} GiB",
            f"  parámetros entrenables: {fmt_number(self.trainable_params, 0)} de {fmt_number(self.total_params, 0)}"
            f" ({fmt_number(self.trainable_percent, 3)} %)",
            f"  adaptador: {self.adapter_dir} · registro: {self.log_path}",
        ]
        return "\n".join(lines)


def _peak_memory(device: torch.device) -> tuple[int, str]:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device), "CUDA, máximo asignado"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss * (1 if sys.platform == "darwin" else 1024), "RSS pico del proceso"


def _light_tokenizer_fingerprint(tokenizer) -> None:
    """Que `datasets` calcule la huella del tokenizador sin sus copias en Python del vocabulario y las fusiones.

    TRL prepara los datos con ``dataset.map(…, fn_kwargs={"processing_class": tokenizer})`` y `datasets` calcula una
    huella de esos argumentos serializando el tokenizador entero: con el vocabulario de Gemma (262 144 *tokens*),
    ``_vocab`` y ``_merges`` le llevaban ≈ 10 s en cada `map`, ≈ 20 s por entrenador armado (cada `train` y cada
    `validation_loss`). El tokenizador de `tokenizers` (``_tokenizer``), que también entra en la huella, ya contiene
    el mismo vocabulario y las mismas fusiones: la huella sigue cambiando si cambia cualquiera de ellos.
    """
    try:
        from datasets.utils import _dill
    except ImportError:  # otra versión de datasets: la huella se calcula como siempre
        return
    save = getattr(_dill, "_save_transformersPreTrainedTokenizerBase", None)
    if save is None or not {"_vocab", "_merges"} & set(vars(tokenizer)) or "_tokenizer" not in vars(tokenizer):
        return

    def save_light(pickler, obj) -> None:
        light = object.__new__(type(obj))
        light.__dict__.update({k: v for k, v in vars(obj).items() if k not in ("_vocab", "_merges")})
        save(pickler, light)

    _dill.pklregister(type(tokenizer))(save_light)


def build_trainer(config: TrainConfig, model, tokenizer, train_dataset, eval_dataset, dtype: torch.dtype,
                  device: torch.device, callbacks: list | None = None):
    """`SFTTrainer` con LoRA, pérdida solo en la respuesta y los valores del hardware (sin entrenar aún).

    Si `model` ya es un `PeftModel` (un adaptador cargado), se entrena o evalúa ese adaptador tal como está;
    si no, se le agrega uno nuevo con el r, alpha, dropout y módulos de `config`.
    """
    from peft import LoraConfig, PeftModel
    from transformers.trainer_callback import PrinterCallback
    from trl import SFTConfig, SFTTrainer

    from latamlab.train.collate import EndOfTurnCollator
    from latamlab.train.loss import AnswerOnlySFTTrainer

    _light_tokenizer_fingerprint(tokenizer)
    lora = None
    if not isinstance(model, PeftModel):
        targets = config.target_modules
        lora = LoraConfig(r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
                          target_modules=targets[0] if targets == ["all-linear"] else list(targets),
                          bias="none", task_type="CAUSAL_LM")
    evaluates = eval_dataset is not None and bool(config.eval_steps)
    args = SFTConfig(
        output_dir=str(config.output_dir), seed=config.seed, data_seed=config.seed, report_to="none",
        per_device_train_batch_size=config.per_device_train_batch_size,
        per_device_eval_batch_size=config.per_device_train_batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        learning_rate=config.learning_rate, lr_scheduler_type=config.lr_scheduler_type,
        warmup_steps=config.warmup_steps, max_steps=config.max_steps, num_train_epochs=config.num_train_epochs,
        logging_steps=config.logging_steps,
        eval_strategy="steps" if evaluates else "no", eval_steps=config.eval_steps if evaluates else None,
        # Al continuar, el punto de partida ya está en el registro: no se vuelve a evaluar.
        eval_on_start=eval_dataset is not None and config.eval_on_start and not config.resume,
        save_strategy="steps" if config.save_steps else "no", save_steps=config.save_steps or 500,
        bf16=dtype == torch.bfloat16, fp16=dtype == torch.float16, use_cpu=device.type == "cpu",
        optim=optimizer_for(device, sharded=sharding_engine() is not None),
        # El nombre nuevo (`activation_checkpointing`) evita el FutureWarning de `gradient_checkpointing`.
        activation_checkpointing=config.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False} if config.gradient_checkpointing else None,
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
        max_length=config.max_length, packing=False, completion_only_loss=True,
        disable_tqdm=True, dataloader_num_workers=0,
        # Con varios procesos (DDP) todos los parámetros LoRA reciben gradiente: no hace falta buscar los no usados.
        ddp_find_unused_parameters=False,
    )
    collator = EndOfTurnCollator(pad_token_id=tokenizer.pad_token_id, end_token_id=tokenizer.eos_token_id)
    # Los valores de un adaptador cargado, en su precisión: trl los pasa a bf16 al crear el entrenador.
    loaded = {n: p.data.clone() for n, p in model.named_parameters() if p.requires_grad} if lora is None else {}
    with peft_wrapping():
        trainer = (AnswerOnlySFTTrainer if config.fast_loss else SFTTrainer)(
            model=model, args=args, train_dataset=train_dataset, data_collator=collator, eval_dataset=eval_dataset,
            processing_class=tokenizer, peft_config=lora, callbacks=callbacks)
    trainer.remove_callback(PrinterCallback)  # nuestra barra y log.jsonl reemplazan la impresión de cada registro
    for name, param in trainer.model.named_parameters():
        if name in loaded:
            param.data = loaded[name]
        elif dtype != torch.bfloat16 and param.requires_grad and param.dtype != torch.float32:
            # trl pasa a bf16 los parámetros LoRA de un modelo cuantizado; si el cálculo no es bf16 (toda CPU con
            # `auto`, una T4) se entrenan en fp32: bf16 es lento en CPU y el escalador de fp16 exige parámetros fp32.
            param.data = param.data.float()
    return trainer


def _resolve(config: TrainConfig | None, overrides: dict[str, Any]) -> TrainConfig:
    if config is None:
        return TrainConfig.from_dict(overrides)
    return config.replace(**overrides)


def train(config: TrainConfig | None = None, *, callbacks: list | None = None, **overrides: Any) -> TrainResult:
    """Entrena un adaptador LoRA según `config` (o los campos de `TrainConfig` como argumentos).

    Args:
        config: opciones; p. ej., ``load_train_config("diminuto")``. ``None`` usa los valores por defecto.
        callbacks: `TrainerCallback` extra de `transformers` (p. ej., para inspeccionar el modelo al terminar en
            cada proceso, como hace ``tests/ddp_worker.py``); no es una opción de ``latamlab entrenar``.
        **overrides: campos de `TrainConfig` que ganan sobre `config` (``max_steps=10``, ``resume=True``…).

    Returns:
        Un `TrainResult` (su ``str`` es el resumen en español, que también se imprime).

    Con ``torchrun --nproc_per_node N -m latamlab entrenar …`` (o ``accelerate launch``) corre igual en N
    procesos con DDP: cada uno toma su GPU (``LOCAL_RANK``), el lote global es N × `per_device_train_batch_size`
    × `gradient_accumulation_steps`, y solo el proceso 0 imprime, registra y guarda (ver ``docs/escala.md``).

    Raises:
        ConfigError: opciones inválidas, bf16 en una T4, `output_dir` sin permiso, `resume` sin punto de
            control o todos los ejemplos más largos que `max_length`. Se revisa todo antes de escribir nada.
        DataError: el conjunto no tiene los campos del chat.
    """
    from latamlab.models.load import load_model, load_tokenizer
    from latamlab.runtime.device import device_for_mode
    from latamlab.runtime.notebook import seed_everything

    config = _resolve(config, overrides)
    device = rank_device(device_for_mode(config.mode))  # con torchrun, la GPU de este proceso
    main = is_main_process()  # solo el proceso 0 imprime y escribe el registro (Trainer guarda solo en el 0)
    engine = check_sharding(device)
    dtype = mixed_dtype(config, device)
    check_writable(config.output_dir)
    with warnings.catch_warnings():
        if not main:  # un aviso por punto de control a medias, no uno por proceso
            warnings.simplefilter("ignore", IncompleteCheckpointWarning)
        checkpoint = latest_complete_checkpoint(config.output_dir) if config.resume else None
    if not config.resume and any(config.output_dir.glob("checkpoint-*")):
        raise ConfigError(f"`output_dir`={config.output_dir} ya tiene puntos de control y no quiero pisarlos: usa "
                          "`resume` para continuar ese entrenamiento o elige otra `output_dir`.")
    train_ds, eval_ds = load_chat_splits(config)
    evaluates = bool(config.eval_steps or config.eval_on_start)
    if evaluates and eval_ds is None:
        field = "eval_steps" if config.eval_steps else "eval_on_start"
        raise ConfigError(f"`{field}`={getattr(config, field)} pero `dataset` no tiene validation.jsonl; "
                          f"agrégalo o usa `eval_steps`=0 y `eval_on_start`=false.")
    report = truncation_report(conversation_lengths(load_tokenizer(config.model, config.mode), train_ds),
                               config.max_length)
    if main:
        print(report)

    seed_everything(config.seed)
    model, tokenizer = load_model(config.model, precision=config.precision, mode=config.mode, device=device,
                                  preset=sharded_quant_preset(config.precision, device))
    if config.init_adapter is not None:  # su estructura (r, módulos); al continuar, el punto de control pone los valores
        from peft import PeftModel

        with peft_wrapping():
            model = PeftModel.from_pretrained(model, str(config.init_adapter), is_trainable=True)
    config.output_dir.mkdir(parents=True, exist_ok=True)
    log_path = config.output_dir / LOG_NAME
    if main and checkpoint is not None:
        trim_log(log_path, int(checkpoint.name.split("-")[1]))
    elif main and log_path.exists():
        log_path.unlink()  # un entrenamiento nuevo empieza su registro (los puntos de control no se tocan)
    logger = ProgressLogCallback(log_path)
    adapter_dir = config.output_dir / ADAPTER_DIR
    ours = [GuardCallback(model), logger] if device.type == "cpu" else [logger]
    trainer = build_trainer(config, model, tokenizer, train_ds, eval_ds if evaluates else None, dtype, device,
                            callbacks=[*ours, ModelCardCallback(config, adapter_dir), *(callbacks or [])])
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    with warnings.catch_warnings():
        # Al guardar, peft busca el config.json de la base en el hub para saber si cambió el vocabulario; sin
        # conexión (un id del hub ya descargado) avisa y supone que no cambió, que es lo cierto en el curso.
        warnings.filterwarnings("ignore", message="Could not find a config file in", category=UserWarning)
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
        seconds = time.perf_counter() - start
        trainer.save_model(str(adapter_dir))
    if main:  # la ficha en español, en vez de la de TRL (output_dir) y la de peft (adaptador)
        for folder in (config.output_dir, adapter_dir):
            write_model_card(folder, config, trainer.state.global_step, adapter_dir)
    trainer.accelerator.wait_for_everyone()  # los demás procesos leen el registro y el adaptador ya completos
    rows = read_log(log_path)
    losses = [r["loss"] for r in rows if "loss" in r]
    evals = [(r["step"], r["eval_loss"]) for r in rows if "eval_loss" in r]
    trainable, total = trainer.model.get_nb_trainable_parameters()  # peft cuenta bien los pesos de 4 bits
    peak, kind = _peak_memory(device)
    result = TrainResult(output_dir=config.output_dir, adapter_dir=adapter_dir, log_path=log_path,
                         global_step=trainer.state.global_step, final_loss=losses[-1] if losses else None,
                         eval_loss=evals[-1][1] if evals else None,
                         start_eval_loss=evals[0][1] if evals and evals[0][0] == 0 else None, seconds=seconds, tokens=logger.tokens,
                         peak_memory_bytes=peak, peak_memory_kind=kind, trainable_params=trainable,
                         total_params=total, truncation=report, resumed_from=checkpoint,
                         processes=trainer.accelerator.num_processes,
                         engine={"fsdp": "FSDP", "deepspeed": "DeepSpeed"}.get(engine or "", "DDP"))
    if main:
        print(result)
    return result
