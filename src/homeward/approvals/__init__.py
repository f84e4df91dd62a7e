"""Approvals: a step on a case asked for by one officer and approved or refused by a
supervisor of the desk who did not ask (closing a case goes only through one).

Importing any approvals module imports `follow`, which registers approvals with
cases/followers.py, so that they follow their case's labels and keys in every process that can
hold them.
"""

from homeward.approvals import follow as follow
