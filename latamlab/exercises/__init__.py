"""Autocomprobaciones de los ejercicios (🐢 / 🐕 / 🦁): un módulo por cuaderno (`nb00`, `nb01`, …).

Cada función imprime ``✅`` o ``❌`` con una pista en español y devuelve ``True``/``False``; nunca lanza
un error, para que el cuaderno siga corriendo mientras practicas.
"""
