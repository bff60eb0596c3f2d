"""Una desconexión de verdad: `latamlab entrenar` muere con SIGKILL entre puntos de control y continúa.

El proceso hijo se mata después de guardar checkpoint-4 y antes de checkpoint-6; además se trunca a
propósito el adaptador de checkpoint-4, así que `--resume` debe saltarlo con un aviso, continuar desde
checkpoint-2 y terminar con las mismas pérdidas que un entrenamiento sin cortes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from latamlab.train import load_train_config, train
from latamlab.train.checkpoints import IncompleteCheckpointWarning, checkpoint_problem, latest_complete_checkpoint
from latamlab.train.disconnect import interrupted_run

ROOT = Path(__file__).resolve().parents[1]
# Cálculo en fp32 fijado (como el automático en CPU): en bf16 el resultado depende de los hilos, y el
# proceso cortado (1 hilo) y el entero (los de pytest) difieren ≈ 5e-4 sin que falle la continuación.
CUT = {"max_steps": 6, "save_steps": 2, "max_train_examples": 24, "eval_steps": 0, "logging_steps": 1,
       "compute_dtype": "fp32"}
ARGS = ["diminuto", *(f"--{k}={v}" for k, v in CUT.items())]


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "LATAMLAB_PROGRESO": "0"}


def _rows(out: Path) -> list[dict]:
    log = out / "log.jsonl"
    return [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines() if x.strip()] if log.exists() else []


def _step_losses(out: Path) -> dict[int, float]:
    return {r["step"]: r["loss"] for r in _rows(out) if "loss" in r}


@pytest.mark.slow  # dos procesos hijos de `latamlab entrenar` y un entrenamiento entero: ≈ 45 s en 2 núcleos
def test_sigkill_between_checkpoints_then_resume_matches(tmp_path):
    out = tmp_path / "cortado"
    cmd = [sys.executable, "-m", "latamlab", "entrenar", *ARGS, "--output_dir", str(out)]
    cut = interrupted_run(load_train_config(ARGS[0], **CUT, output_dir=out), kill_after_step=5, timeout_s=120,
                          env=_env())
    assert cut.last_step == 5 and cut.checkpoints == ["checkpoint-2", "checkpoint-4"]
    assert "SIGKILL después del paso 5" in str(cut)
    assert (out / "checkpoint-4" / "trainer_state.json").is_file() and not (out / "checkpoint-6").exists()
    assert not (out / "adaptador").exists()

    adapter = out / "checkpoint-4" / "adapter_model.safetensors"
    adapter.write_bytes(adapter.read_bytes()[: adapter.stat().st_size // 2])  # a medias, a propósito
    assert checkpoint_problem(out / "checkpoint-4") == "adapter_model.safetensors está truncado"
    with pytest.warns(IncompleteCheckpointWarning, match="Salto checkpoint-4"):
        assert latest_complete_checkpoint(out) == out / "checkpoint-2"

    resumed = subprocess.run([*cmd, "--resume"], env=_env(), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "aviso: Salto checkpoint-4: está a medias (adapter_model.safetensors está truncado)" in resumed.stderr
    assert "continuado desde checkpoint-2" in resumed.stdout
    assert (out / "checkpoint-4" / "adapter_model.safetensors").exists()  # no se borra nada del usuario

    whole = tmp_path / "entero"
    train(load_train_config("diminuto", **CUT, output_dir=whole))
    cut, full = _step_losses(out), _step_losses(whole)
    assert sorted(cut) == sorted(full) == [1, 2, 3, 4, 5, 6]  # el registro no repite los pasos rehechos
    assert cut[6] == pytest.approx(full[6], abs=1e-4)
    assert [cut[s] for s in range(1, 7)] == pytest.approx([full[s] for s in range(1, 7)], abs=1e-4)


@pytest.mark.parametrize("name", ["optimizer.pt", "trainer_state.json"])
def test_missing_or_truncated_files_make_a_checkpoint_incomplete(tmp_path, name):
    from latamlab.train.checkpoints import REQUIRED

    folder = tmp_path / "checkpoint-3"
    folder.mkdir()
    for f in REQUIRED:
        (folder / f).write_bytes(b"")
    (folder / name).unlink()
    assert checkpoint_problem(folder) == f"falta {name}"
