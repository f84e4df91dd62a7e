"""Contact intake benchmark: the real server under many contacts at once (run.py)."""
