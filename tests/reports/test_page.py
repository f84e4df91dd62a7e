"""The programme figures page, /officer/figures (issue 16), over a demo programme of 300
synthetic cases (`homeward demo --cases 300`).

Without a browser, on both engines: a supervisor's own nation in full, the coalition view with
no count under the threshold, the downloads (CSV per table, one workbook) equal to the page's
tables, the views each role may ask for, a bad date named. In Chromium (SQLite): the page as a
supervisor and as the coordination cell, screenshots at 390 and 1280 px in English and in an
Arabic browser (officer pages are English; the screenshots show they stay readable there) in
test-artifacts/reports/.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect
from sqlalchemy import text

from homeward.cli import demo as demo_data
from homeward.core.runtime import Runtime
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import browser as browsers
from tests import helpers, live_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
CASES = 300
COUNTS = {"cases", "letters", "places", "links"}
"""Units that are counts of people or records (the rule applies); `days` are durations."""

Grid = dict[str, list[list[str]]]


class Tables(HTMLParser):
    """The page's figure tables as text: key -> rows of cells (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: Grid = {}
        self.units: dict[str, str] = {}
        self._key = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("data-table"):
            self._key = found["data-table"] or ""
            self.tables[self._key] = []
        elif self._key and tag == "tr":
            self._row = []
        elif self._key and tag in {"td", "th"} and self._row is not None:
            self._cell = []
        elif self._key and tag == "span" and "visually-hidden" in (found.get("class") or ""):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._key:
            self._key = ""
        elif tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._key].append(self._row)
            self._row = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def page_tables(html: str) -> Grid:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def number(text: str) -> float | None:
    """A cell as a number: `*` (suppressed) is None, thousands separators dropped."""
    text = str(text).strip()
    if text in {"*", ""}:
        return None
    return float(text.replace(",", ""))


def body(grid: list[list[str]]) -> list[tuple[str, list[float | None]]]:
    """A table's rows (label, numbers), the header left out."""
    return [(row[0], [number(cell) for cell in row[1:]]) for row in grid[1:]]


def csv_body(text: str, columns: int) -> list[tuple[str, list[float | None]]]:
    """A CSV's table rows: the lines after the header line that have the table's width."""
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    start = next(i for i, line in enumerate(lines) if line[:1] == [""] and len(line) == columns)
    rows = []
    for line in lines[start + 1 :]:
        if len(line) != columns or not any(cell.strip() for cell in line[1:]):
            break  # the notes under the table
        rows.append((line[0], [number(cell) for cell in line[1:]]))
    return rows


def demo_persona(runtime: Runtime, username: str) -> helpers.Persona:
    """A demo officer as a test persona (its password from the demo's credentials)."""
    from homeward.accounts import service as accounts_service

    password = demo_data.load_credentials(runtime)[username]
    with runtime.db.transaction() as session:
        officer = accounts_service.find_officer(session=session, username=username)
        assert officer is not None
        role, nation, officer_id = Role(officer.role), officer.nation, officer.id
    return helpers.Persona(username, username, password, role, nation, officer_id)


@pytest.fixture
def programme(runtime: Runtime) -> Runtime:
    assert demo_data.seed(runtime, cases=CASES)
    return runtime


@pytest.fixture
def app_client(programme: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(programme), base_url="http://127.0.0.1") as made:
        yield made


def signed_in(client: TestClient, runtime: Runtime, username: str) -> TestClient:
    helpers.officer_signin(client, runtime, demo_persona(runtime, username))
    return client


def test_supervisor_sees_own_nation_in_full_and_the_files_equal_the_page(
    app_client: TestClient, programme: Runtime
) -> None:
    client = signed_in(app_client, programme, "fra.supervisor")
    start = client.get("/officer/")
    assert 'href="/officer/figures"' in start.text
    page = client.get("/officer/figures")
    assert page.status_code == 200, page.text
    assert "Not for publication" in page.text
    tables = page_tables(page.text)
    assert len(tables) >= 6
    funnel = tables["funnel-by-nation"]
    assert [row[0] for row in funnel[1:]] == ["FRA", "Total"]
    opened = number(funnel[1][funnel[0].index("Cases opened")])
    assert opened is not None
    assert opened > 0
    # In full: small counts shown as they are, nothing suppressed, nothing rounded.
    counts = [v for grid in tables.values() for _label, values in body(grid) for v in values]
    assert None not in counts
    assert any(value is not None and 0 < value < 10 for value in counts)
    links = dict(re.findall(r'href="(/officer/figures/([^"/]+)\.csv\?[^"]+)"', page.text))
    csvs = {key: href.replace("&amp;", "&") for href, key in links.items()}
    assert set(tables) <= set(csvs)
    for key in set(csvs) - set(tables):  # "Nothing to count in this period": nor the file
        assert "Nothing to count" in page.text
        empty = client.get(csvs[key]).text.lstrip("\ufeff")
        header = next(line for line in csv.reader(io.StringIO(empty)) if line[:1] == [""])
        assert csv_body(empty, len(header)) == [], key
    for key, grid in tables.items():
        download = client.get(csvs[key])
        assert download.status_code == 200
        assert "attachment" in download.headers["content-disposition"]
        assert csv_body(download.text, len(grid[0])) == body(grid), key
    workbook_link = re.search(r'href="(/officer/figures\.xlsx\?[^"]+)" download>every', page.text)
    assert workbook_link is not None
    workbook = client.get(workbook_link.group(1).replace("&amp;", "&"))
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content))
    for key, grid in tables.items():
        sheet = book[key[:31]]
        lines = [
            [("" if v is None else str(v)) for v in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        text = "\n".join(",".join(line) for line in lines)
        assert csv_body(text, len(grid[0])) == body(grid), key


def test_coalition_view_shows_no_count_under_the_threshold(
    app_client: TestClient, programme: Runtime
) -> None:
    client = signed_in(app_client, programme, "irq.coordinator")
    page = client.get("/officer/figures")
    assert page.status_code == 200, page.text
    assert "Safe to publish" in page.text
    threshold = programme.settings.figures_threshold
    rounding = programme.settings.figures_rounding
    units = dict(
        re.findall(r'data-table="([^"]+)"[^>]*>\s*<caption[^>]*>[^(]*\(([^)]+)\)', page.text)
    )
    tables = page_tables(page.text)
    assert set(units) == set(tables)
    suppressed = 0
    for key, grid in tables.items():
        for _label, values in body(grid):
            for value in values:
                if value is None:
                    suppressed += 1
                elif units[key] in COUNTS:
                    assert value == 0 or value >= threshold, (key, value)
                    assert value % rounding == 0, (key, value)
    assert suppressed > 0, "a programme of 300 has small cells to suppress"
    # The coordination cell has no nation's figures in full.
    refused = client.get("/officer/figures?view=IRQ")
    assert refused.status_code in {400, 403}
    assert client.get("/officer/figures?view=FRA").status_code == 403


def test_who_may_see_figures_and_bad_dates(app_client: TestClient, programme: Runtime) -> None:
    client = signed_in(app_client, programme, "fra.officer")
    assert 'href="/officer/figures"' not in client.get("/officer/").text
    assert client.get("/officer/figures").status_code == 403
    assert client.get("/officer/figures.xlsx").status_code == 403
    client.cookies.clear()
    client = signed_in(client, programme, "fra.supervisor")
    bad = client.get("/officer/figures?from=2026-13-01&to=2026-12-01")
    assert bad.status_code == 400
    assert "From: a date such as" in bad.text
    backwards = client.get("/officer/figures?from=2026-12-01&to=2026-01-01")
    assert backwards.status_code == 400
    assert 'aria-invalid="true"' in backwards.text
    assert client.get("/officer/figures?view=DEU").status_code == 403
    assert client.get("/officer/figures/no-such-table.csv").status_code == 404


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


@pytest.mark.browser
def test_the_page_in_a_browser(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    assert demo_data.seed(runtime, cases=CASES)
    with live_server.serve(runtime) as base:
        for username, view, stem in (
            ("fra.supervisor", "", "own"),
            ("fra.supervisor", "coalition", "coalition"),
        ):
            for locale in ("en-GB", "ar"):
                context = browser.new_context(java_script_enabled=False, locale=locale)
                page = context.new_page()
                browsers.sign_in(page, base, runtime, demo_persona(runtime, username))
                page.get_by_role("link", name="Figures").click()
                if view:
                    page.get_by_label("Coalition", exact=False).check()
                    page.get_by_role("button", name="Show figures").click()
                    expect(page.get_by_text("Safe to publish.")).to_be_visible()
                else:
                    expect(page.get_by_text("Not for publication.")).to_be_visible()
                charts = page.locator("svg[role=img]")
                expect(charts.first).to_be_visible()
                # The chart's numbers are the table's beside it, as the browser shows them.
                first = page.locator("section.figure").first
                drawn = first.locator("[data-value]").count()
                assert drawn > 0
                with page.expect_download() as download:
                    first.get_by_role("link", name=re.compile("^CSV")).click()
                assert download.value.suggested_filename.endswith(".csv")
                language = "ar" if locale == "ar" else "en"
                browsers.shots(page, ARTIFACTS / f"figures-{stem}-{language}")
                context.close()


PREFIX = "/officer/figures"
WHO = ("fra_officer", "fra_supervisor", "deu_officer", "coordinator", "administrator", "auditor")
ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", PREFIX): {"fra_supervisor": 200, "coordinator": 200},
    ("GET", PREFIX + "/{key}.csv"): {"fra_supervisor": 200, "coordinator": 200},
    ("GET", PREFIX + ".xlsx"): {"fra_supervisor": 200, "coordinator": 200},
}
"""Status per persona (anyone not named: 403). tests/web/test_authorization.py leaves these
routes to this file."""


def is_figures_page_route(template: str) -> bool:
    return template.startswith(PREFIX)


def figure_runs(runtime: Runtime) -> int:
    with runtime.db.engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM audit_event WHERE action = 'figures:run'")
        ).scalar_one()


def test_every_figures_route_has_rows(runtime: Runtime) -> None:
    from tests.web.authorization_world import app_routes

    routes = {r for r in app_routes(create_app(runtime)) if is_figures_page_route(r[1])}
    assert routes == set(ROWS)


def test_figures_routes_by_role(runtime: Runtime, personas: helpers.Personas) -> None:
    """Who may run figures gets them, and each run is one audit entry; everyone else is
    refused with 403 and nothing is recorded as run; anyone signed out is sent to sign in."""
    app = create_app(runtime)
    for (method, template), expected in ROWS.items():
        path = template.format(key="funnel-by-nation")
        for who in WHO:
            status = expected.get(who, 403)
            with TestClient(app, base_url="http://127.0.0.1") as client:
                helpers.officer_signin(client, runtime, personas[who])
                before = figure_runs(runtime)
                response = client.request(method, path, follow_redirects=False)
            assert response.status_code == status, (template, who, response.text[:300])
            assert figure_runs(runtime) == before + (1 if status == 200 else 0), (template, who)
        with TestClient(app, base_url="http://127.0.0.1") as anonymous:
            response = anonymous.request(method, path, follow_redirects=False)
        assert response.status_code in {303, 401}, template
