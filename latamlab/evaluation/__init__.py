"""Evaluación: perplejidad (`perplexity`)."""
