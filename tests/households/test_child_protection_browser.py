"""A child's handover to child protection in a real browser, JavaScript off: the FRA desk sees
on the child's case that nothing is recorded yet, records a handover (a date more than a year
ahead is refused with the field named, what was typed kept and nothing stored), confirms for
the desk; the card then says the cell's word is missing. The cell's coordinator finds it under
Children, with nothing of the case, and confirms; the case is handed over and the card says
what comes next. axe finds nothing serious on any of these pages. Screenshots at 390 and 1280
px in test-artifacts/households/. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from homeward.core.runtime import Runtime
from tests import axe, helpers, live_server
from tests import browser as browsers
from tests.households import child_protection_world as cw
from tests.households import world
from tests.households.test_household_browser import sign_in

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "households"
STAMP = "%Y-%m-%dT%H:%M"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shot(page: Page, name: str, *, card: bool = False) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        path = ARTIFACTS / f"child-protection-{name}-{width}.png"
        if card:
            page.locator("#household").screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=True)


def test_child_protection_in_the_browser(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    child = cw.child(runtime, fra)
    reference = world.reference(runtime, child)
    with live_server.serve(runtime) as base:
        desk = browser.new_context(java_script_enabled=False).new_page()
        sign_in(desk, base, runtime, fra)
        desk.goto(f"{base}/officer/cases/{child}")
        card = desk.locator("#household")
        expect(card).to_contain_text("No handover to a child-protection organisation recorded")
        shot(desk, "card-none", card=True)
        card.get_by_role("link", name="Record a handover to child protection").click()

        far = (datetime.now(UTC) + timedelta(days=400)).strftime(STAMP)
        desk.get_by_label("Organisation that receives the child").fill(
            "Terre des Hommes (UNICEF-supported partner)"
        )
        desk.get_by_label("Contact at the organisation").fill("Ms. Amal Haddad, +964 750 000 0000")
        desk.get_by_label("Place").fill("Interim care centre, Erbil")
        desk.get_by_label("Planned for").fill(far)
        before = cw.stored(runtime)
        desk.get_by_role("button", name="Record the handover").click()
        expect(desk.get_by_role("alert")).to_contain_text(
            "Planned for: the time is more than a year"
        )
        expect(desk.get_by_label("Organisation that receives the child")).to_have_value(
            "Terre des Hommes (UNICEF-supported partner)"
        )
        assert cw.stored(runtime) == before
        shot(desk, "refused")

        soon = (datetime.now(UTC) + timedelta(hours=2)).strftime(STAMP)
        desk.get_by_label("Planned for").fill(soon)
        desk.get_by_role("button", name="Record the handover").click()
        expect(desk.locator(".cp-state")).to_contain_text(
            "Waiting for the owning desk and the coordination cell"
        )
        shot(desk, "recorded")

        happened = (datetime.now(UTC) - timedelta(minutes=10)).strftime(STAMP)
        desk.get_by_label("Yes, the organisation received the child").check()
        desk.get_by_label("When").fill(happened)
        desk.get_by_label("Received by whom at the organisation").fill(
            "Ms. Amal Haddad, case worker"
        )
        desk.get_by_role("button", name="Confirm for the desk").click()
        expect(desk.locator(".cp-state")).to_contain_text("Waiting for the coordination cell")
        desk.goto(f"{base}/officer/cases/{child}")
        expect(card).to_contain_text("Still missing: the coordination cell")
        timeline = desk.locator("main")
        expect(timeline).to_contain_text("Handover to child protection confirmed")
        expect(timeline).to_contain_text("the owning desk: it happened")
        shot(desk, "card-waiting", card=True)

        cell = browser.new_context(java_script_enabled=False).new_page()
        sign_in(cell, base, runtime, coordinator)
        cell.get_by_role("link", name="Children").click()
        listed = cell.locator("main")
        expect(listed).to_contain_text("Terre des Hommes (UNICEF-supported partner)")
        expect(listed).not_to_contain_text(reference)  # nothing of the case
        cell.locator("summary", has_text="Confirm for the cell").click()
        shot(cell, "cell")
        cell.get_by_label("Yes, the organisation received the child").check()
        cell.get_by_label("When").fill(happened)
        cell.get_by_label("Received by whom at the organisation").fill("Ms. Amal Haddad")
        cell.get_by_role("button", name="Confirm for the cell").click()
        expect(cell.locator("main")).to_contain_text("No handover of a child waits for the cell")

        desk.goto(f"{base}/officer/cases/{child}")
        expect(card).to_contain_text("handed over")
        expect(card).to_contain_text("Record the child's arrival home when it happens")
        shot(desk, "card-handed-over", card=True)
        desk.goto(f"{base}/officer/cases/{child}/child-protection")
        shot(desk, "handed-over")
        # axe runs in a page with JavaScript on (the pages above have it off).
        findings: list[axe.Finding] = []
        scanner = browser.new_context().new_page()
        sign_in(scanner, base, runtime, fra)
        checker = browser.new_context().new_page()
        sign_in(checker, base, runtime, coordinator)
        for width in (390, 1280):
            for page, path in (
                (scanner, f"/officer/cases/{child}"),
                (scanner, f"/officer/cases/{child}/child-protection"),
                (checker, "/officer/child-protection"),
            ):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{base}{path}")
                findings += axe.scan(page, f"{path} {width}")
    assert cw.stage(runtime, child) == "handed_over"
    blocking = [str(finding) for finding in findings if finding.blocking]
    assert blocking == []
