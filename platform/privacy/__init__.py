"""PRIV: who sees which field of whom, decided in one place (see privacy.matrix)."""
