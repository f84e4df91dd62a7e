"""Screening: an instrument kept as data, assessments written against it and sealed to the
desk, and a second officer's recorded decision, which is what clears a case.

Importing any screening module imports `follow`, which registers the assessments with
cases/followers.py, so that they follow their case's labels and keys in every process that can
hold them.
"""

from homeward.screening import follow as follow
