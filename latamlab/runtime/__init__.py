"""Entorno de ejecución: modo y dispositivo (`device`), informe del entorno (`report`) y preparación de
cuadernos, silencio y barras de progreso (`notebook`)."""
