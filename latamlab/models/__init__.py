"""Modelos: catálogo (`catalog` + `catalog.yaml`), carga en 4 bits con la guarda de CPU (`load`),
preparación sin internet y caché (`offline`) y modelos diminutos (`tiny`)."""
