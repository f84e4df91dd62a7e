"""The officer pages under /officer: one audience, its own helpers in deps.py."""
