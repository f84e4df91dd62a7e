"""The supervisor's queue in a real browser with JavaScript off: a desk officer asks, from the
case page, for a repatriated case to be closed; the supervisor's start page counts what waits
for them and links the queue, which lists a screening assessment to review, a passage plan to
approve and the close request, oldest first, each with its case, stage, what is asked, by whom
and how long it has waited; the supervisor opens the request and approves it, and the case is
closed. Screenshots at 1280 and 390 px in test-artifacts/approvals/. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from homeward.core.runtime import Runtime
from tests import browser as browsers
from tests import helpers, live_server
from tests.approvals import world
from tests.passage import world as passage_world
from tests.passage.test_handover_browser import sign_in
from tests.screening import world as screening_world

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "approvals"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=ARTIFACTS / f"queue-{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_queue_oldest_first_and_a_close_request_approved(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    verified = screening_world.open_case(runtime, fra, family="Haddad", verified_by=supervisor)
    screening_world.write(runtime, fra, verified)
    cleared = passage_world.cleared_case(runtime, fra, family="Saidi")
    point_id = passage_world.make_point(runtime, personas["coordinator"])
    day = passage_world.day_ahead()
    passage_world.book(runtime, fra, cleared, point_id, passage_world.window(day, "09:00"))
    home = world.repatriated_case(runtime, fra, family="Benali")
    world.grant_keys(runtime, supervisor)
    with live_server.serve(runtime) as base:
        desk = sign_in(browser, base, runtime, fra)
        desk.goto(f"{base}/officer/cases/{home}")
        card = desk.locator("#approvals")
        expect(card).to_contain_text("ask for the case to be closed")
        card.get_by_role("link", name="Ask to close the case").click()
        desk.get_by_label("Why the desk's work on this case is done").fill(world.REASON)
        desk.get_by_role("button", name="Ask a supervisor to close it").click()
        expect(card).to_contain_text(f"{fra.username} asked to close the case")
        expect(card).to_contain_text(world.REASON)
        shot(desk, "1-case-waiting")

        boss = sign_in(browser, base, runtime, supervisor)
        boss.goto(f"{base}/officer/")
        expect(boss.get_by_role("heading", name="Approvals waiting 3")).to_be_visible()
        shot(boss, "0-start")
        boss.get_by_role("link", name="Open the queue").click()
        rows = boss.locator("table.queue tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(0)).to_contain_text("Review the screening assessment")
        expect(rows.nth(1)).to_contain_text("Approve the passage plan")
        expect(rows.nth(2)).to_contain_text("Close the case")
        for row in range(3):
            expect(rows.nth(row)).to_contain_text(fra.username)
        expect(rows.nth(2)).to_contain_text("repatriated")
        expect(rows.nth(0)).to_contain_text("identity verified")
        expect(rows.nth(2).locator("td[data-label=Waiting]")).to_contain_text("under a minute")
        shot(boss, "2-queue")

        rows.nth(2).get_by_role("link", name="Close the case").click()
        expect(boss.locator(".why").first).to_contain_text(world.REASON)
        boss.get_by_label("Comment").fill("Arrival on file; the court has the case.")
        shot(boss, "3-decide")
        boss.get_by_role("button", name="Approve: close the case").click()
        expect(boss.locator(".case-head .stage")).to_have_text("closed")
        expect(boss.locator("#approvals")).to_contain_text("approved")
        shot(boss, "4-closed")
        boss.goto(f"{base}/officer/approvals")
        expect(boss.locator("table.queue tbody tr")).to_have_count(2)
