"""A filtered case list as CSV, for the officer pages and the API alike.

Only fields every reader of the list may read; no identity beyond the display name already on
the list. Every field is quoted, and no cell can start a formula however the file is split
(see `safe_cell`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from fastapi.responses import StreamingResponse

from homeward.cases.listing import CaseExport, CaseRow
from homeward.core.db import utcnow
from homeward.policy.labels import Classification

COLUMNS = (
    "reference",
    "owner_nation",
    "stage",
    "stage_entered_at",
    "stale",
    "classification",
    "labels",
    "display_name",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = ",;\t|\r\n"
"""What a spreadsheet may split a line or a file on: comma, the semicolon of French and German
spreadsheets, tab, pipe, and line ends."""
_FORMULA = '(?=[ "]*[' + re.escape("".join(FORMULA_STARTS)) + "])"
_FORMULA_AFTER_SEPARATOR = re.compile("([" + re.escape(SEPARATORS) + "])" + _FORMULA)
_FORMULA_AT_START = re.compile("^" + _FORMULA)
CHUNK_ROWS = 500
MEDIA_TYPE = "text/csv; charset=utf-8"


def safe_cell(value: str) -> str:
    """OWASP's CSV injection advice, for every way the file may be split: a field that starts
    like a formula is prefixed with ', and so is whatever follows a separator inside it
    (`Ali;=1+2` becomes `Ali;'=1+2`), spaces and quotes before the formula sign included."""
    value = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", value)
    return _FORMULA_AT_START.sub("'", value)


def _cells(row: CaseRow) -> list[str]:
    values = [
        row.reference,
        row.owner_nation,
        row.stage,
        row.stage_entered_at.replace(microsecond=0).isoformat(),
        "yes" if row.stale else "no",
        Classification(row.classification).name,
        ";".join(row.labels),
        row.display_name,
    ]
    return [safe_cell(value) for value in values]


def lines(rows: list[CaseRow]) -> Iterator[bytes]:
    """The file, a chunk of rows at a time: a byte-order mark (so that a spreadsheet opens
    Arabic and accented names as UTF-8), every field quoted, lines ending in LF (a CR there
    would start the next cell for a reader that splits on the quote's own separator)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode()
    for start in range(0, len(rows), CHUNK_ROWS):
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerows(_cells(row) for row in rows[start : start + CHUNK_ROWS])
        yield buffer.getvalue().encode()


def csv_response(export: CaseExport, nation: str) -> StreamingResponse:
    """A download, never shown inline; the headers say how many rows matched and were sent."""
    name = f"cases-{nation}-{utcnow():%Y%m%d-%H%M}.csv"
    return StreamingResponse(
        lines(export.rows),
        media_type=MEDIA_TYPE,
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "x-homeward-rows": str(len(export.rows)),
            "x-homeward-matching": str(export.total),
        },
    )
