"""Debrief benchmark: list, open, export and import of debrief reports on both engines."""
