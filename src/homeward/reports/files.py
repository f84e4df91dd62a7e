"""A figure run as files: one CSV per table, and one XLSX workbook with a sheet per table.

Each file says what it is in its first lines (title, view, period, unit), then the table with
its row labels, then its notes; a suppressed cell is `*`, and a note row says so. Text cells go
through `core.spreadsheet.safe_cell` (a handover point's name is typed by an officer), and
numbers stay numbers in the workbook, so a reader can chart them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook

from homeward.core.spreadsheet import safe_cell
from homeward.reports.tables import Cell, Figures, Table

STAR = "*"
SUPPRESSED_NOTE = "* suppressed: too few people to publish, or a total would give one back."
_SHEET_NAME_MAX = 31
"""Excel's limit for a sheet's name."""


def _shown(value: Cell) -> str | int | float:
    return STAR if value is None else value


def rows_of(figures: Figures, table: Table) -> Iterator[list[str | int | float]]:
    """The table as the files write it, line by line (shared by CSV and XLSX)."""
    yield [safe_cell(table.title)]
    controlled = "disclosure-controlled" if figures.controlled else "in full (not for publication)"
    yield [f"View: {figures.view}, {controlled}"]
    yield [f"Period: {figures.period_start} to {figures.period_end} (end day not included)"]
    yield [f"Unit: {table.unit}"]
    yield ["", *(safe_cell(label) for label in table.column_labels)]
    for label, row in zip(table.row_labels, table.rows, strict=True):
        yield [safe_cell(label), *(_shown(value) for value in row)]
    if any(value is None for row in table.rows for value in row):
        yield [SUPPRESSED_NOTE if figures.controlled else "* not shown"]
    for note in table.notes:
        yield [safe_cell(note)]


def csv_text(figures: Figures, table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows_of(figures, table):
        writer.writerow(row)
    return out.getvalue()


def file_stem(figures: Figures) -> str:
    return f"figures-{figures.view.lower()}-{figures.period_start}-{figures.period_end}"


def write_csv(figures: Figures, directory: Path) -> list[Path]:
    """One `<stem>-<table key>.csv` per table, in UTF-8 with a byte-order mark (so a
    spreadsheet opens Arabic or accented names right)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in figures.tables:
        path = directory / f"{file_stem(figures)}-{table.key}.csv"
        path.write_text(csv_text(figures, table), encoding="utf-8-sig", newline="")
        written.append(path)
    return written


def xlsx_bytes(figures: Figures) -> bytes:
    """The workbook: a sheet per table, named by its key."""
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for table in figures.tables:
        sheet = book.create_sheet(table.key[:_SHEET_NAME_MAX])
        for row in rows_of(figures, table):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(figures: Figures, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{file_stem(figures)}.xlsx"
    path.write_bytes(xlsx_bytes(figures))
    return path
