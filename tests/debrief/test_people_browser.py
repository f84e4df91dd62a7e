"""People named in a debrief, in a real browser (JavaScript off): a desk officer follows "Who
might this be?" from the report, sees the candidate with its match probability, links it and
finds the link on the report. Screenshots at 390 and 1280 px in test-artifacts/debrief/.
SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from homeward.core.runtime import Runtime
from homeward.debrief.schemas import Entry
from tests import browser as browsers
from tests import helpers, live_server
from tests.debrief import world
from tests.debrief.test_people import NAME, person_report

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "debrief"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def test_who_might_this_be_and_link(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    people = world.populate(runtime, helpers.make_personas(runtime))
    case_id = world.fra_case(runtime, people)
    made = world.draft()
    made.sections["people"] = [Entry(NAME, "Recruiter at the mosque, 2014")]
    report_id = world.write(runtime, people["fra_debriefer"], case_id, made)
    person_report(runtime, people["fra_officer"])
    with live_server.serve(runtime) as base:
        context = browser.new_context(java_script_enabled=False, locale="en-GB")
        page = context.new_page()
        browsers.sign_in(page, base, runtime, people["fra_officer"])
        page.goto(f"{base}/officer/debrief/{report_id}")
        page.get_by_role("link", name="Who might this be?").click()
        expect(page.locator("h1")).to_contain_text(NAME)
        expect(page.locator(".candidate").first).to_contain_text("match probability")
        browsers.shots(page, ARTIFACTS / "people-candidates")
        page.get_by_role("button", name="Link this person report").click()
        expect(page.locator(".person-link")).to_contain_text(f"Linked to person report {NAME}")
        browsers.shots(page, ARTIFACTS / "people-linked")
        context.close()
