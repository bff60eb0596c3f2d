"""`SFTTrainer` con la capa de salida calculada solo en los tokens que llevan pérdida.

La pérdida de TRL pasa todas las posiciones (prompt y relleno incluidos) por la capa de salida, calcula
log-probabilidades sobre el vocabulario entero y, además, la entropía y la exactitud por token para sus
métricas. En CPU eso pesa (medido en el feasibility run: ≈ 30 % más lento que la pérdida simple). Aquí se
eligen las posiciones cuya etiqueta siguiente no es -100 (la respuesta y su fin de turno) y solo esas pasan
por la capa de salida (`logits_to_keep` con una máscara) y la entropía cruzada. El valor de la
pérdida es el mismo (mismas etiquetas, misma normalización); cambia el costo. La evaluación (solo la
pérdida) usa el mismo camino: `tests/test_train_run.py` la compara con la de `SFTTrainer`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from trl import SFTTrainer

__all__ = ["AnswerOnlySFTTrainer"]


class AnswerOnlySFTTrainer(SFTTrainer):
    """Igual que `SFTTrainer`, pero la capa de salida solo ve las posiciones con pérdida."""

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if return_outputs or "labels" not in inputs or "attention_mask" not in inputs:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs["labels"]
        # Posición t predice la etiqueta t + 1: se guardan las posiciones cuya etiqueta siguiente cuenta.
        keep = torch.zeros_like(labels, dtype=torch.bool)
        keep[:, :-1] = labels[:, 1:] != -100
        # Por el `forward` del modelo envuelto (no por sus submódulos): con DDP, saltarse ese `forward` deja los
        # gradientes sin promediar entre procesos, sin ningún error (tests/test_train_ddp.py lo comprueba).
        logits = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"], use_cache=False,
                       logits_to_keep=keep).logits.float()
        total = F.cross_entropy(logits, labels[:, 1:][keep[:, :-1]], reduction="sum")
        count = keep.sum() if num_items_in_batch is None else num_items_in_batch
        loss = total / torch.as_tensor(count, device=total.device).clamp(min=1)
        if self.args.average_tokens_across_devices and num_items_in_batch is not None:
            loss = loss * self.accelerator.num_processes
        mode = "train" if self.model.training else "eval"
        if mode == "train":  # como trl: los tokens de todos los procesos
            self._total_train_tokens += int(self.accelerator.gather_for_metrics(inputs["attention_mask"].sum()).sum())
        self._metrics[mode]["num_tokens"] = [self._total_train_tokens]
        return loss

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        """En la evaluación sin métricas extra, la misma pérdida por el camino corto (sin logits completos)."""
        if not prediction_loss_only or "labels" not in inputs or "attention_mask" not in inputs:
            return super().prediction_step(model, inputs, prediction_loss_only, ignore_keys)
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad(), self.compute_loss_context_manager():
            loss = self.compute_loss(model, inputs)
        return loss.detach(), None, None
