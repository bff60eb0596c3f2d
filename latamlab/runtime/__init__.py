"""Entorno de ejecución: modo y dispositivo (`device`), informe del entorno (`report`), ruido de bibliotecas filtrado
al importar (`noise`) y preparación de cuadernos, silencio y barras de progreso (`notebook`)."""
