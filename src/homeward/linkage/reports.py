"""Person reports: the exchange format (CSV or XLSX) and its validating reader.

A file is imported whole or not at all: every bad row is reported with its line and field,
so an officer fixes the file once instead of once per error."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import pycountry

from homeward.core.errors import BadInput
from homeward.linkage.dates import check_partial_date

COLUMNS: tuple[str, ...] = (
    "record_id",
    "given_name",
    "family_name",
    "full_name",
    "father_name",
    "aliases",
    "name_arabic",
    "dob",
    "place_of_birth",
    "nationality",
    "sex",
    "document_number",
    "address",
)
TRUTH_COLUMN = "person_id"  # optional: the true identity, written by `synth --truth`
MAX_FIELD = 300
MAX_ALIASES = 20
SEXES = frozenset({"M", "F", "X"})
_RECORD_ID = re.compile(r"^[\w.:/-]{1,100}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class PersonReport:
    """One claimed identity; lists are tuples so a report can be hashed and shared."""

    record_id: str
    given_name: str = ""
    family_name: str = ""
    full_name: str = ""
    father_name: str = ""
    aliases: tuple[str, ...] = ()
    name_arabic: str = ""
    dob: str = ""
    place_of_birth: str = ""
    nationality: tuple[str, ...] = ()
    sex: str = ""
    document_number: str = ""
    address: str = ""
    person_id: str = ""

    def as_row(self, *, truth: bool = False) -> dict[str, str]:
        """The report as a CSV row, lists joined with `;`."""
        row: dict[str, str] = {}
        for item in fields(self):
            if item.name == TRUTH_COLUMN and not truth:
                continue
            value = getattr(self, item.name)
            row[item.name] = ";".join(value) if isinstance(value, tuple) else value
        return row


class ReportsRefused(BadInput):
    """A report file with problems; `problems` lists every one, `line N, field: ...`."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = "; ".join(problems[:20]) + ("; …" if len(problems) > 20 else "")
        super().__init__("file", f"{len(problems)} problem(s), nothing imported: {shown}")
        self.problems = list(problems)


def _text(value: str, name: str) -> str:
    value = value.strip()
    if len(value) > MAX_FIELD:
        raise BadInput(name, f"longer than {MAX_FIELD} characters")
    if _CONTROL.search(value):
        raise BadInput(name, "contains control characters")
    return value


_ALPHA3 = frozenset(country.alpha_3 for country in pycountry.countries)


def _nations(value: str) -> tuple[str, ...]:
    codes = [code.strip().upper() for code in value.split(";") if code.strip()]
    for code in codes:
        if code not in _ALPHA3:
            raise BadInput("nationality", f"{code!r} is not an ISO 3166 alpha-3 code")
    return tuple(dict.fromkeys(codes))


def _aliases(value: str) -> tuple[str, ...]:
    aliases = tuple(_text(alias, "aliases") for alias in value.split(";") if alias.strip())
    if len(aliases) > MAX_ALIASES:
        raise BadInput("aliases", f"more than {MAX_ALIASES} aliases")
    return aliases


def _sex(value: str) -> str:
    value = value.strip().upper()
    if value and value not in SEXES:
        raise BadInput("sex", f"{value!r} is not M, F or X")
    return value


@lru_cache(maxsize=65536)
def _dob(value: str) -> str:
    return check_partial_date(value, "dob")


# Values that repeat across a registry (dates, nationality lists) are checked once each.
_CHECKS: dict[str, Callable[[str], object]] = {
    "aliases": _aliases,
    "nationality": lru_cache(maxsize=4096)(_nations),
    "sex": _sex,
    "dob": _dob,
}
_FIELDS = (*COLUMNS, TRUTH_COLUMN)
_LISTS = frozenset({"aliases", "nationality"})


def parse_row(row: dict[str, str]) -> tuple[PersonReport, list[BadInput]]:
    """Check one row; returns the report and every problem found (the report is only
    meaningful when there are none)."""
    problems: list[BadInput] = []
    values: dict[str, object] = {}
    for name in _FIELDS:
        raw = row.get(name) or ""
        if not raw:  # most cells are empty: nothing to check
            values[name] = () if name in _LISTS else ""
            continue
        try:
            check = _CHECKS.get(name)
            values[name] = check(raw) if check else _text(raw, name)
        except BadInput as exc:
            problems.append(exc)
            values[name] = "" if name not in ("aliases", "nationality") else ()
    record_id = str(values["record_id"])
    if not record_id:
        problems.append(BadInput("record_id", "is empty"))
    elif not _RECORD_ID.match(record_id):
        problems.append(
            BadInput(
                "record_id", f"{record_id!r} has characters other than letters, digits, . : / _ -"
            )
        )
    return PersonReport(**values), problems  # type: ignore[arg-type]


def parse_reports(rows: Iterable[Sequence[str]]) -> list[PersonReport]:
    """Validate a header and its rows (line 1 is the header); all or nothing."""
    iterator = iter(rows)
    header = [cell.strip() for cell in next(iterator, [])]
    missing = [name for name in COLUMNS if name not in header]
    extra = [name for name in header if name not in (*COLUMNS, TRUTH_COLUMN)]
    header_problems = []
    if missing:
        header_problems.append(f"line 1: missing column(s) {', '.join(missing)}")
    if extra:
        header_problems.append(f"line 1: unknown column(s) {', '.join(extra)}")
    if len(set(header)) != len(header):
        header_problems.append("line 1: a column is named twice")
    if header_problems:
        raise ReportsRefused(header_problems)
    problems: list[str] = []
    reports: list[PersonReport] = []
    seen: dict[str, int] = {}
    for line, cells in _numbered(iterator):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"line {line}: {len(cells)} fields, the header has {len(header)}")
            continue
        report, errors = parse_row(dict(zip(header, cells, strict=True)))
        problems.extend(f"line {line}, {error.field}: {error.problem}" for error in errors)
        if report.record_id in seen:
            problems.append(
                f"line {line}, record_id: {report.record_id!r} already on line "
                f"{seen[report.record_id]}"
            )
        elif report.record_id:
            seen[report.record_id] = line
        reports.append(report)
    if problems:
        raise ReportsRefused(problems)
    return reports


def _numbered(rows: Iterator[Sequence[str]]) -> Iterator[tuple[int, list[str]]]:
    """Pair rows with their line number; a csv reader knows the real one (quoted newlines)."""
    line = 1
    for cells in rows:
        line = getattr(rows, "line_num", line + 1)
        yield line, list(cells)


def read_csv_text(text: str) -> list[PersonReport]:
    """Validate reports given as CSV text (a leading byte-order mark is ignored)."""
    return parse_reports(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def _cell(value: object) -> str:
    """An XLSX cell as the CSV would have it: dates as YYYY-MM-DD, whole numbers without .0."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _trim_empty_columns(rows: list[list[str]]) -> list[list[str]]:
    """A sheet's used range often runs past the header: drop columns empty in every row,
    and pad short rows, so only real extra cells count as errors."""
    if not rows:
        return rows
    width = len(rows[0])
    while width and not rows[0][width - 1].strip():
        width -= 1
    return [
        (row[:width] + [""] * (width - len(row)))
        if not any(c.strip() for c in row[width:])
        else row
        for row in rows
    ]


XLSX_MAGIC = b"PK\x03\x04"


def read_reports(path: Path) -> list[PersonReport]:
    """Validate a CSV (UTF-8) or XLSX (first sheet) file of reports; all or nothing."""
    return read_report_bytes(path.read_bytes(), path.name)


def read_report_bytes(data: bytes, filename: str) -> list[PersonReport]:
    """The same from bytes in memory (an uploaded registry is tier-2 content and never
    touches the disk in clear): XLSX by its name or its zip signature, otherwise CSV."""
    if filename.lower().endswith(".xlsx") or data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportsRefused([f"file: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    return read_csv(text)


def read_csv(text: str) -> list[PersonReport]:
    """Validate CSV text; a line the csv module cannot read at all is refused as such."""
    try:
        return read_csv_text(text)
    except csv.Error as exc:
        raise ReportsRefused([f"file: not readable as CSV ({exc})"]) from exc


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


def write_reports(path: Path, reports: Iterable[PersonReport], *, truth: bool = False) -> int:
    """Write reports as CSV in the exchange format; returns how many were written."""
    header = [*COLUMNS, TRUTH_COLUMN] if truth else list(COLUMNS)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for report in reports:
            writer.writerow(report.as_row(truth=truth))
            count += 1
    return count
