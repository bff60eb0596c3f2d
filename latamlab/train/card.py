"""La ficha del modelo (``README.md``) en español que acompaña a cada adaptador, en lugar de la de TRL.

TRL escribe en `output_dir` una ficha en inglés («fine-tuned version of [None](https://huggingface.co/None)») y
peft otra, casi vacía, junto a cada adaptador. `write_model_card` las reemplaza por una ficha en español con lo que
sí se sabe: el modelo base, los datos, la receta LoRA y cómo cargar el adaptador. Se usa en `train` (cuaderno 04).
"""

from __future__ import annotations

from pathlib import Path

from transformers import TrainerCallback

from latamlab.numbers import fmt_number, fmt_sci
from latamlab.train.config import TrainConfig

__all__ = ["CARD_NAME", "model_card", "write_model_card", "ModelCardCallback"]

CARD_NAME = "README.md"


def _base_model(config: TrainConfig) -> tuple[str, str | None]:
    """El nombre del modelo base (el del modo si no se dio) y su id del hub, si lo tiene."""
    from latamlab.models.catalog import default_model_name, find_card
    from latamlab.runtime.device import resolve_mode

    name = config.model or default_model_name(resolve_mode(config.mode))
    card = None if Path(name).expanduser().is_dir() else find_card(name)
    if card is not None:
        return name, card.hub_id if card.source == "hub" else None
    return name, name if "/" in name and not Path(name).expanduser().exists() else None


def model_card(config: TrainConfig, steps: int, adapter_dir: Path) -> str:
    """El texto de la ficha: metadatos YAML para el hub y, en español, qué es, cómo se entrenó y cómo se carga."""
    name, hub_id = _base_model(config)
    meta = ["---", "library_name: peft", *([f"base_model: {hub_id}"] if hub_id else []), "language: [es]",
            f"tags: [latamlab, lora, {'qlora, ' if config.precision in ('nf4', 'fp4') else ''}sft, trl]", "---"]
    rows = [("modelo base", f"`{name}` en {config.precision}"), ("datos", f"`{config.dataset}`"),
            ("LoRA", f"r = {config.lora_r}, alpha = {config.lora_alpha}, dropout = "
                     f"{fmt_number(config.lora_dropout, 2)}, capas {', '.join(config.target_modules)}"),
            ("tasa de aprendizaje", fmt_sci(config.learning_rate)), ("pasos", fmt_number(steps, 0)),
            ("ejemplos por paso", str(config.per_device_train_batch_size * config.gradient_accumulation_steps)),
            ("longitud máxima", f"{fmt_number(config.max_length, 0)} tokens"), ("semilla", str(config.seed))]
    return "\n".join([
        *meta, "", f"# Adaptador LoRA «{config.output_dir.name}» (curso latamlab)", "",
        f"Un adaptador LoRA entrenado con `latamlab entrenar` (cuaderno 04 del curso) sobre `{name}`: la pérdida cae "
        "solo en la respuesta de cada conversación, y el mensaje de sistema nombra el país de quien pregunta.", "",
        "## Cómo se entrenó", "", "| opción | valor |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows),
        "", f"El registro de cada paso está en `{config.output_dir / 'log.jsonl'}`.", "",
        "## Cómo cargarlo", "", "```python", "import latamlab as ll", "from peft import PeftModel", "",
        f"modelo, tokenizador = ll.load_model({name!r}, precision={config.precision!r})",
        f"modelo = PeftModel.from_pretrained(modelo, {str(adapter_dir)!r})", "```", "",
        "## Límites", "",
        "Los datos del curso se escribieron para enseñar: las respuestas no son asesoría financiera ni legal, y "
        "las normas de cada país cambian. Mide el adaptador antes de usarlo (`latamlab evaluar --adapter`, "
        "cuaderno 05).", ""])


def write_model_card(folder: Path, config: TrainConfig, steps: int, adapter_dir: Path) -> Path:
    """Escribe la ficha en ``folder/README.md`` (reemplaza la de TRL o la de peft) y devuelve su ruta."""
    path = Path(folder) / CARD_NAME
    path.write_text(model_card(config, steps, adapter_dir), encoding="utf-8")
    return path


class ModelCardCallback(TrainerCallback):
    """Tras cada punto de control, la ficha en español en `output_dir` y en ``checkpoint-N/``, donde TRL y peft
    acaban de dejar las suyas en inglés (así también la deja un entrenamiento que se corta a mitad)."""

    def __init__(self, config: TrainConfig, adapter_dir: Path) -> None:
        self.config, self.adapter_dir = config, adapter_dir

    def on_save(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        for folder in (Path(args.output_dir), checkpoint):
            if folder.is_dir():
                write_model_card(folder, self.config, state.global_step, self.adapter_dir)
