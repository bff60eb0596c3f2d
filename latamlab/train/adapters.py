"""Adaptadores LoRA guardados: cargarlos sobre una base, cambiar de uno a otro y medir cada uno en cada dominio.

Un adaptador es una carpeta pequeña (``adapter_config.json`` + ``adapter_model.safetensors``) que se pega
sobre el modelo base sin tocarlo: una sola base en memoria sirve a varios dominios, y cambiar de dominio es
cambiar de adaptador (`PeftModel.set_adapter`). Se enseña en el cuaderno 04.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from latamlab.errors import ConfigError
from latamlab.numbers import fmt_number
from latamlab.train.config import TrainConfig

__all__ = ["BASE", "SHORT_STEPS", "attach_adapters", "adapter_base", "check_adapter_base", "find_adapter",
           "validation_loss", "cross_domain_losses", "format_loss_table"]

#: Nombre de la fila del modelo base (con los adaptadores apagados) en `cross_domain_losses`.
BASE = "sin adaptador"


def attach_adapters(model, adapters: Mapping[str, str | Path]):
    """Carga cada adaptador (nombre → carpeta) sobre el mismo `model` base, para inferencia.

    Returns:
        Un `peft.PeftModel` con todos los adaptadores; el activo es el primero (cámbialo con
        ``set_adapter(nombre)``).
    """
    from peft import PeftModel

    from latamlab.train.compat import peft_wrapping

    (first, first_dir), *rest = adapters.items()
    with peft_wrapping():
        peft_model = PeftModel.from_pretrained(model, str(first_dir), adapter_name=first)
    for name, folder in rest:
        peft_model.load_adapter(str(folder), adapter_name=name)
    peft_model.set_adapter(first, inference_mode=True)
    peft_model.eval()
    return peft_model


def _model_key(name: str) -> str:
    """Un nombre comparable para un modelo: el del catálogo si lo hay (por nombre, id del hub o carpeta local)."""
    from latamlab.models.catalog import find_card

    card = find_card(name) or find_card(Path(name).name)
    return card.name if card is not None else str(Path(name).expanduser().resolve()) if Path(name).exists() else name


def adapter_base(adapter: str | Path) -> str:
    """El modelo base con que se entrenó un adaptador (``base_model_name_or_path`` de su ``adapter_config.json``).

    Raises:
        ConfigError: si la carpeta no tiene ``adapter_config.json``.
    """
    import json

    config = Path(adapter) / "adapter_config.json"
    if not config.is_file():
        raise ConfigError(f"`adapter` {str(adapter)!r} no es un adaptador: le falta adapter_config.json. Da la carpeta "
                          "que guardó el entrenamiento (p. ej., salidas/entrenamiento/adaptador).")
    return str(json.loads(config.read_text(encoding="utf-8")).get("base_model_name_or_path") or "")


def check_adapter_base(adapter: str | Path, model: str) -> None:
    """Falla si `adapter` se entrenó sobre otro modelo base que `model` (nombre del catálogo, id o carpeta).

    Un adaptador LoRA solo tiene sentido sobre los pesos con que se entrenó: sobre otra base de la misma forma
    carga sin error y da basura, y sobre una de otra forma falla con un error de tamaños difícil de leer.

    Raises:
        ConfigError: si las bases no coinciden (el mensaje nombra las dos).
    """
    base = adapter_base(adapter)
    if base and _model_key(base) != _model_key(model):
        raise ConfigError(f"El adaptador {adapter} se entrenó sobre {base!r} y lo quieres usar con {model!r}: "
                          f"un adaptador solo sirve sobre su modelo base. Usa --model {_model_key(base)}.")


#: Pasos del entrenamiento corto que ofrece `find_adapter` cuando falta el adaptador del cuaderno 04.
SHORT_STEPS = 30


def find_adapter(config: TrainConfig, train_if_missing: bool = False) -> Path:
    """El adaptador que dejó el cuaderno 04 con `config` (su preset), buscado donde viajan los resultados.

    La carpeta es ``results_path(config.output_dir) / "adaptador"``: en Colab, dentro de tu Drive
    (`latamlab.runtime.storage`), así que la encuentras aunque cada cuaderno sea un entorno nuevo. Lo usan los
    cuadernos 05, 06 y 08.

    Args:
        config: el preset del 04 para tu modo (``load_train_config(preset_for_mode(modo))``).
        train_if_missing: si falta, entrena aquí uno corto (`SHORT_STEPS` pasos como máximo, o termina la corrida
            del 04 desde su último punto de control si quedó a medias) en vez de fallar. No borra nada.

    Returns:
        La carpeta del adaptador.

    Raises:
        ConfigError: si falta (y `train_if_missing` es falso), o si se entrenó sobre otro modelo base.
    """
    from latamlab.runtime.storage import results_path

    config = config.replace(output_dir=results_path(config.output_dir))
    adapter = config.output_dir / "adaptador"
    if not (adapter / "adapter_model.safetensors").is_file():
        if not train_if_missing:
            raise ConfigError(
                f"No encontré el adaptador del cuaderno 04 en {adapter}. Corre el cuaderno 04 en este mismo modo "
                f"(lo guarda ahí), o pon `ENTRENAR_SI_FALTA = True` (`train_if_missing=True`) para entrenar aquí "
                f"uno corto ({SHORT_STEPS} pasos como máximo)."
            )
        from latamlab.train.trainer import train

        unfinished = any(config.output_dir.glob("checkpoint-*"))
        short = config if unfinished else config.replace(max_steps=min(config.max_steps, SHORT_STEPS),
                                                         eval_on_start=False, eval_steps=0, save_steps=0)
        print(f"Falta el adaptador del cuaderno 04: {'termino su corrida' if unfinished else 'entreno uno corto'} "
              f"en {config.output_dir} ({short.max_steps} pasos).")
        adapter = train(short, resume=unfinished).adapter_dir
    check_adapter_base(adapter, config.model)
    return adapter


def validation_loss(model, tokenizer, dataset, config: TrainConfig) -> float:
    """Pérdida media sobre las respuestas de `dataset` (conversaciones prompt–completion), como en el entrenamiento.

    Usa el mismo entrenador que `train` (tokenización, máscara, pérdida y lote de `config`), solo para evaluar.
    """
    from latamlab.runtime.device import device_for_mode
    from latamlab.train.hardware import mixed_dtype
    from latamlab.train.trainer import build_trainer

    device = device_for_mode(config.mode)
    # trl exige un conjunto de entrenamiento aunque solo se evalúe: se le da el mismo (no se entrena).
    trainer = build_trainer(config, model, tokenizer, dataset, dataset, mixed_dtype(config, device), device)
    return float(trainer.evaluate()["eval_loss"])


def cross_domain_losses(model, tokenizer, datasets: Mapping[str, object],
                        config: TrainConfig) -> dict[str, dict[str, float]]:
    """La pérdida de validación de cada adaptador de `model` (y de la base sola) en cada dominio.

    Args:
        model: un `PeftModel` con los adaptadores cargados (`attach_adapters`).
        datasets: dominio → conjunto de validación prompt–completion.
        config: la configuración del entrenamiento (lote, `max_length`, modo).

    Returns:
        ``{adaptador: {dominio: pérdida}}``, con una fila `BASE` para el modelo sin adaptador.
    """
    from latamlab.runtime.notebook import progress

    rows = [BASE, *model.peft_config]
    table: dict[str, dict[str, float]] = {row: {} for row in rows}
    active = model.active_adapter
    with progress(total=len(rows) * len(datasets), desc="Evaluando", unit="evaluación") as bar:
        for row in rows:
            for domain, dataset in datasets.items():
                if row == BASE:
                    with model.disable_adapter():
                        table[row][domain] = validation_loss(model, tokenizer, dataset, config)
                else:
                    model.set_adapter(row, inference_mode=True)
                    table[row][domain] = validation_loss(model, tokenizer, dataset, config)
                bar.update(1)
    model.set_adapter(active, inference_mode=True)
    return table


def format_loss_table(table: Mapping[str, Mapping[str, float]]) -> str:
    """La tabla de `cross_domain_losses` en texto: una fila por adaptador, una columna por dominio."""
    domains = list(next(iter(table.values())))
    width = max(len(r) for r in table) + 2
    lines = ["adaptador".ljust(width) + "".join(f"{d:>12}" for d in domains)]
    for row, values in table.items():
        lines.append(row.ljust(width) + "".join(f"{fmt_number(values[d], 3):>12}" for d in domains))
    return "\n".join(lines)
