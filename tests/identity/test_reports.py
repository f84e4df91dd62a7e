"""The report reader imports a whole file or nothing, and names every bad row and field."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from homeward.linkage.reports import (
    COLUMNS,
    InvalidCell,
    PersonReport,
    ReportsRefused,
    read_report_file,
    read_reports,
    write_invalid_report,
    write_reports,
)

HEADER = ",".join(COLUMNS)
GOOD = (
    "R1,Mohamed,Benali,,Ali,Abu Mariam al-Faransi;Abou Mariam,محمد بن علي,1994-08-16,Roubaix,"
    "FRA;DZA,M,12AB,1 rue X"
)


def _file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "reports.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_good_file_reads_with_lists_split(tmp_path: Path) -> None:
    (report,) = read_reports(_file(tmp_path, HEADER, GOOD))
    assert report.aliases == ("Abu Mariam al-Faransi", "Abou Mariam")
    assert report.nationality == ("FRA", "DZA")
    assert report.name_arabic == "محمد بن علي"
    assert report.dob == "1994-08-16"


def test_only_record_id_is_required(tmp_path: Path) -> None:
    (report,) = read_reports(_file(tmp_path, HEADER, "R2" + "," * (len(COLUMNS) - 1)))
    assert report == PersonReport(record_id="R2")


def test_every_bad_row_is_named_and_nothing_imported(tmp_path: Path) -> None:
    rows = [
        GOOD,
        "R2,,,,,,,31/02/1990,,,,,",
        "R3,,,,,,,1990-02-30,,FRANCE,Q,,",
        "R1,,,,,,,~1990,,,,,",
        ",,,,,,,,,,,,",
        "R5,too,few",
    ]
    with pytest.raises(ReportsRefused) as caught:
        read_reports(_file(tmp_path, HEADER, *rows))
    problems = caught.value.problems
    assert "line 3, dob: '31/02/1990' is not YYYY-MM-DD, YYYY-MM, YYYY or ~YYYY" in problems
    assert "line 4, dob: '1990-02-30' is not a real date" in problems
    assert "line 4, nationality: 'FRANCE' is not an ISO 3166 alpha-3 code" in problems
    assert "line 4, sex: 'Q' is not M, F or X" in problems
    assert "line 5, record_id: 'R1' already on line 2" in problems
    assert "line 7: 3 fields, the header has 13" in problems
    assert len(problems) == 6  # the blank line 6 is skipped, not an error


def test_unknown_nation_code_refused(tmp_path: Path) -> None:
    row = "R1,,,,,,,,,XYZ,,,"
    with pytest.raises(ReportsRefused, match="line 2, nationality: 'XYZ'"):
        read_reports(_file(tmp_path, HEADER, row))


def test_missing_and_extra_columns_named(tmp_path: Path) -> None:
    header = HEADER.replace(",sex", "").replace(",address", ",adress")
    with pytest.raises(ReportsRefused) as caught:
        read_reports(_file(tmp_path, header))
    assert caught.value.problems == [
        "line 1: missing column(s) sex, address",
        "line 1: unknown column(s) adress",
    ]


def test_quoted_newline_keeps_line_numbers(tmp_path: Path) -> None:
    row = 'R1,,,,,,,,"Lille\nNord",,,,'
    with pytest.raises(ReportsRefused, match="line 4, dob"):
        read_reports(_file(tmp_path, HEADER, row, "R2,,,,,,,1990-13,,,,,"))


def test_round_trip_with_truth_column(tmp_path: Path) -> None:
    reports = [PersonReport(record_id="R1", given_name="Yusuf", aliases=("a", "b"), person_id="P1")]
    path = tmp_path / "out.csv"
    write_reports(path, reports, truth=True)
    assert read_reports(path) == reports


def test_xlsx_reads_like_csv(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    sheet.append(
        ["R1", "Jussuf", "", "", "", "", "", datetime(1990, 5, 4), "", "DEU", "M", 1234, ""]
    )
    sheet.append(["R2", "", "", "", "", "", "", "04.05.1990", "", "", "", "", ""])
    path = tmp_path / "r.xlsx"
    workbook.save(path)
    with pytest.raises(ReportsRefused) as caught:
        read_reports(path)
    assert caught.value.problems == [
        "line 3, dob: '04.05.1990' is not YYYY-MM-DD, YYYY-MM, YYYY or ~YYYY"
    ]
    sheet.delete_rows(3)
    sheet.cell(row=1, column=20, value=None)
    sheet.cell(row=2, column=18, value=" ")  # used range wider than the header, blank cells
    workbook.save(path)
    (report,) = read_reports(path)
    assert (report.dob, report.document_number) == ("1990-05-04", "1234")


# Registries are dirty: FEBRL4's own dates include month 90 and 31 February.
DIRTY = [
    GOOD,
    "R2,Ahmed,Haddad,,,,,1918-90-11,Lyon,FRA,M,,",
    "R3,Karim,Saidi,,,,,1948-02-31,,FRANCE,,,",
    "R4,Omar,,,,,,1990,,DZA,,,",
]


def test_dirty_file_is_refused_by_default_naming_its_lines(tmp_path: Path) -> None:
    with pytest.raises(ReportsRefused) as caught:
        read_report_file(_file(tmp_path, HEADER, *DIRTY))
    assert caught.value.problems == [
        "line 3, dob: '1918-90-11' has no month 90",
        "line 4, dob: '1948-02-31' is not a real date",
        "line 4, nationality: 'FRANCE' is not an ISO 3166 alpha-3 code",
    ]


def test_blank_empties_exactly_the_invalid_cells_and_lists_them(tmp_path: Path) -> None:
    read = read_report_file(_file(tmp_path, HEADER, *DIRTY), invalid="blank")
    assert read.blanked == [
        InvalidCell(3, "dob", "1918-90-11", "'1918-90-11' has no month 90", "reports.csv"),
        InvalidCell(4, "dob", "1948-02-31", "'1948-02-31' is not a real date", "reports.csv"),
        InvalidCell(
            4,
            "nationality",
            "FRANCE",
            "'FRANCE' is not an ISO 3166 alpha-3 code",
            "reports.csv",
        ),
    ]
    # Nothing else changes: the same file with those cells emptied by hand reads the same.
    clean = [
        GOOD,
        "R2,Ahmed,Haddad,,,,,,Lyon,FRA,M,,",
        "R3,Karim,Saidi,,,,,,,,,,",
        "R4,Omar,,,,,,1990,,DZA,,,",
    ]
    assert read.reports == read_reports(_file(tmp_path, HEADER, *clean))
    assert read_report_file(_file(tmp_path, HEADER, *clean), invalid="blank").blanked == []


def test_blank_cannot_mend_a_record_id_and_refuses_the_file(tmp_path: Path) -> None:
    """A record is known by its id (the output's key): an empty, malformed or repeated one
    cannot be blanked, so the file is refused even when blanking, naming only those rows."""
    rows = [*DIRTY, "R2,Yusuf,,,,,,1990,,,,,", "bad id,,,,,,,,,,,,", ",Ali,,,,,,,,,,,"]
    with pytest.raises(ReportsRefused) as caught:
        read_report_file(_file(tmp_path, HEADER, *rows), invalid="blank")
    assert caught.value.problems == [
        "line 6, record_id: 'R2' already on line 3",
        "line 7, record_id: 'bad id' has characters other than letters, digits, . : / _ -",
        "line 8, record_id: is empty",
    ]
    assert "blanking cannot mend" in str(caught.value)


def test_invalid_report_shows_hostile_values_without_running_them(tmp_path: Path) -> None:
    """A value a spreadsheet would run (=, +, -, @, after a separator too) is shown with a
    leading quote; a control character as its escape; a huge value cut short."""
    cells = [
        InvalidCell(2, "dob", '=HYPERLINK("http://x","1990")', "not a date", "a.csv"),
        InvalidCell(3, "nationality", "FRA;@SUM(1)", "'FRA;@SUM(1)' is not", "a.csv"),
        InvalidCell(4, "given_name", "Ali\x07\x1b", "contains control characters", "a.csv"),
        InvalidCell(5, "address", "x" * 5000, "longer than 300 characters", "a.csv"),
    ]
    path = tmp_path / "out.csv.invalid.csv"
    assert write_invalid_report(path, cells) == 4
    text = path.read_text(encoding="utf-8")
    assert text.startswith('\ufeff"file","line","field","value","why"\n')
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))[1:]
    values = [row[3] for row in rows]
    assert values[0] == "'" + cells[0].value
    assert values[1] == "FRA;'@SUM(1)"
    assert values[2] == "Ali\\x07\\x1b"
    assert values[3] == "x" * 600 + "… (5000 characters)"
    for row in rows:
        for cell in row:
            for part in re.split(r"[,;\t|\r\n]", cell):
                assert not part.lstrip(' "').startswith(("=", "+", "-", "@")), cell
