"""Registry files received over the web, read in memory (an uploaded registry is tier-2
content and never touches the disk in clear): CSV as UTF-8 text, or the first sheet of an
XLSX workbook, through the same all-or-nothing reader as files on disk."""

from __future__ import annotations

import csv
import io
import zipfile

from homeward.identity.reports import (
    PersonReport,
    ReportsRefused,
    _cell,
    _trim_empty_columns,
    parse_reports,
    read_csv_text,
)

XLSX_MAGIC = b"PK\x03\x04"


def read_csv(text: str) -> list[PersonReport]:
    """Validate CSV text; a line the csv module cannot read at all is refused as such."""
    try:
        return read_csv_text(text)
    except csv.Error as exc:
        raise ReportsRefused([f"file: not readable as CSV ({exc})"]) from exc


def read_upload(data: bytes, filename: str) -> list[PersonReport]:
    """Validate an uploaded file: XLSX by its name or its zip signature, otherwise CSV."""
    if filename.lower().endswith(".xlsx") or data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportsRefused([f"file: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    return read_csv(text)


def _read_xlsx(data: bytes) -> list[PersonReport]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReportsRefused(["file: not a readable XLSX workbook"]) from exc
    try:
        rows = [
            [_cell(value) for value in row]
            for row in workbook.worksheets[0].iter_rows(values_only=True)
        ]
    finally:
        workbook.close()
    return parse_reports(_trim_empty_columns(rows))
