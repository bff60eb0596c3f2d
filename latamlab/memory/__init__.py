"""Memoria: cuánto ocupan los pesos y el entrenamiento (cuadernos 00, 01 y 07).

Módulos: `weights` (bytes de pesos y del ajuste fino completo).
"""
