"""The way home: booking check, calendar page and the race for the last place (run.py)."""
