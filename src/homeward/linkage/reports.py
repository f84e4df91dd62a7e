"""Person reports: the exchange format (CSV or XLSX) and its validating reader.

A file is imported whole or not at all: every bad row is reported with its line and field,
so an officer fixes the file once instead of once per error. On files (the `homeward identity`
commands) a dirty registry may instead be read with its invalid cells blanked
(`invalid="blank"`): each one is kept, with its line, field, value and why, for the report the
command writes beside its output."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal

import pycountry

from homeward.core.errors import BadInput
from homeward.core.spreadsheet import safe_cell
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


Invalid = Literal["refuse", "blank"]
"""What a reader does with a cell that fails its check: refuse the file (the exchange format's
rule, and the default), or blank the cell and report it."""
UNMENDABLE = "the header, a row's number of fields or a record_id"
"""What blanking cannot mend: without them a row cannot be told apart or placed."""


class ReportsRefused(BadInput):
    """A report file with problems; `problems` lists every one, `line N, field: ...`."""

    def __init__(self, problems: Sequence[str], *, blanking: bool = False) -> None:
        shown = "; ".join(problems[:20]) + ("; …" if len(problems) > 20 else "")
        what = f" that blanking cannot mend ({UNMENDABLE})" if blanking else ""
        super().__init__("file", f"{len(problems)} problem(s){what}, nothing imported: {shown}")
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class InvalidCell:
    """A cell read as empty because it failed its check (`invalid="blank"`)."""

    line: int
    field: str
    value: str
    why: str
    file: str = ""


@dataclass(frozen=True, slots=True)
class ReportFile:
    """A file's reports, and the cells blanked to read it (none when refusing)."""

    reports: list[PersonReport]
    blanked: list[InvalidCell]


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
    return parse_file(rows).reports


def _header_problems(header: list[str]) -> list[str]:
    missing = [name for name in COLUMNS if name not in header]
    extra = [name for name in header if name not in (*COLUMNS, TRUTH_COLUMN)]
    problems = []
    if missing:
        problems.append(f"line 1: missing column(s) {', '.join(missing)}")
    if extra:
        problems.append(f"line 1: unknown column(s) {', '.join(extra)}")
    if len(set(header)) != len(header):
        problems.append("line 1: a column is named twice")
    return problems


def parse_file(rows: Iterable[Sequence[str]], *, invalid: Invalid = "refuse") -> ReportFile:
    """Validate a header and its rows. Refusing, any problem refuses the file; blanking, an
    invalid cell is read as empty and listed, and only what blanking cannot mend (the header,
    a row's number of fields, an empty, malformed or repeated record_id) refuses it."""
    iterator = iter(rows)
    header = [cell.strip() for cell in next(iterator, [])]
    blanking = invalid == "blank"
    if header_problems := _header_problems(header):
        raise ReportsRefused(header_problems, blanking=blanking)
    problems: list[str] = []
    blanked: list[InvalidCell] = []
    reports: list[PersonReport] = []
    seen: dict[str, int] = {}
    for line, cells in _numbered(iterator):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"line {line}: {len(cells)} fields, the header has {len(header)}")
            continue
        row = dict(zip(header, cells, strict=True))
        report, errors = parse_row(row)
        for error in errors:
            if blanking and error.field != "record_id":
                blanked.append(InvalidCell(line, error.field, row[error.field], error.problem))
            else:
                problems.append(f"line {line}, {error.field}: {error.problem}")
        if report.record_id in seen:
            problems.append(
                f"line {line}, record_id: {report.record_id!r} already on line "
                f"{seen[report.record_id]}"
            )
        elif report.record_id:
            seen[report.record_id] = line
        reports.append(report)
    if problems:
        raise ReportsRefused(problems, blanking=blanking)
    return ReportFile(reports, blanked)


def _numbered(rows: Iterator[Sequence[str]]) -> Iterator[tuple[int, list[str]]]:
    """Pair rows with their line number; a csv reader knows the real one (quoted newlines)."""
    line = 1
    for cells in rows:
        line = getattr(rows, "line_num", line + 1)
        yield line, list(cells)


def read_csv_text(text: str) -> list[PersonReport]:
    """Validate reports given as CSV text (a leading byte-order mark is ignored)."""
    return _csv_file(text, "refuse").reports


def _csv_file(text: str, invalid: Invalid) -> ReportFile:
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    return parse_file(rows, invalid=invalid)


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


def read_report_file(path: Path, *, invalid: Invalid = "refuse") -> ReportFile:
    """`read_reports`, or with `invalid="blank"` the file with its invalid cells blanked and
    listed (each naming this file)."""
    read = _file_bytes(path.read_bytes(), path.name, invalid)
    return ReportFile(read.reports, [replace(cell, file=path.name) for cell in read.blanked])


def read_report_bytes(data: bytes, filename: str) -> list[PersonReport]:
    """The same from bytes in memory (an uploaded registry is tier-2 content and never
    touches the disk in clear): XLSX by its name or its zip signature, otherwise CSV."""
    return _file_bytes(data, filename, "refuse").reports


def _file_bytes(data: bytes, filename: str, invalid: Invalid) -> ReportFile:
    if filename.lower().endswith(".xlsx") or data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, invalid)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportsRefused([f"file: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from exc
    return _csv_or_refused(text, invalid)


def read_csv(text: str) -> list[PersonReport]:
    """Validate CSV text; a line the csv module cannot read at all is refused as such."""
    return _csv_or_refused(text, "refuse").reports


def _csv_or_refused(text: str, invalid: Invalid) -> ReportFile:
    try:
        return _csv_file(text, invalid)
    except csv.Error as exc:
        raise ReportsRefused([f"file: not readable as CSV ({exc})"]) from exc


def _read_xlsx(data: bytes, invalid: Invalid = "refuse") -> ReportFile:
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
    return parse_file(_trim_empty_columns(rows), invalid=invalid)


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


INVALID_COLUMNS = ("file", "line", "field", "value", "why")
SHOWN_VALUE = 2 * MAX_FIELD
"""Characters of an invalid value the report shows; the rest is counted, not copied."""


def invalid_report_path(out: Path) -> Path:
    """Where a command writing `out` reports the cells it blanked: beside it."""
    return out.with_name(out.name + ".invalid.csv")


def _shown(value: str) -> str:
    """An invalid value as the report shows it: control characters as escapes (a raw one is
    what made it invalid, and would break the line), and cut short if very long."""
    shown = _CONTROL.sub(lambda found: repr(found.group())[1:-1], value)
    if len(shown) > SHOWN_VALUE:
        return f"{shown[:SHOWN_VALUE]}… ({len(value)} characters)"
    return shown


def write_invalid_report(path: Path, cells: Iterable[InvalidCell]) -> int:
    """Every blanked cell as CSV (file, line, field, value, why) for a person to open in a
    spreadsheet: a byte-order mark, every field quoted, and no cell able to start a formula
    (a hostile value is shown, never run). Returns how many were written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("\ufeff")
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(INVALID_COLUMNS)
        for cell in cells:
            values = (cell.file, str(cell.line), cell.field, _shown(cell.value), cell.why)
            writer.writerow([safe_cell(value) for value in values])
            count += 1
    return count
