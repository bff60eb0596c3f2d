"""Lo que hace que el mismo cuaderno funcione en Colab y aquí: resultados en Drive, adaptador del 04, dispositivo del
modelo, caché del hub por revisión, el comando lm_eval del 05 y los pasos del 08."""

from __future__ import annotations

import os
import subprocess
import sys
import types

import pytest
import torch

from latamlab.errors import ConfigError, SetupError
from latamlab.runtime import storage


@pytest.fixture
def colab(monkeypatch, tmp_path):
    """Un `google.colab` de mentira cuyo `drive.mount` enlaza el punto de montaje con una carpeta (como la simulación)."""
    mounts = []

    def mount(mountpoint, **_):
        mounts.append(mountpoint)
        (tmp_path / "drive" / "MyDrive").mkdir(parents=True, exist_ok=True)
        os.symlink(tmp_path / "drive", mountpoint)

    google = types.ModuleType("google")
    colab_module = types.ModuleType("google.colab")
    drive = types.ModuleType("google.colab.drive")
    drive.mount = mount
    colab_module.drive = drive
    google.colab = colab_module
    for name, module in (("google", google), ("google.colab", colab_module), ("google.colab.drive", drive)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setenv(storage.ENV_DRIVE, str(tmp_path / "content" / "drive"))
    (tmp_path / "content").mkdir()
    monkeypatch.delenv(storage.ENV_RESULTS, raising=False)
    return mounts


def test_results_go_to_drive_on_colab_and_mount_once(colab, tmp_path):
    path = storage.results_path("salidas/qlora-t4")
    assert path == tmp_path / "content" / "drive" / "MyDrive" / "latamlab" / "salidas" / "qlora-t4"
    storage.results_path("salidas/otra")
    assert len(colab) == 1, "Drive se monta una sola vez"
    assert storage.results_path(tmp_path / "absoluta") == tmp_path / "absoluta"


def test_results_stay_relative_off_colab_and_follow_the_variable(monkeypatch, tmp_path):
    monkeypatch.delenv(storage.ENV_RESULTS, raising=False)
    assert not storage.in_colab()
    assert storage.results_path("salidas/qlora-cpu") == storage.Path("salidas/qlora-cpu")
    monkeypatch.setenv(storage.ENV_RESULTS, str(tmp_path))
    assert storage.results_path("salidas/x") == tmp_path / "salidas" / "x"


def test_a_refused_drive_is_one_spanish_line(colab, monkeypatch):
    def refuse(mountpoint, **_):
        raise ValueError("mount failed")

    sys.modules["google.colab.drive"].mount = refuse
    with pytest.raises(SetupError, match=r"No pude montar Google Drive .*acepta el permiso") as error:
        storage.results_root()
    assert "\n" not in str(error.value)


def test_find_adapter_says_what_to_run_and_deletes_nothing(tmp_path, monkeypatch):
    from latamlab.train import find_adapter, load_train_config

    monkeypatch.setenv(storage.ENV_RESULTS, str(tmp_path))
    (tmp_path / "salidas" / "diminuto" / "checkpoint-2").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"No encontré el adaptador del cuaderno 04 en .*Corre el cuaderno 04") as error:
        find_adapter(load_train_config("diminuto"))
    assert "\n" not in str(error.value)
    assert (tmp_path / "salidas" / "diminuto" / "checkpoint-2").is_dir()


def test_find_adapter_trains_a_short_one_and_rejects_another_base(tmp_path, monkeypatch):
    from latamlab.train import find_adapter, load_train_config
    from latamlab.train.adapters import adapter_base

    monkeypatch.setenv(storage.ENV_RESULTS, str(tmp_path))
    config = load_train_config("diminuto", max_train_examples=8, max_eval_examples=4, compute_dtype="fp32")
    adapter = find_adapter(config, train_if_missing=True)
    assert adapter == tmp_path / "salidas" / "diminuto" / "adaptador"
    assert (adapter / "adapter_model.safetensors").is_file() and "diminuto" in adapter_base(adapter)
    assert find_adapter(config) == adapter  # ya está: no se entrena otra vez
    with pytest.raises(ConfigError, match="se entrenó sobre"):
        find_adapter(config.replace(model="diminuto-qwen2"))


def test_inputs_follow_the_model_device():
    from latamlab.runtime.device import to_model_device

    model = torch.nn.Linear(2, 2).to(torch.float64)
    batch = {"input_ids": torch.ones(1, 2, dtype=torch.long), "names": ["x"]}
    moved = to_model_device(batch, model)
    assert moved["input_ids"].device == next(model.parameters()).device and moved["names"] == ["x"]
    assert to_model_device(torch.zeros(1), model).device.type == "cpu"


def test_device_override_runs_gpu_mode_on_cpu(monkeypatch):
    from latamlab.runtime.device import ENV_DEVICE, device_for_mode

    monkeypatch.setenv(ENV_DEVICE, "cpu")
    assert device_for_mode("gpu").type == "cpu"
    monkeypatch.setenv(ENV_DEVICE, "tpu")
    with pytest.raises(ConfigError, match="debe ser cpu o cuda; recibí 'tpu'"):
        device_for_mode("gpu")


def test_a_pinned_download_is_found_offline_by_its_revision(tmp_path, monkeypatch, tiny_dir):
    """Una descarga fijada a un commit deja solo snapshots/<commit> (sin refs/main): hay que buscarla por revisión."""
    import shutil

    from latamlab.models.catalog import get_card
    from latamlab.models.load import resolve_source

    card = get_card("qwen2.5-1.5b-instruct")
    snapshot = tmp_path / "models--Qwen--Qwen2.5-1.5B-Instruct" / "snapshots" / card.revision
    shutil.copytree(tiny_dir, snapshot)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    assert resolve_source("qwen2.5-1.5b-instruct") == (card.hub_id, card.revision)


def test_lm_eval_command_names_model_revision_device_and_type(tmp_path):
    from latamlab.data.loaders import data_root
    from latamlab.evaluation.harness import MC_TASK, lm_eval_command

    command = lm_eval_command("Qwen/Qwen2.5-1.5B-Instruct", [MC_TASK], tmp_path, limit=8, precision="fp16",
                              revision="989aa79", device="cuda:0")
    assert command[command.index("--model_args") + 1] == "pretrained=Qwen/Qwen2.5-1.5B-Instruct,dtype=float16,revision=989aa79"
    assert command[command.index("--device") + 1] == "cuda:0"
    assert command[command.index("--include_path") + 1] == str(data_root() / "variantes" / "lm_eval")
    with pytest.raises(ConfigError, match="`precision` debe ser una de fp32, fp16, bf16"):
        lm_eval_command("x", [MC_TASK], tmp_path, precision="nf4")


def test_git_noise_from_lm_eval_is_dropped_and_the_rest_kept(capfd):
    from latamlab.evaluation.harness import _without_git_noise

    with _without_git_noise():
        subprocess.run("echo 'fatal: not a git repository (or any of the parent directories): .git' >&2; "
                       "echo 'otro aviso' >&2", shell=True, check=True)
    assert capfd.readouterr().err == "otro aviso\n"


def test_final_project_steps_follow_the_data():
    from latamlab.data.country import steps_for_epochs
    from latamlab.train import load_train_config

    t4 = load_train_config("t4")  # 4 × 4 = 16 ejemplos por paso
    assert steps_for_epochs(110, t4, epochs=2) == 14  # no los 200 del preset (≈ 28 épocas)
    assert steps_for_epochs(3, t4) == 1
    assert steps_for_epochs(845, t4.replace(max_train_examples=24), epochs=2) == 3  # épocas sobre lo que se usa
    with pytest.raises(ConfigError, match="deben ser positivos"):
        steps_for_epochs(0, t4)
