"""Contact flood against officers: the real server under a flood of contact sign-ins (run.py)."""
