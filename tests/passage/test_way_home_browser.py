"""The whole way home in order, in headless Chromium with JavaScript off, as the issue asks:
the desk books a window from a cleared case's page (the calendar shows it), a supervisor who did
not write the plan finds it on the start page and approves it (the case moves to passage
planned), the officer sends the Arabic draft and the contact reads it in Arabic, the window
comes, the receiving unit and the desk each confirm the handover (handed over), the desk
records the custody chain from the case page (in custody), then the arrival (repatriated). The
stage route never offered any of those moves. Screenshots of the calendar, the start page, the
handover, the chain and the case's timeline at 390 and 1280 px in test-artifacts/passage/.
SQLite only, like the other browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.passage.models import PassagePlan
from homeward.policy import binding
from tests import browser as browsers
from tests import helpers, live_server
from tests.passage import handover_world as hw
from tests.passage import world
from tests.passage.test_passage_browser import ARTIFACTS, arabic_contact_case, signed_in

pytestmark = pytest.mark.browser

STAMP = "%Y-%m-%dT%H:%M"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shots(page: Page, name: str) -> None:
    """The page at 390 and 1280 px; on the phone nothing is wider than the window."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=ARTIFACTS / f"way-home-{name}-{width}.png", full_page=True)
        if width == 390:
            assert page.evaluate("document.querySelector('main').scrollWidth") <= width, name
    page.set_viewport_size({"width": 1280, "height": 900})


def no_stage_button(page: Page) -> None:
    """The case page offers no button for a move only the way home makes."""
    for stage in ("handed_over", "in_custody", "repatriated"):
        expect(page.locator(f"#next-step input[name=stage][value={stage}]")).to_have_count(0)


def the_window_has_come(runtime: Runtime, point_id: str, case_id: str) -> hw.Ready:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the booked plan")
        plan_id = session.scalars(
            select(PassagePlan.id).where(PassagePlan.case_id == case_id)
        ).one()
    now = utcnow()
    return hw.window_has_come(runtime, hw.Ready(point_id, plan_id, case_id, now, now))


def test_the_whole_way_home_in_order(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    codename, case_id = arabic_contact_case(runtime, personas["fra_officer"])
    point_id = world.make_point(runtime, personas["coordinator"])
    day = world.day_ahead()
    with live_server.serve(runtime) as base:
        case_url = f"{base}/officer/cases/{case_id}"

        # 1. The desk books a window from the cleared case's page.
        desk = signed_in(browser, runtime, base, personas["fra_officer"])
        desk.goto(case_url)
        desk.get_by_role("link", name="Plan the way home").click()
        desk.get_by_label("Handover point").select_option(
            label="Rabia crossing (Tal Afar district)"
        )
        desk.get_by_role("button", name="Show its windows").click()
        desk.get_by_label("Window", exact=False).first.select_option(
            value=world.window(day, "09:00").isoformat()
        )
        desk.get_by_label("Who accompanies him").fill("Liaison officer of the desk")
        desk.get_by_label("What he must bring", exact=False).fill("بطاقة الهوية فقط، دون سلاح")
        desk.get_by_label("If the window is missed", exact=False).fill("نفس الموعد في اليوم التالي")
        desk.get_by_label("Instructions", exact=False).fill("Second gate, hands visible.")
        desk.get_by_role("button", name="Book the window").click()
        expect(desk.locator(".plan-state")).to_contain_text("Waiting for a supervisor")
        desk.goto(f"{base}/officer/passage/points/{point_id}/calendar?week={day.isoformat()}")
        expect(desk.locator("tr.mine")).to_contain_text("your plan")
        shots(desk, "1-calendar")

        # 2. A supervisor who did not write it finds it on the start page and approves it.
        supervisor = signed_in(browser, runtime, base, personas["fra_supervisor"])
        waiting = supervisor.locator("section[aria-labelledby=queue]")
        expect(waiting.locator("h2")).to_have_text("Approvals waiting 1")
        shots(supervisor, "2-supervisor-start")
        waiting.get_by_role("link", name="Approve the passage plan").click()
        supervisor.get_by_role("button", name="Approve the plan").click()
        expect(supervisor.locator(".plan-state")).to_contain_text("Approved by fra.supervisor")
        supervisor.goto(case_url)
        expect(supervisor.locator(".case-head .stage")).to_have_text("passage planned")
        no_stage_button(supervisor)

        # 3. The officer tells the contact in Arabic; the contact reads it in Arabic.
        desk.goto(case_url)
        desk.locator("#way-home").get_by_role("link", name="Rabia crossing").click()
        desk.get_by_role("link", name="Tell the contact").click()
        draft = desk.get_by_label("Message")
        expect(draft).to_have_attribute("dir", "rtl")
        draft.fill(draft.input_value() + "\nنحن بانتظارك.")
        desk.get_by_role("button", name="Send to", exact=False).click()
        contact = browser.new_context(
            java_script_enabled=False, viewport={"width": 390, "height": 900}
        ).new_page()
        contact.goto(f"{base}/ar")
        contact.locator("#codename").fill(codename)
        contact.locator("form[action='/ar/signin'] button").click()
        expect(contact.locator("main")).to_contain_text("تمّ ترتيب طريق عودتك")
        expect(contact.locator("main")).to_contain_text("نحن بانتظارك.")
        assert contact.locator("html").get_attribute("dir") == "rtl"
        shots(contact, "3-contact-reads-ar")

        # 4. The window comes; the receiving unit, then the desk, confirm the handover.
        r = the_window_has_come(runtime, point_id, case_id)
        received = r.at.strftime(STAMP)
        cell = signed_in(browser, runtime, base, personas["coordinator"])
        cell.goto(f"{base}/officer/passage/plans/{r.plan_id}")
        cell.get_by_role("link", name="The handover page").click()
        cell.get_by_label("Yes, he was received").check()
        cell.get_by_label("When").fill(received)
        cell.get_by_label("Who received him").fill(hw.UNIT)
        cell.get_by_role("button", name="Give your word").click()
        expect(cell.locator("#side-cell + dl")).to_contain_text("It happened")
        desk.goto(case_url)
        expect(desk.locator(".case-head .stage")).to_have_text("passage planned")
        desk.locator("#way-home").get_by_role("link", name="The handover").click()
        desk.get_by_label("Yes, he was received").check()
        desk.get_by_label("When").fill(received)
        desk.get_by_label("Who received him").fill(hw.UNIT)
        desk.get_by_role("button", name="Give your word").click()
        expect(
            desk.get_by_role("heading", name="Handed over: both sides confirmed")
        ).to_be_visible()
        shots(desk, "4-handed-over")
        desk.get_by_role("link", name="← The plan").click()
        expect(desk.get_by_role("heading", name="Kept as it is")).to_be_visible()
        expect(desk.get_by_role("button", name="Cancel the plan")).to_have_count(0)
        shots(desk, "4-plan-kept")

        # 5. The custody chain, from the case page: the first holder, then in custody.
        desk.goto(case_url)
        expect(desk.locator(".case-head .stage")).to_have_text("handed over")
        no_stage_button(desk)
        desk.locator("#way-home").get_by_role("link", name="The custody chain").click()
        desk.get_by_label("What").select_option("screening_facility")
        desk.get_by_label("Held by").fill("Screening facility 2")
        desk.get_by_label("Place").fill("Mosul")
        desk.get_by_label("Why").fill("Screening before transfer")
        desk.get_by_role("button", name="Record this link").click()
        desk.get_by_role("button", name="Record him as in custody").click()
        expect(desk.locator("h1 .stage")).to_have_text("in custody")

        # 6. The arrival, entered by the home desk: repatriated.
        desk.get_by_label("What").select_option("arrival")
        desk.get_by_label("Received from").fill("Screening facility 2")
        desk.get_by_label("Held by").fill("DGSI, Paris")
        desk.get_by_label("Place").fill("Paris")
        desk.get_by_label("Since").fill((utcnow() - timedelta(minutes=30)).strftime(STAMP))
        desk.get_by_label("Why").fill("Arrived on the evening flight")
        desk.get_by_role("button", name="Record this link").click()
        desk.get_by_role("button", name="Record him as repatriated").click()
        expect(desk.locator("h1 .stage")).to_have_text("repatriated")
        expect(desk.locator("ol.custody li")).to_have_count(3)
        shots(desk, "5-custody-chain")

        # The case's timeline tells the whole way, in order.
        desk.goto(case_url)
        expect(desk.locator(".case-head .stage")).to_have_text("repatriated")
        timeline = desk.locator("ol.timeline").first
        for stage in ("passage planned", "handed over", "in custody", "repatriated"):
            expect(timeline).to_contain_text(stage)
        shots(desk, "6-timeline")
