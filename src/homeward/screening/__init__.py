"""Screening: an instrument kept as data, assessments written against it and sealed to the
desk, and a second officer's recorded decision, which is what clears a case."""
