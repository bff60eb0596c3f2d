"""Las opciones de un entrenamiento (`TrainConfig`) y los presets que trae el paquete.

Los nombres de los campos son los de los argumentos de Hugging Face (`learning_rate`,
`per_device_train_batch_size`…), así lo que aprendes aquí sirve al leer la documentación de TRL. Un
preset es un YAML de ``latamlab/train/presets/``; se carga por su nombre (``cpu``, ``t4``, ``diminuto``,
``semilla``) o por la ruta de cualquier YAML tuyo.

``LATAMLAB_CAMBIOS_PRESET`` (un mapa YAML, p. ej. ``{max_steps: 6, save_steps: 2}``) cambia todo preset o YAML que
cargue `load_train_config`: es solo para verificaciones (``make test-gpu`` corre los cuadernos con pocos pasos);
en un curso normal no se define.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from latamlab.config import Config, closest
from latamlab.errors import ConfigError
from latamlab.quant.formats import Precision
from latamlab.runtime.device import Mode

__all__ = ["TrainConfig", "PRESETS", "ENV_CHANGES", "preset_names", "preset_for_mode", "load_train_config",
           "DATASETS"]

PRESETS = Path(__file__).with_name("presets")
#: El preset de cada modo del curso: la T4 de Colab, la CPU sin internet o el modelo de pruebas.
MODE_PRESETS = {"gpu": "t4", "cpu": "cpu", "diminuto": "diminuto"}
DATASETS = ("finanzas", "consumo")
#: Cambios para verificaciones que `load_train_config` aplica sobre el archivo (ver arriba).
ENV_CHANGES = "LATAMLAB_CAMBIOS_PRESET"
Scheduler = Literal["linear", "cosine", "constant", "constant_with_warmup", "cosine_with_restarts"]
ComputeDtype = Literal["auto", "bf16", "fp16", "fp32"]


def _f(default: Any, help: str, **kwargs: Any) -> Any:
    """Un campo con su ayuda en español (las listas se copian por instancia)."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help, **kwargs})
    return field(default=default, metadata={"help": help, **kwargs})


@dataclass
class TrainConfig(Config):
    """Opciones de ``latamlab entrenar`` y de `latamlab.train.train` (las mismas, con los mismos nombres)."""

    model: str | None = _f(None, "nombre del catálogo, id del hub o carpeta; si no lo das, el del modo")
    mode: Mode | None = _f(None, "modo del curso (gpu, cpu, diminuto); si no lo das, LATAMLAB_MODO")
    precision: Precision = _f("nf4", "precisión de los pesos base: nf4 (QLoRA), fp4, int8, bf16, fp16 o fp32")
    compute_dtype: ComputeDtype = _f("auto", "tipo del cálculo mixto; auto = bf16 en una GPU con bf16 "
                                             "nativo, fp16 en una T4, fp32 en CPU")
    lora_r: int = _f(16, "rango r de LoRA")
    lora_alpha: int = _f(32, "alpha de LoRA (la escala es alpha / r)")
    lora_dropout: float = _f(0.05, "dropout de LoRA, entre 0 y 1")
    target_modules: list[str] = _f(["q_proj", "v_proj"], "capas que reciben LoRA; all-linear = todas las lineales")
    learning_rate: float = _f(2e-4, "tasa de aprendizaje")
    lr_scheduler_type: Scheduler = _f("linear", "calendario de la tasa de aprendizaje")
    warmup_steps: int = _f(0, "pasos de calentamiento de la tasa de aprendizaje")
    per_device_train_batch_size: int = _f(4, "ejemplos por lote")
    gradient_accumulation_steps: int = _f(1, "lotes que se acumulan antes de cada paso del optimizador")
    max_length: int = _f(512, "tokens máximos por ejemplo (los más largos se recortan y se informa cuántos)")
    max_steps: int = _f(-1, "pasos de entrenamiento; -1 = usa num_train_epochs")
    num_train_epochs: float = _f(1.0, "épocas (si max_steps es -1)")
    eval_steps: int = _f(0, "evalúa en validación cada tantos pasos; 0 = nunca durante el entrenamiento")
    eval_on_start: bool = _f(False, "evalúa antes del primer paso: la pérdida del adaptador sin entrenar (el punto "
                                    "de partida de la curva)")
    save_steps: int = _f(50, "guarda un punto de control cada tantos pasos; 0 = nunca")
    logging_steps: int = _f(1, "registra la pérdida cada tantos pasos")
    seed: int = _f(0, "semilla")
    output_dir: Path = _f(Path("salidas/entrenamiento"), "carpeta de los puntos de control, el registro y el adaptador")
    dataset: str = _f("finanzas", "finanzas, consumo o la carpeta de un conjunto con train.jsonl y validation.jsonl")
    max_train_examples: int | None = _f(None, "usa solo N ejemplos de entrenamiento, repartidos por país")
    max_eval_examples: int | None = _f(None, "usa solo N ejemplos de validación, repartidos por país")
    system_prompt: str | None = _f(None, "texto de sistema que va antes del país en cada conversación")
    fast_loss: bool = _f(True, "capa de salida solo en los tokens de la respuesta (misma pérdida, menos cálculo); "
                               "no = la pérdida de TRL, con sus métricas de entropía y exactitud")
    group_by_length: bool = _f(True, "arma lotes de ejemplos de largo parecido: menos relleno, mismos datos")
    gradient_checkpointing: bool = _f(True, "recalcula activaciones en el paso hacia atrás: menos memoria, más tiempo")
    init_adapter: Path | None = _f(None, "carpeta de un adaptador ya entrenado del que parte el entrenamiento "
                                         "(su r, alpha y módulos mandan); si no la das, un adaptador nuevo")
    resume: bool = _f(False, "continúa desde el último punto de control completo de output_dir")

    def __post_init__(self) -> None:
        super().__post_init__()
        positive = ("lora_r", "lora_alpha", "per_device_train_batch_size", "gradient_accumulation_steps",
                    "max_length", "logging_steps")
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"`{name}` debe ser un entero ≥ 1; recibí {getattr(self, name)}.")
        for name in ("eval_steps", "save_steps", "warmup_steps"):
            if getattr(self, name) < 0:
                raise ConfigError(f"`{name}` debe ser ≥ 0 (0 = nunca); recibí {getattr(self, name)}.")
        if not 0 <= self.lora_dropout < 1:
            raise ConfigError(f"`lora_dropout` debe estar entre 0 y 1; recibí {self.lora_dropout}.")
        if not 0 < self.learning_rate < 1:
            raise ConfigError(f"`learning_rate` debe estar entre 0 y 1 (p. ej., 2e-4); recibí {self.learning_rate}.")
        if self.max_steps == 0 or self.max_steps < -1:
            raise ConfigError(f"`max_steps` debe ser ≥ 1, o -1 para usar `num_train_epochs`; recibí {self.max_steps}.")
        if self.max_steps == -1 and self.num_train_epochs <= 0:
            raise ConfigError(f"`num_train_epochs` debe ser > 0; recibí {self.num_train_epochs}.")
        if not self.target_modules:
            raise ConfigError("`target_modules` está vacío: da al menos una capa, p. ej., [q_proj, v_proj].")
        for name in ("max_train_examples", "max_eval_examples"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ConfigError(f"`{name}` debe ser ≥ 1 o no darse; recibí {getattr(self, name)}.")
        if self.init_adapter is not None and not (Path(self.init_adapter).expanduser() / "adapter_config.json").is_file():
            raise ConfigError(f"`init_adapter`={self.init_adapter} no es la carpeta de un adaptador (le falta "
                              "adapter_config.json); da la carpeta `adaptador` de un entrenamiento anterior.")
        if self.dataset not in DATASETS and not Path(self.dataset).expanduser().exists():
            raise ConfigError(f"`dataset` debe ser {' o '.join(DATASETS)} o una carpeta que exista; recibí "
                              f"{self.dataset!r}.{closest(self.dataset, DATASETS)}")


    @classmethod
    def from_args(cls, namespace: Any) -> "TrainConfig":
        """Las opciones de ``latamlab entrenar``: el YAML o preset (si se dio) y encima las opciones escritas."""
        from dataclasses import fields

        from latamlab.config import CONFIG_FILE

        given = {f.name: getattr(namespace, f.name) for f in fields(cls) if hasattr(namespace, f.name)}
        source = getattr(namespace, CONFIG_FILE, None)
        return load_train_config(source, **given) if source else cls.from_dict(given)


def preset_names() -> list[str]:
    """Los nombres de los presets que trae el paquete (``cpu``, ``diminuto``, ``semilla``, ``t4``)."""
    return sorted(p.stem for p in PRESETS.glob("*.yaml"))


def preset_for_mode(mode: str | None = None) -> str:
    """El nombre del preset del modo (``gpu`` → ``t4``, ``cpu`` → ``cpu``, ``diminuto`` → ``diminuto``)."""
    from latamlab.runtime.device import resolve_mode

    return MODE_PRESETS[resolve_mode(mode)]


def _env_changes() -> dict[str, Any]:
    """Los cambios de ``LATAMLAB_CAMBIOS_PRESET`` (vacío si no está definida)."""
    import yaml

    text = os.environ.get(ENV_CHANGES, "").strip()
    if not text:
        return {}
    example = f"export {ENV_CHANGES}='{{max_steps: 6, save_steps: 2}}'"
    try:
        changes = yaml.safe_load(text)
    except yaml.YAMLError:
        changes = None
    if not isinstance(changes, dict):
        raise ConfigError(f"`{ENV_CHANGES}` debe ser un mapa YAML; recibí {text!r}. Ejemplo: {example}")
    names = [f.name for f in fields(TrainConfig)]
    unknown = sorted(str(k) for k in changes if k not in names)
    if unknown:
        raise ConfigError(f"`{ENV_CHANGES}` trae claves que `TrainConfig` no tiene: {', '.join(unknown)}."
                          f"{closest(unknown[0], names)} Ejemplo: {example}")
    return changes


def load_train_config(source: str | Path, **overrides: Any) -> TrainConfig:
    """Carga un preset por su nombre o un YAML por su ruta; `overrides` ganan sobre el archivo.

    Entre el archivo y `overrides` van los cambios de ``LATAMLAB_CAMBIOS_PRESET``, si está definida (solo para
    verificaciones, ver el módulo).

    Raises:
        ConfigError: si no es ni un preset ni un archivo, o si trae una clave o un valor no permitidos.
    """
    path = Path(source).expanduser()
    if not path.is_file() and path.suffix in (".yaml", ".yml"):
        raise ConfigError(f"No encuentro el archivo {source}; revisa la ruta (desde la carpeta donde estás) o usa "
                          f"un preset: {', '.join(preset_names())}.")
    if not path.is_file():
        names = preset_names()
        if str(source) not in names:
            raise ConfigError(f"{str(source)!r} no es un archivo ni un preset; los presets son: {', '.join(names)}."
                              f"{closest(str(source), names)}")
        path = PRESETS / f"{source}.yaml"
    return TrainConfig.from_yaml(path, **{**_env_changes(), **overrides})
