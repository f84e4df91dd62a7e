"""Cells of a CSV file a person will open in a spreadsheet: none may start a formula.

Shared by every CSV Homeward writes for people (the case list, the report of invalid cells a
registry file carried), so the rule lives here, below both."""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = ",;\t|\r\n"
"""What a spreadsheet may split a line or a file on: comma, the semicolon of French and German
spreadsheets, tab, pipe, and line ends."""
_FORMULA = '(?=[ "]*[' + re.escape("".join(FORMULA_STARTS)) + "])"
_FORMULA_AFTER_SEPARATOR = re.compile("([" + re.escape(SEPARATORS) + "])" + _FORMULA)
_FORMULA_AT_START = re.compile("^" + _FORMULA)


def safe_cell(value: str) -> str:
    """OWASP's CSV injection advice, for every way the file may be split: a field that starts
    like a formula is prefixed with ', and so is whatever follows a separator inside it
    (`Ali;=1+2` becomes `Ali;'=1+2`), spaces and quotes before the formula sign included."""
    value = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    return _FORMULA_AT_START.sub("'", value)
