"""Audit log benchmark: appends, verification and proof sizes (run.py)."""
