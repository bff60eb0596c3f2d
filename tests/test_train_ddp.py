"""Más allá de un proceso: QLoRA con DDP en 2 procesos de CPU (gloo) = 1 proceso con el mismo lote global.

`accelerate launch` con la configuración que trae el paquete (``launch/ddp.yaml``) arranca dos procesos de
``tests/ddp_worker.py``, que llama a `train` tal cual. Se comprueba que corrieron de verdad dos procesos (cada
uno deja su huella; ``accelerate launch --cpu --num_processes 2`` arranca uno solo sin avisar), que sus
adaptadores en memoria son idénticos bit a bit, que las pérdidas y el adaptador coinciden con un solo proceso
con lote 2 × acumulación 2 (= 2 procesos × lote 2), que solo el proceso 0 imprime y registra, que los puntos de
control de DDP están completos y que la guarda de 4 bits de CPU corrió en cada proceso.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from latamlab.train import load_train_config, train
from latamlab.train.checkpoints import checkpoint_problem
from latamlab.train.distributed import launch_config

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "ddp_worker.py"
# QLoRA (nf4) en fp32: así la comparación con un proceso no depende de si la CPU tiene bf16 nativo.
RUN = {"precision": "nf4", "compute_dtype": "fp32", "max_steps": 4, "save_steps": 2, "max_train_examples": 16,
       "eval_steps": 0, "logging_steps": 1, "per_device_train_batch_size": 2, "group_by_length": False}
#: Tolerancia de pérdidas y adaptador frente a un proceso. Medido: diferencia 0 (los gradientes de dos procesos
#: se suman en el mismo orden que los de dos lotes acumulados); la tolerancia cubre otro orden de suma en gloo.
TOLERANCE = 1e-5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "LATAMLAB_PROGRESO": "1"}


def _losses(out: Path) -> dict[int, float]:
    rows = [json.loads(x) for x in (out / "log.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    steps = [r["step"] for r in rows if "loss" in r]
    assert len(steps) == len(set(steps)), "el registro repite pasos: escribió más de un proceso"
    return {r["step"]: r["loss"] for r in rows if "loss" in r}


def _adapter(out: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    return load_file(str(out / "adaptador" / "adapter_model.safetensors"))


@pytest.mark.slow  # dos procesos de `accelerate launch` y un entrenamiento de un proceso: ≈ 40 s en 2 núcleos
def test_two_process_ddp_qlora_matches_one_process(tmp_path):
    ddp_out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(launch_config("ddp")),
           "--num_processes", "2", "--main_process_port", str(_free_port()),
           str(WORKER), str(tmp_path), json.dumps({**RUN, "output_dir": str(ddp_out)})]
    done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]

    prints = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(tmp_path.glob("huella-*.json"))]
    assert [(p["rank"], p["world_size"], p["process_index"], p["num_processes"]) for p in prints] == [
        (0, 2, 0, 2), (1, 2, 1, 2)], prints  # dos procesos de verdad, y Trainer supo que eran dos
    assert prints[0]["pid"] != prints[1]["pid"]
    assert prints[0]["sha256"] == prints[1]["sha256"] and prints[0]["tensors"] > 0  # idénticos bit a bit
    assert all(p["layers_4bit"] > 0 and p["guarded"] for p in prints)  # QLoRA, y la guarda corrió en cada proceso

    assert done.stdout.count("Entrenamiento listo") == 1 and "en 2 procesos (DDP)" in done.stdout
    assert done.stdout.count("Recorte:") == 1
    assert done.stderr.count("Entrenando:   0%") == 1  # una sola barra de progreso
    for step in (2, 4):
        folder = ddp_out / f"checkpoint-{step}"
        assert checkpoint_problem(folder) is None and (folder / "rng_state_1.pth").is_file()

    one = train(load_train_config("diminuto", **RUN, gradient_accumulation_steps=2, output_dir=tmp_path / "uno"))
    assert one.processes == 1
    ddp_losses, one_losses = _losses(ddp_out), _losses(one.output_dir)
    assert sorted(ddp_losses) == sorted(one_losses) == [1, 2, 3, 4]
    assert [ddp_losses[s] for s in range(1, 5)] == pytest.approx([one_losses[s] for s in range(1, 5)], abs=TOLERANCE)
    ddp_adapter, one_adapter = _adapter(ddp_out), _adapter(one.output_dir)
    assert ddp_adapter.keys() == one_adapter.keys()
    gap = max((ddp_adapter[k].float() - one_adapter[k].float()).abs().max().item() for k in ddp_adapter)
    print(f"pérdidas DDP {ddp_losses} · 1 proceso {one_losses} · adaptador: diferencia máxima {gap}")
    assert gap <= TOLERANCE
