"""Append-only audit log: every change and every read of sealed content leaves an entry."""
