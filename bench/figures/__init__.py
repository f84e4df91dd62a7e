"""Programme figures benchmark: every figure at 100,000 cases, the page and the export (run.py)."""
