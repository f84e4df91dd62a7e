"""The contact pages: one audience, its own helpers in deps.py."""
