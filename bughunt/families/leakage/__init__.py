"""Leakage family: probes (child side), judges and hidden-case builders (parent side)."""
