"""The CSV export of the case list: the same rows as the list for the same filters, only
fields the officer may read, cells that never start a formula however the file is split (comma
or semicolon), and exactly one audit entry per export, from the officer pages and the API
alike. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx2
import hypothesis
import pytest
from fastapi.testclient import TestClient
from hypothesis import strategies as st

from homeward.audit import service as audit_service
from homeward.cases.listing import CaseRow
from homeward.core.runtime import Runtime
from homeward.core.spreadsheet import FORMULA_STARTS, safe_cell
from homeward.web.case_csv import COLUMNS, lines
from tests import helpers
from tests.cases.case_pages_world import NAME_CELL, Officers, listed, open_case, refused


@pytest.fixture
def officer(runtime: Runtime, personas: helpers.Personas) -> Iterator[Officers]:
    with Officers(runtime, personas) as made:
        yield made


def audit_count(runtime: Runtime, action: str) -> list[str]:
    with runtime.db.transaction() as session:
        return [
            entry.resource_id for entry in audit_service.entries(session=session, action=action)
        ]


def csv_rows(response: httpx2.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    text = response.content.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def test_csv_export_equals_the_list_and_is_audited_once(
    runtime: Runtime, personas: helpers.Personas, officer: Officers, client: TestClient
) -> None:
    fra = personas["fra_officer"]
    for given, family in (("=HYPERLINK(1)", "Haddad"), ("Samir", "Toumi"), ("Nabil", "Ferhat")):
        open_case(runtime, fra, given, family, labels=["wave-2"])
    open_case(runtime, fra, "Walid", "Saidi")
    open_case(runtime, personas["deu_officer"], "Jonas", "Becker", release=["FRA"])
    desk = officer("fra_officer")
    query = "?label=wave-2&sort=reference"
    page = desk.get(f"/officer/cases{query}").text
    assert 'href="/officer/cases/export.csv?label=wave-2&amp;sort=reference"' in page
    names = [html.unescape(name) for name in NAME_CELL.findall(page)]

    before = audit_count(runtime, "case:export")
    rows = csv_rows(desk.get(f"/officer/cases/export.csv{query}"))
    assert [row["reference"] for row in rows] == listed(desk, query)
    assert [row["display_name"] for row in rows] == [safe_cell(name) for name in names]
    assert "'=HYPERLINK(1) HADDAD" in [row["display_name"] for row in rows]
    assert {row["classification"] for row in rows} == {"RESTRICTED"}
    assert {row["labels"] for row in rows} == {"wave-2"}
    assert {row["owner_nation"] for row in rows} == {"FRA"}
    assert audit_count(runtime, "case:export") == [*before, "3 rows"]

    every = csv_rows(desk.get("/officer/cases/export.csv"))
    assert {row["owner_nation"] for row in every} == {"FRA", "DEU"}  # DEU released it to FRA
    token = helpers.api_token(client, runtime, fra)
    api_rows = csv_rows(
        client.get("/api/v1/cases/export.csv", headers=token, params={"sort": "reference"})
    )
    api_list = client.get("/api/v1/cases", headers=token, params={"sort": "reference"}).json()
    assert [row["reference"] for row in api_rows] == [
        item["reference"] for item in api_list["items"]
    ]
    assert audit_count(runtime, "case:export") == [*before, "3 rows", "5 rows", "5 rows"]

    deu_rows = csv_rows(officer("deu_officer").get("/officer/cases/export.csv"))
    assert [row["display_name"] for row in deu_rows] == ["Jonas BECKER"]
    coordinator = officer("coordinator")
    assert "export.csv" not in coordinator.get("/officer/cases").text
    refused(coordinator.get("/officer/cases/export.csv"), 403, "officer:case:export")
    assert len(audit_count(runtime, "case:export")) == len(before) + 4


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_never_start_a_formula(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert safe_cell("Mohamed " + value) == "Mohamed " + value


HOSTILE_NAMES = [
    ("Ali", "Haddad;=1+2"),
    ("Samir", 'Toumi,"=HYPERLINK(1)"'),
    ("Nabil|@SUM(A1)", "Ferhat"),
    ("Walid\t-2", "Saidi;  +3"),
    ("Omar", "Karimi\r\n=cmd"),
]


def formula_cells(text: str) -> list[str]:
    """Cells that would start a formula, however a spreadsheet or a script splits the file:
    as CSV on comma, semicolon, tab or pipe, or naively on each of them line by line."""
    found: list[str] = []
    for delimiter in (",", ";", "\t", "|"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            found += [cell for cell in row if cell.startswith(FORMULA_STARTS)]
    for line in text.splitlines():
        for separator in (",", ";", "\t", "|"):
            found += [cell for cell in line.split(separator) if cell.startswith(FORMULA_STARTS)]
    return found


def test_no_split_of_the_export_starts_a_formula(
    runtime: Runtime, personas: helpers.Personas, officer: Officers, client: TestClient
) -> None:
    fra = personas["fra_officer"]
    for given, family in HOSTILE_NAMES:
        open_case(runtime, fra, given, family)
    token = helpers.api_token(client, runtime, fra)
    for response in (
        officer("fra_officer").get("/officer/cases/export.csv"),
        client.get("/api/v1/cases/export.csv", headers=token),
    ):
        rows = csv_rows(response)
        assert len(rows) == len(HOSTILE_NAMES)
        text = response.content.decode("utf-8-sig")
        assert formula_cells(text) == []
        names = {row["display_name"] for row in rows}
        assert "Ali HADDAD;'=1+2" in names
        assert "'Nabil|'@SUM(A1) FERHAT" not in names  # only a start or a separator is defused
        assert "Nabil|'@SUM(A1) FERHAT" in names


VALUES = st.lists(st.text(alphabet=",;\t|\r\n \"'=+-@aZé٣", max_size=8), min_size=1, max_size=4)


@hypothesis.given(VALUES)
def test_no_generated_value_can_start_a_formula_cell(values: list[str]) -> None:
    row = CaseRow(
        id="0" * 32,
        reference=values[0],
        owner_nation="FRA",
        stage="new",
        display_name=values[-1],
        stage_entered_at=datetime(2026, 1, 2, tzinfo=UTC),
        updated_at=datetime(2026, 1, 2, tzinfo=UTC),
        classification=1,
        stale=False,
        labels=values,
    )
    text = b"".join(lines([row, row])).decode("utf-8-sig")
    assert formula_cells(text) == []
    [_header, *parsed] = csv.reader(io.StringIO(text, newline=""))
    assert [cells[-1] for cells in parsed] == [safe_cell(values[-1])] * 2
