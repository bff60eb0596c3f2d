"""Memoria: cuánto ocupan los pesos y el entrenamiento, si cabe en una GPU y cuánto cuesta (cuadernos 00, 01 y 07).

Módulos: `weights` (bytes de pesos), `configs` (arquitecturas sin pesos), `activations` (la fórmula por
capa), `estimate` (el desglose estimado), `ledger` (el libro exacto medido), `validate` (uno contra otro),
`gpus` (GPUs fechadas, búsqueda de lo que cabe, ZeRO/FSDP), `fit_table`, `cost` y `report` (``latamlab memoria``).
"""
