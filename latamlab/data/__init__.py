"""Datos del curso: JSONL estricto (`jsonl`), esquemas (`schemas`), cargadores (`loaders`), casi duplicados
(`dedup`) y validación (`validate`, el comando `latamlab datos validar`)."""
