"""The way home in headless Chromium, JavaScript off: the cell adds a point, the desk books a
window for a cleared case from its page, a supervisor who did not write the plan approves it
and the case moves to passage planned, the officer sends the Arabic draft, and the contact
signs in and reads it in Arabic. Screenshots of the calendar, the plan and the forms at 390
and 1280 px in test-artifacts/passage/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.contact import service as contact_service
from homeward.core.runtime import Runtime
from homeward.policy import binding
from tests import browser as browsers
from tests import helpers, live_server
from tests.passage import world

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "passage"
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shots(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
        if label == "phone":
            assert page.evaluate("document.querySelector('main').scrollWidth") <= width, name
    page.set_viewport_size({"width": 1280, "height": 900})


def signed_in(browser: Browser, runtime: Runtime, base: str, persona: helpers.Persona) -> Page:
    page = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    ).new_page()
    page.goto(f"{base}/officer/signin")
    page.get_by_label("Username").fill(persona.username)
    page.get_by_label("Password").fill(persona.password)
    page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, persona))
    page.get_by_role("button", name="Sign in").click()
    return page


def arabic_contact_case(runtime: Runtime, persona: helpers.Persona) -> tuple[str, str]:
    """A contact who wrote in Arabic, and a cleared case opened from the letter."""
    with runtime.db.transaction() as session:
        codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost, language="ar"
        )
        message = contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text="أريد العودة إلى فرنسا مع عائلتي.",
            desk_code="FRA",
            files=[],
            max_chars=1000,
            language="ar",
        )
        conversation_id = message.conversation_id
    with runtime.db.transaction() as session:
        case = case_service.open_case(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(given_names="Karim", family_name="Benali"),
                conversation_ids=[conversation_id],
            ),
        )
        case_id = case.id
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: the case was cleared")
        session.execute(update(Case).where(Case.id == case_id).values(stage="cleared"))
    return codename, case_id


def test_the_way_home_from_a_point_to_the_contact_reading_in_arabic(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    codename, case_id = arabic_contact_case(runtime, personas["fra_officer"])
    day = world.day_ahead()
    with live_server.serve(runtime) as base:
        # The cell adds the point.
        cell = signed_in(browser, runtime, base, personas["coordinator"])
        cell.get_by_role("link", name="Way home").click()
        cell.get_by_role("link", name="New handover point").click()
        cell.get_by_label("Name").fill("Rabia crossing")
        cell.get_by_label("Area").fill("Tal Afar district")
        cell.get_by_label("Receiving units").fill("Reception unit 4")
        cell.get_by_label("People a window can receive").fill("2")
        cell.get_by_label("Window length").fill("60")
        for weekday in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"):
            cell.get_by_label(weekday, exact=True).fill("08:00-12:00, 13:00-16:00")
        shots(cell, "point-form")
        cell.get_by_role("button", name="Add the point").click()
        expect(cell.get_by_role("heading", level=1)).to_contain_text("Rabia crossing")
        shots(cell, "point")

        # The desk books a window for its cleared case, from the case's page.
        desk = signed_in(browser, runtime, base, personas["fra_officer"])
        desk.goto(f"{base}/officer/cases/{case_id}")
        desk.get_by_role("link", name="Plan the way home").click()
        desk.get_by_label("Handover point").select_option(
            label="Rabia crossing (Tal Afar district)"
        )
        desk.get_by_role("button", name="Show its windows").click()
        window = world.window(day, "09:00").isoformat()
        desk.get_by_label("Window", exact=False).first.select_option(value=window)
        desk.get_by_label("Who accompanies him").fill("Liaison officer of the desk")
        desk.get_by_label("What he must bring", exact=False).fill("بطاقة الهوية فقط، دون سلاح")
        desk.get_by_label("If the window is missed", exact=False).fill("نفس الموعد في اليوم التالي")
        desk.get_by_label("Instructions", exact=False).fill("Second gate, hands visible.")
        shots(desk, "plan-form")
        desk.get_by_role("button", name="Book the window").click()
        expect(desk.locator(".plan-state")).to_contain_text("Waiting for a supervisor")

        # The calendar: this desk's plan highlighted, local time and UTC.
        point_link = desk.locator("dl.facts a").first
        point_link.click()
        desk.get_by_role("link", name="Calendar").click()
        desk.goto(desk.url + f"?week={day.isoformat()}")
        expect(desk.locator("tr.mine")).to_have_count(1)
        expect(desk.locator("tr.mine")).to_contain_text("your plan")
        expect(desk.locator("main")).to_contain_text("Asia/Baghdad")
        shots(desk, "calendar")

        # A supervisor who did not write it approves; the case moves.
        supervisor = signed_in(browser, runtime, base, personas["fra_supervisor"])
        supervisor.goto(f"{base}/officer/cases/{case_id}")
        supervisor.locator("#way-home a").first.click()
        supervisor.get_by_role("button", name="Approve the plan").click()
        expect(supervisor.locator(".plan-state")).to_contain_text("Approved by fra.supervisor")
        expect(supervisor.locator(".plan-state")).to_contain_text("passage planned")
        shots(supervisor, "plan-approved")
        supervisor.goto(f"{base}/officer/cases/{case_id}")
        expect(supervisor.locator(".case-head .stage")).to_have_text("passage planned")

        # The officer tells the contact in Arabic, editing the draft first.
        desk.goto(f"{base}/officer/cases/{case_id}")
        desk.locator("#way-home a").first.click()
        desk.get_by_role("link", name="Tell the contact").click()
        draft = desk.get_by_label("Message")
        expect(draft).to_have_attribute("dir", "rtl")
        text = draft.input_value()
        assert "تمّ ترتيب طريق عودتك" in text
        assert "بطاقة الهوية فقط، دون سلاح" in text
        draft.fill(text + "\nنحن بانتظارك.")
        shots(desk, "tell")
        desk.get_by_role("button", name="Send to", exact=False).click()
        expect(desk.locator("ol.messages")).to_contain_text("نحن بانتظارك.")

        # The contact, JavaScript off, signs in and reads it in Arabic.
        contact = browser.new_context(
            java_script_enabled=False, viewport={"width": 390, "height": 900}
        ).new_page()
        contact.goto(f"{base}/ar")
        contact.locator("#codename").fill(codename)
        contact.locator("form[action='/ar/signin'] button").click()
        expect(contact.locator("main")).to_contain_text("تمّ ترتيب طريق عودتك")
        expect(contact.locator("main")).to_contain_text("Rabia crossing")
        expect(contact.locator("main")).to_contain_text("نحن بانتظارك.")
        assert contact.locator("html").get_attribute("dir") == "rtl"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        contact.screenshot(path=ARTIFACTS / "contact-reads-ar-phone.png", full_page=True)
