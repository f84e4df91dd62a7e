"""The handover and the custody chain in a real browser with JavaScript off: the cell's
receiving unit gives its word, then the desk (the case is handed over), the desk records the
first holder, moves the case to in custody, is refused a link with a gap, records the arrival
and moves the case to repatriated. Screenshots at 1280 and 390 px in test-artifacts/passage/.
SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from tests import browser as browsers
from tests import helpers, live_server
from tests.passage import handover_world as hw

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "passage"
STAMP = "%Y-%m-%dT%H:%M"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=ARTIFACTS / f"handover-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def sign_in(browser: Browser, base: str, runtime: Runtime, who: helpers.Persona) -> Page:
    context: BrowserContext = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{base}/officer/signin")
    page.get_by_label("Username").fill(who.username)
    page.get_by_label("Password").fill(who.password)
    page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, who))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    return page


def test_both_words_then_custody_to_arrival(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    r = hw.ready(runtime, personas)
    received = hw.window_has_come(runtime, r).at.strftime(STAMP)
    with live_server.serve(runtime) as base:
        cell = sign_in(browser, base, runtime, personas["coordinator"])
        cell.goto(f"{base}/officer/passage/plans/{r.plan_id}/handover")
        expect(cell.get_by_role("heading", name="Waiting for a confirmation")).to_be_visible()
        shot(cell, "1-cell-form")
        cell.get_by_label("Yes, he was received").check()
        cell.get_by_label("When").fill(received)
        cell.get_by_label("Who received him").fill(hw.UNIT)
        cell.get_by_role("button", name="Give your word").click()
        expect(cell.locator("#side-cell + dl")).to_contain_text("It happened")
        expect(cell.get_by_role("link", name="the case")).to_have_count(0)  # the cell: no case
        shot(cell, "2-cell-confirmed")

        desk = sign_in(browser, base, runtime, personas["fra_officer"])
        desk.goto(f"{base}/officer/passage/plans/{r.plan_id}/handover")
        desk.get_by_label("Yes, he was received").check()
        desk.get_by_label("Who received him").fill(hw.UNIT)
        desk.get_by_role("button", name="Give your word").click()
        expect(desk.locator("#handover-refusal")).to_contain_text("say when")  # kept typed
        expect(desk.get_by_label("Who received him")).to_have_value(hw.UNIT)
        expect(desk.get_by_label("When")).to_have_attribute("aria-invalid", "true")
        shot(desk, "3-desk-refused")
        desk.get_by_label("When").fill(received)
        desk.get_by_role("button", name="Give your word").click()
        expect(
            desk.get_by_role("heading", name="Handed over: both sides confirmed")
        ).to_be_visible()
        shot(desk, "4-handed-over")

        desk.get_by_role("link", name="The custody chain").click()
        expect(desk.locator("h1 .stage")).to_have_text("handed over")
        expect(desk.get_by_label("Received from")).to_have_value(hw.UNIT)
        expect(desk.get_by_label("Since")).to_have_value(received)
        desk.get_by_label("What").select_option("screening_facility")
        desk.get_by_label("Held by").fill("Screening facility 2")
        desk.get_by_label("Place").fill("Mosul")
        desk.get_by_label("Why").fill("Screening before transfer")
        desk.get_by_role("button", name="Record this link").click()
        expect(desk.locator("ol.custody li")).to_have_count(2)
        desk.get_by_role("button", name="Record him as in custody").click()
        expect(desk.locator("h1 .stage")).to_have_text("in custody")
        shot(desk, "5-in-custody")

        later = (utcnow() - timedelta(minutes=30)).strftime(STAMP)
        desk.get_by_label("What").select_option("arrival")
        desk.get_by_label("Received from").fill("Somebody else")
        desk.get_by_label("Held by").fill("DGSI, Paris")
        desk.get_by_label("Place").fill("Paris")
        desk.get_by_label("Since").fill(later)
        desk.get_by_label("Why").fill("Arrived on the evening flight")
        desk.get_by_role("button", name="Record this link").click()
        expect(desk.locator("#custody-refusal")).to_contain_text("would have a gap")
        expect(desk.get_by_label("Received from")).to_have_attribute("aria-invalid", "true")
        expect(desk.locator("ol.custody li")).to_have_count(2)
        shot(desk, "6-gap-refused")
        desk.get_by_label("Received from").fill("Screening facility 2")
        desk.get_by_role("button", name="Record this link").click()
        expect(desk.locator("ol.custody li")).to_have_count(3)
        desk.get_by_role("button", name="Record him as repatriated").click()
        expect(desk.locator("h1 .stage")).to_have_text("repatriated")
        expect(desk.get_by_role("button", name="Record this link")).to_have_count(0)
        shot(desk, "7-repatriated")
