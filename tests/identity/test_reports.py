"""The report reader imports a whole file or nothing, and names every bad row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from homeward.linkage.reports import (
    COLUMNS,
    PersonReport,
    ReportsRefused,
    read_reports,
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
