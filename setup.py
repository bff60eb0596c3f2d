"""Qué paquetes lleva la instalación; el resto de la configuración está en pyproject.toml.

`data/` sigue en la raíz del repositorio (ahí viven las fichas de los datos), pero se instala como
`latamlab.course_data`: así una instalación sin clon, como la de Colab, encuentra los datos y las
tareas de lm-eval (`latamlab.data.loaders.data_root`).
"""

from setuptools import find_namespace_packages, find_packages, setup

DATA = "latamlab.course_data"

setup(
    packages=[*find_packages(include=["latamlab*"]), DATA,
              *(f"{DATA}.{name}" for name in find_namespace_packages(where="data", exclude=["*__pycache__*"]))],
    package_dir={DATA: "data"},
)
