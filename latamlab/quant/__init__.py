"""Cuantización: precisiones y bits por parámetro (`formats`), recetas de bitsandbytes (`presets`), tablas
de niveles (`levels`) y cuantización a mano por bloques (`by_hand`)."""
