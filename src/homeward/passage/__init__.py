"""The way home: handover points, their calendar, passage plans and their approval.

Importing any passage module imports `follow`, which registers the passage records with
cases/followers.py, so that they follow their case's labels and keys in every process that can
hold them.
"""

from homeward.passage import follow as follow
