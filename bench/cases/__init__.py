"""Case list benchmark: listing and opening cases at scale, in process and over HTTP (run.py)."""
