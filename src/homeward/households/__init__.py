"""Households and a child's own path: links between the cases of one family, and a child's
best-interests assessment and handover to a child-protection actor.

Importing any households module imports `follow`, which registers links and assessments with
cases/followers.py, so that they follow their case's labels and keys in every process.
"""

from homeward.households import child_protection_follow as child_protection_follow
from homeward.households import follow as follow
