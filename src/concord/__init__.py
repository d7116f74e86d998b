"""Concord: the working system behind a county police bureau's dispute discovery and mediation mechanism."""
