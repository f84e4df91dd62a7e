"""Desks, their keys, officers, sign-in and sessions."""
