"""The case list on a 390-pixel phone: each case a card, nothing wider than the screen; the
desktop keeps the table. Chromium with JavaScript off, SQLite; screenshots at 390 and 1280 px in
test-artifacts/officer/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from homeward.core.runtime import Runtime
from tests import browser as browsers
from tests import helpers, live_server
from tests.cases.test_case_browser import PEOPLE, seed

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "officer"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def test_the_case_list_is_one_card_per_case_on_a_phone(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    seed(runtime, personas)
    officer = personas["fra_officer"]
    with live_server.serve(runtime) as base:
        page = browser.new_context(
            java_script_enabled=False, viewport={"width": 1280, "height": 900}
        ).new_page()
        page.goto(f"{base}/officer/signin")
        page.get_by_label("Username").fill(officer.username)
        page.get_by_label("Password").fill(officer.password)
        page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, officer))
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/officer/cases")
        rows = page.locator("table.cases tbody tr")
        expect(rows).to_have_count(len(PEOPLE))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "cases-desktop.png", full_page=True)
        expect(page.locator("table.cases thead")).to_be_visible()
        expect(rows.first).to_have_css("display", "table-row")

        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=ARTIFACTS / "cases-phone.png", full_page=True)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 390, f"the case list is {wide - 390} px wider than the phone"
        expect(rows.first).not_to_have_css("display", "table-row")  # a card
        first = rows.first
        # Each value still says what it is (before it, from data-label), the header hidden.
        expect(page.locator("table.cases thead")).not_to_be_in_viewport()
        for label in ("Stage", "In stage since (UTC)", "Owner", "Classification"):
            cell = first.locator(f'td[data-label="{label}"]')
            expect(cell).to_be_visible()
            before = cell.evaluate("cell => getComputedStyle(cell, '::before').content")
            assert before == f'"{label}: "', before
        expect(first.get_by_role("link").first).to_be_visible()
