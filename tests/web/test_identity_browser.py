"""The identity page in headless Chromium with JavaScript off: the template downloaded, a
registry imported through the form, listed and searched, the case's candidates with their
waterfall charts (a row per comparison with both values, missing fields folded into one line,
the source report named; bars in inline SVG under the strict CSP), and a confirmation through
the form; screenshots at 390 and 1280 px in test-artifacts/identity/. SQLite only."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from homeward.core.runtime import Runtime
from homeward.linkage.reports import COLUMNS, read_report_bytes
from tests import browser as browsers
from tests import helpers, live_server
from tests.identity.online_world import as_csv, open_case, registry, using_real_model

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "identity"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def test_the_waterfall_chart_in_a_browser(
    browser: Browser, sqlite_runtime: Runtime, tmp_path: Path
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    officer = personas["fra_officer"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    made = registry()
    upload = tmp_path / "registry.csv"
    upload.write_text(as_csv(made.reports), encoding="utf-8")
    case_id = open_case(runtime, officer, made.case_identity)
    with using_real_model(tmp_path), live_server.serve(runtime) as base:
        context = browser.new_context(
            java_script_enabled=False,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text))
        page.goto(f"{base}/officer/signin")
        page.get_by_label("Username").fill(officer.username)
        page.get_by_label("Password").fill(officer.password)
        page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, officer))
        page.get_by_role("button", name="Sign in").click()

        page.goto(f"{base}/officer/identity")
        expect(page.locator("table.report-list tbody tr")).to_have_count(1)  # the case's own
        with page.expect_download() as downloading:
            page.get_by_role("link", name="Download a template").click()
        template = Path(downloading.value.path()).read_bytes()
        header = next(csv.reader(io.StringIO(template.decode("utf-8"))))
        assert tuple(header) == COLUMNS  # the header the import expects
        example = read_report_bytes(template, "template.csv")  # and a row it accepts
        assert [report.record_id for report in example] == ["EXAMPLE-0001"]

        page.get_by_label("File").set_input_files(str(upload))
        page.get_by_role("button", name="Import").first.click()
        expect(page.get_by_text(f"Imported {len(made.reports)} reports")).to_be_visible()
        expect(page.locator("table.report-list tbody tr")).to_have_count(25)  # a page
        expect(page.locator("#reports-title")).to_have_text(
            f"Reports you may see {len(made.reports) + 1}"
        )
        wanted = next(r for r in made.reports if r.record_id == made.registry_record)
        page.get_by_label("Search any field").fill(f"{wanted.document_number}")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("table.report-list tbody tr")).to_have_count(1)
        expect(page.locator("table.report-list")).to_contain_text(made.registry_record)
        page.get_by_label("Search any field").fill("zzzz-nobody-zzzz")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_text("No report you may see holds")).to_be_visible()

        page.goto(f"{base}/officer/cases/{case_id}")
        page.get_by_role("link", name="Who might this be").click()
        chart = page.locator("figure.waterfall svg").first
        expect(chart).to_be_visible()
        assert chart.bounding_box() is not None
        expect(page.locator("figure.waterfall").first.locator("rect")).not_to_have_count(0)
        first = page.locator("figure.waterfall").first
        expect(first.locator("figcaption")).to_contain_text(f"report {made.registry_record}")
        given = first.locator("tr", has=page.locator("th", has_text="given"))
        claimed = made.case_identity.given_names
        compared = given.locator("td.compared")
        expect(compared).to_have_text(
            re.compile(rf"^{claimed}\b.* ↔ {wanted.given_name}\b.*: same$")
        )
        expect(given.locator("td.num")).to_have_text(re.compile(r"^[+-]\d+\.\d\d$"))
        folded = first.locator("p.not-compared")
        expect(folded).to_contain_text("Not compared (one side does not say): ")
        expect(first.locator("tbody th", has_text="document number")).to_have_count(0)
        expect(folded).to_contain_text("document number")
        # the name's frequency weighs a name level; it is never a field "not compared"
        expect(folded).not_to_contain_text("how common")
        expect(folded).not_to_contain_text("name frequency")
        table = first.locator("table.evidence").bounding_box()
        card = page.locator("section.candidate").first.bounding_box()
        assert table is not None
        assert card is not None
        assert table["width"] > card["width"] * 0.9  # the chart takes the card's width
        page.screenshot(path=ARTIFACTS / "candidates-1280.png", full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=ARTIFACTS / "candidates-390.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

        page.get_by_role("button", name="Same person: confirm").first.click()
        page.goto(f"{base}/officer/cases/{case_id}")
        expect(page.get_by_text("Identity link confirmed")).to_be_visible()
        page.screenshot(path=ARTIFACTS / "confirmed.png", full_page=True)
        assert not [e for e in errors if "Content Security Policy" in e]
        context.close()
