"""Las configuraciones de `accelerate launch` que trae el paquete (DDP, FSDP, ZeRO-2/3) y las reglas de FSDP/ZeRO.

Cada YAML de ``latamlab/train/launch/`` se lee como lo lee `accelerate launch` (claves de primer nivel con su
`ClusterConfig`, claves anidadas contra las opciones del lanzador, valores al construir el plugin de FSDP o de
DeepSpeed con el entorno que prepararía el lanzador). Las corridas de FSDP y ZeRO necesitan GPU: ver sus motivos.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from latamlab.errors import ConfigError
from latamlab.train.distributed import check_sharding, launch_config, launch_config_names, sharded_quant_preset

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = {"ddp": "MULTI_GPU", "fsdp_lora": "FSDP", "fsdp_qlora": "FSDP", "zero2": "DEEPSPEED", "zero3": "DEEPSPEED"}


def _launcher_env(path: Path) -> dict[str, str]:
    """El entorno que `accelerate launch --config_file path` daría a cada proceso (sin lanzar ninguno)."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    args, _, _ = _validate_launch_command(launch_command_parser().parse_args(["--config_file", str(path), "x.py"]))
    if args.use_deepspeed:
        fields = yaml.safe_load(path.read_text(encoding="utf-8"))["deepspeed_config"]
        args.deepspeed_fields_from_accelerate_config = list(fields)  # lo que hace `launch_command`
        return prepare_deepspeed_cmd_env(args)[1]
    return prepare_multi_gpu_env(args)


def test_every_shipped_config_is_listed():
    assert launch_config_names() == sorted(EXPECTED)
    with pytest.raises(ConfigError, match=r"recibí 'zero-3'.*¿Quisiste decir `zero3`\?"):
        launch_config("zero-3")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_config_keys_are_valid_for_accelerate(name):
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.commands.launch import launch_command_parser

    path = launch_config(name)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and "accelerate launch --config_file" in text  # explicado en español, con su comando
    config = ClusterConfig.from_yaml_file(str(path))  # rechaza claves de primer nivel desconocidas
    assert config.distributed_type.value == EXPECTED[name]
    assert not config.use_cpu  # use_cpu (o MULTI_CPU) arranca UN solo proceso sin avisar
    options = {a.dest for a in launch_command_parser()._actions}
    nested = [k if k.startswith("fsdp") else f"fsdp_{k}" for k in config.fsdp_config] + list(config.deepspeed_config)
    assert not [k for k in nested if k not in options], "claves que accelerate launch ignoraría sin avisar"


@pytest.mark.parametrize("name", ["fsdp_lora", "fsdp_qlora"])
def test_fsdp_values_are_valid(name, monkeypatch):
    from accelerate.utils import FullyShardedDataParallelPlugin
    from accelerate.utils import constants as names

    env = _launcher_env(launch_config(name))
    allowed = {"FSDP_SHARDING_STRATEGY": names.FSDP_SHARDING_STRATEGY, "FSDP_AUTO_WRAP_POLICY":
               names.FSDP_AUTO_WRAP_POLICY, "FSDP_STATE_DICT_TYPE": names.FSDP_STATE_DICT_TYPE,
               "FSDP_BACKWARD_PREFETCH": names.FSDP_BACKWARD_PREFETCH}
    assert {k: env[k] for k in allowed if k in env and env[k] not in allowed[k]} == {}
    if name == "fsdp_qlora":  # lo que exigen PEFT y bitsandbytes para FSDP + QLoRA
        keys = ("FSDP_VERSION", "FSDP_USE_ORIG_PARAMS", "FSDP_CPU_RAM_EFFICIENT_LOADING", "FSDP_OFFLOAD_PARAMS",
                "FSDP_SHARDING_STRATEGY")
        assert [env[k] for k in keys] == ["1", "false", "true", "true", "FULL_SHARD"]
        if not torch.cuda.is_available():
            return  # FSDP1 con sync_module_states pide `torch.cuda.current_device()` al construir el plugin
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    plugin = FullyShardedDataParallelPlugin()  # valida tipos y combinaciones como al lanzar
    assert plugin.fsdp_version == int(env["FSDP_VERSION"]) and plugin.cpu_ram_efficient_loading
    assert plugin.state_dict_type.name == "SHARDED_STATE_DICT"


@pytest.mark.parametrize("name, stage", [("zero2", 2), ("zero3", 3)])
def test_deepspeed_values_build_the_plugin(name, stage, monkeypatch):
    from accelerate.utils import DeepSpeedPlugin

    for key, value in _launcher_env(launch_config(name)).items():
        monkeypatch.setenv(key, value)
    plugin = DeepSpeedPlugin()  # se construye sin el paquete deepspeed
    zero = plugin.deepspeed_config["zero_optimization"]
    assert plugin.zero_stage == zero["stage"] == stage
    assert zero["stage3_gather_16bit_weights_on_model_save"] is (stage == 3)
    assert "gradient_accumulation_steps" not in plugin.deepspeed_config or \
        plugin.deepspeed_config["gradient_accumulation_steps"] == "auto"  # manda el preset, no el YAML


def test_fsdp_and_zero_need_float_storage_for_4_bits(monkeypatch):
    from latamlab.quant.presets import bnb_config, torch_dtype_for
    from latamlab.train.hardware import optimizer_for

    cpu = torch.device("cpu")
    assert sharded_quant_preset("nf4", cpu) is None  # sin FSDP ni DeepSpeed: la receta de siempre (uint8)
    for engine in ("ACCELERATE_USE_FSDP", "ACCELERATE_USE_DEEPSPEED"):
        monkeypatch.setenv(engine, "true")
        preset = sharded_quant_preset("nf4", cpu)
        assert preset.quant_storage == torch_dtype_for("nf4", cpu) and preset.quant_type == "nf4"
        assert bnb_config("nf4", cpu, preset).bnb_4bit_quant_storage == torch_dtype_for("nf4", cpu)
        assert sharded_quant_preset("int8", cpu) is None and sharded_quant_preset("bf16", cpu) is None
        monkeypatch.delenv(engine)
    assert optimizer_for(torch.device("cuda"), sharded=True) == "adamw_torch"


def test_fsdp_on_cpu_is_one_spanish_error_before_writing(monkeypatch, tmp_path):
    """accelerate 1.15 solo activa FSDP en GPU: en CPU entrenaría con DDP sin avisar. latamlab lo dice antes."""
    from latamlab.train import load_train_config, train

    monkeypatch.setenv("ACCELERATE_USE_FSDP", "true")
    with pytest.raises(ConfigError, match="en CPU accelerate lo ignora sin avisar y entrenaría con DDP"):
        train(load_train_config("diminuto"), output_dir=tmp_path / "x")
    assert not (tmp_path / "x").exists()
    monkeypatch.delenv("ACCELERATE_USE_FSDP")
    monkeypatch.setenv("ACCELERATE_USE_DEEPSPEED", "true")
    if importlib.util.find_spec("deepspeed") is None:
        with pytest.raises(ConfigError, match="el paquete `deepspeed` no está instalado"):
            check_sharding(torch.device("cpu"))


_TWO_GPUS = ("FSDP y ZeRO reparten pesos entre GPU: accelerate 1.15 activa FSDP solo con un tipo distribuido de "
             "acelerador (MULTI_GPU…); en CPU (MULTI_CPU, gloo) lo ignora y entrena con DDP (verificado: "
             "`Accelerator(cpu=True)` bajo fsdp_lora.yaml da MULTI_CPU sin plugin); la ruta FSDP-QLoRA de "
             "bitsandbytes y PEFT está documentada para GPU, y ZeRO necesita `deepspeed`. Hacen falta 2 GPU")


@pytest.mark.gpu
@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.device_count() < 2, reason=_TWO_GPUS)
@pytest.mark.parametrize("name", ["fsdp_qlora", "fsdp_lora", "zero2", "zero3"])
def test_sharded_training_on_two_gpus(name, tmp_path):
    if name.startswith("zero") and importlib.util.find_spec("deepspeed") is None:
        pytest.skip("DeepSpeed no está instalado (compila extensiones CUDA; el curso no lo instala)")
    out = tmp_path / "salida"
    precision = "nf4" if name in ("fsdp_qlora", "zero2", "zero3") else "bf16"
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(launch_config(name)),
           "--num_processes", "2", str(ROOT / "tests" / "ddp_worker.py"), str(tmp_path),
           json.dumps({"mode": "gpu", "precision": precision, "max_steps": 3, "save_steps": 2, "eval_steps": 0,
                       "max_train_examples": 16, "output_dir": str(out)})]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "en 2 procesos (" + ("FSDP" if name.startswith("fsdp") else "DeepSpeed") + ")" in done.stdout
    assert sorted(p.name for p in tmp_path.glob("huella-*.json")) == ["huella-0.json", "huella-1.json"]
    assert (out / "adaptador" / "adapter_model.safetensors").is_file()
