"""Homeward: the case system behind a coalition programme that brings foreign fighters home."""

__version__ = "0.1.0"
