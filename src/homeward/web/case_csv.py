"""A filtered case list as CSV, for the officer pages and the API alike.

Only fields every reader of the list may read; no identity beyond the display name already on
the list. Every field is quoted, and no cell can start a formula however the file is split
(see `core.spreadsheet.safe_cell`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from fastapi.responses import StreamingResponse

from homeward.cases.listing import CaseExport, CaseRow
from homeward.core.db import utcnow
from homeward.core.spreadsheet import safe_cell
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
CHUNK_ROWS = 500
MEDIA_TYPE = "text/csv; charset=utf-8"


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
