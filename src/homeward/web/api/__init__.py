"""The JSON API under /api/v1: one audience, its own helpers in deps.py."""
