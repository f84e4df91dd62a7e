"""Officer sign-in under attack: guesses judged with the limits on and off (run.py)."""
