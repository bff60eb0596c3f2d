"""latamlab: herramientas del curso para adaptar modelos de lenguaje en hardware modesto."""

__version__ = "0.1.0"
