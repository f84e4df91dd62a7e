"""Durability: SQLite synchronous=FULL against NORMAL on the intake load (run.py)."""
