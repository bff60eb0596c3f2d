"""Entrenamiento: LoRA a mano (cuaderno 03) y ajuste fino con TRL (cuaderno 04)."""
