"""Rendimiento de `latamlab entrenar` frente a un entrenamiento ingenuo con peft + `Trainer`.

Uso:  .venv/bin/python scripts/medir_entrenamiento.py [--preset cpu] [--steps 8] [--examples 64] [--batch N]
                                                      [--compute_dtype auto|fp32|bf16] [--hilos 1]
                                                      [--salida salidas/entrenamiento.json]

Los tres brazos usan el mismo modelo, precisión, LoRA, datos (los primeros `--examples` de finanzas), lote
(`--batch`, o el del preset), tasa de aprendizaje y pasos:
- `latamlab entrenar PRESET` como proceso aparte (SFTTrainer, pérdida solo en la respuesta);
- lo mismo con ``--no-fast_loss --no-group_by_length`` (la pérdida y el muestreo de TRL tal cual);
- ingenuo: `get_peft_model` + `transformers.Trainer`, conversación entera tokenizada, relleno hasta la más
  larga del lote y pérdida en toda la secuencia (menos el relleno).
Imprime los tokens efectivos (sin relleno) por segundo de cada brazo, la razón entre ellos, la fracción de
relleno y las dos curvas de pérdida, y lo guarda en JSON. Cada brazo corre con `--hilos` hilos (1 por defecto) y
se mide dos veces: con el reloj (`train_runtime`) y con el tiempo de CPU del proceso durante el entrenamiento
(`cpu_s` de ``log.jsonl``, el mismo `ProgressLogCallback` en los tres brazos). Con la CPU compartida con otros
procesos, el reloj mide también la espera; el tiempo de CPU, solo el trabajo de cada brazo.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_latamlab(preset: str, steps: int, examples: int, batch: int, out: Path, extra: tuple[str, ...] = ()) -> dict:
    """`latamlab entrenar` en un proceso hijo (sin evaluar ni guardar); lee su log.jsonl."""
    cmd = [sys.executable, "-m", "latamlab", "entrenar", preset, "--max_steps", str(steps), "--save_steps", "0",
           "--eval_steps", "0", "--no-eval_on_start", "--logging_steps", "1", "--max_train_examples", str(examples),
           "--per_device_train_batch_size", str(batch), "--output_dir", str(out), *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LATAMLAB_PROGRESO": "0"}
    subprocess.run(cmd, check=True, env=env)
    from latamlab.train.callbacks import read_log

    rows = read_log(out / "log.jsonl")
    steps_rows = [r for r in rows if "loss" in r]
    return {"tokens": int(steps_rows[-1]["num_tokens"]), **_times(rows), "losses": [r["loss"] for r in steps_rows]}


def _times(rows: list[dict]) -> dict:
    """Segundos de reloj (`train_runtime`) y de CPU (`cpu_s`) del bucle de entrenamiento, de su log.jsonl."""
    final = next(r for r in rows if "train_runtime" in r)
    return {"seconds": final["train_runtime"], "cpu_seconds": final["cpu_s"]}


def run_naive(preset: str, steps: int, examples: int, batch: int, out: Path, compute_dtype: str = "auto") -> dict:
    """peft + `Trainer` con relleno hasta la más larga y pérdida en toda la secuencia."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Trainer, TrainingArguments

    from latamlab.models.load import load_model
    from latamlab.runtime.notebook import quiet_libraries, seed_everything
    from latamlab.train import load_train_config
    from latamlab.train.callbacks import ProgressLogCallback, read_log
    from latamlab.train.compat import peft_wrapping
    from latamlab.train.hardware import load_chat_splits, mixed_dtype, optimizer_for
    from latamlab.runtime.device import device_for_mode

    quiet_libraries()
    cfg = load_train_config(preset, max_train_examples=examples, per_device_train_batch_size=batch,
                            compute_dtype=compute_dtype)
    device = device_for_mode(cfg.mode)
    dtype = mixed_dtype(cfg, device)
    seed_everything(cfg.seed)
    model, tok = load_model(cfg.model, precision=cfg.precision, mode=cfg.mode, device=device)
    targets = cfg.target_modules[0] if cfg.target_modules == ["all-linear"] else cfg.target_modules
    with peft_wrapping():
        model = get_peft_model(model, LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                                                 lora_dropout=cfg.lora_dropout, target_modules=targets, bias="none",
                                                 task_type="CAUSAL_LM"))
    train_ds, _ = load_chat_splits(cfg)
    texts = [tok.apply_chat_template(r["prompt"] + r["completion"], tokenize=False) for r in train_ds]
    encoded = [tok(t, add_special_tokens=False, truncation=True, max_length=cfg.max_length) for t in texts]
    counts = {"real": 0, "padded": 0}

    def collate(batch):
        longest = max(len(b["input_ids"]) for b in batch)
        ids = torch.full((len(batch), longest), tok.pad_token_id)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for i, b in enumerate(batch):
            ids[i, : len(b["input_ids"])] = torch.tensor(b["input_ids"])
            mask[i, : len(b["input_ids"])] = 1
        counts["real"] += int(mask.sum())
        counts["padded"] += mask.numel()
        return {"input_ids": ids, "attention_mask": mask, "labels": ids.masked_fill(mask == 0, -100)}

    args = TrainingArguments(
        output_dir=str(out), max_steps=steps, per_device_train_batch_size=cfg.per_device_train_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps, learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler_type, logging_steps=1, save_strategy="no", report_to="none",
        seed=cfg.seed, bf16=dtype == torch.bfloat16, fp16=dtype == torch.float16, use_cpu=device.type == "cpu",
        optim=optimizer_for(device), activation_checkpointing=cfg.gradient_checkpointing, disable_tqdm=True,
        remove_unused_columns=False)
    out.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(model=model, args=args, train_dataset=[dict(e) for e in encoded], data_collator=collate,
                      callbacks=[ProgressLogCallback(out / "log.jsonl")])
    trainer.train()
    return {"tokens": counts["real"], **_times(read_log(out / "log.jsonl")),
            "padding_fraction": 1 - counts["real"] / counts["padded"],
            "losses": [r["loss"] for r in trainer.state.log_history if "loss" in r]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="cpu")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--examples", type=int, default=64)
    parser.add_argument("--batch", type=int, default=None, help="ejemplos por lote (por defecto, los del preset)")
    parser.add_argument("--compute_dtype", default="auto", choices=("auto", "fp32", "bf16"),
                        help="tipo del cálculo mixto de los tres brazos (auto: fp32 en CPU)")
    parser.add_argument("--hilos", type=int, default=1, help="hilos de PyTorch de cada brazo (OMP_NUM_THREADS)")
    parser.add_argument("--salida", type=Path, default=Path("salidas/entrenamiento.json"))
    opts = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(opts.hilos)  # antes de importar torch; los brazos hijos lo heredan
    os.environ.setdefault("LATAMLAB_PROGRESO", "0")
    from latamlab.numbers import fmt_number
    from latamlab.train import load_train_config

    batch = opts.batch or load_train_config(opts.preset).per_device_train_batch_size

    with tempfile.TemporaryDirectory() as tmp:
        dtype = ("--compute_dtype", opts.compute_dtype)
        ours = run_latamlab(opts.preset, opts.steps, opts.examples, batch, Path(tmp) / "latamlab", dtype)
        trl = run_latamlab(opts.preset, opts.steps, opts.examples, batch, Path(tmp) / "trl",
                           ("--no-fast_loss", "--no-group_by_length", *dtype))
        naive = run_naive(opts.preset, opts.steps, opts.examples, batch, Path(tmp) / "ingenuo", opts.compute_dtype)
    for arm in (ours, trl, naive):
        arm["tokens_per_s"] = arm["tokens"] / arm["seconds"]
        arm["tokens_per_cpu_s"] = arm["tokens"] / arm["cpu_seconds"]
    ratio = ours["tokens_per_s"] / naive["tokens_per_s"]
    cpu_ratio = ours["tokens_per_cpu_s"] / naive["tokens_per_cpu_s"]
    for name, arm in (("latamlab entrenar", ours),
                      ("latamlab entrenar --no-fast_loss --no-group_by_length (pérdida de TRL)", trl),
                      ("ingenuo (peft + Trainer, relleno)", naive)):
        print(f"{name}: {fmt_number(arm['tokens_per_s'], 1)} tokens efectivos/s de reloj, "
              f"{fmt_number(arm['tokens_per_cpu_s'], 1)} por s de CPU ({fmt_number(arm['tokens'], 0)} tokens en "
              f"{fmt_number(arm['seconds'], 1)} s de reloj, {fmt_number(arm['cpu_seconds'], 1)} s de CPU)")
    print(f"razón: {fmt_number(ratio, 2)}× con el reloj, {fmt_number(cpu_ratio, 2)}× con el tiempo de CPU · "
          f"fracción de relleno del ingenuo: {fmt_number(100 * naive['padding_fraction'], 1)} %")
    print("pérdida latamlab (solo respuesta):", " ".join(fmt_number(x, 3) for x in ours["losses"]))
    print("pérdida ingenuo (secuencia entera):", " ".join(fmt_number(x, 3) for x in naive["losses"]))
    opts.salida.parent.mkdir(parents=True, exist_ok=True)
    print(f"(preset {opts.preset}, lote {batch}, {opts.steps} pasos, primeros {opts.examples} ejemplos de finanzas)")
    opts.salida.write_text(json.dumps({"preset": opts.preset, "steps": opts.steps, "examples": opts.examples,
                                       "batch": batch, "compute_dtype": opts.compute_dtype,
                                       "threads": opts.hilos, "latamlab": ours, "trl_loss": trl, "naive": naive, "ratio": ratio,
                                       "cpu_ratio": cpu_ratio}, indent=2), encoding="utf-8")
    print(f"Guardado en {opts.salida}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
