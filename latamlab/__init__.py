"""latamlab: herramientas del curso para adaptar modelos de lenguaje en hardware modesto.

Lo que usan los cuadernos está a mano aquí: `setup`, `load_model`, `print_report`.
"""

from latamlab.env import environment_report, print_report
from latamlab.models import load_model
from latamlab.notebook import setup

__version__ = "0.1.0"
__all__ = ["setup", "load_model", "print_report", "environment_report", "__version__"]
