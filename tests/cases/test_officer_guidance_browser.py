"""The officer side that guides, in headless Chromium with JavaScript off: the case page's path
of stages, its next step (or who must take it), exits behind a reason and a ticked box, refusals
in words on the case page itself; each role's start page; the unread count in the navigation and
the title; the audit page in people's terms. Screenshots at 1280 and 390 px in
test-artifacts/officer/. SQLite only (the rules themselves are tested on both engines in
test_case_service.py and test_case_pages.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import update

from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.web.app import create_app
from tests import browser as browsers
from tests import helpers, live_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "officer"
WIDTHS = (1280, 390)


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shot(page: Page, name: str) -> None:
    """The page at both widths, then back to the desktop."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def open_case(runtime: Runtime, persona: helpers.Persona, given: str, family: str) -> str:
    with runtime.db.transaction() as session:
        case = case_flows.open_case(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(identity=ClaimedIdentity(given, family)),
        )
        return case.id


def move(runtime: Runtime, persona: helpers.Persona, case_id: str, stage: str) -> None:
    with runtime.db.transaction() as session:
        transitions.transition(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            to_stage=stage,
            note="Synthetic: seen at the consulate.",
        )


def sign_in(browser: Browser, base: str, runtime: Runtime, who: helpers.Persona) -> BrowserContext:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{base}/officer/signin")
    page.get_by_label("Username").fill(who.username)
    page.get_by_label("Password").fill(who.password)
    page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, who))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/officer/")  # sign-in lands on the start page
    return context


def test_the_case_page_guides_through_the_stages(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    walid = open_case(runtime, officer, "Walid", "Saidi")
    move(runtime, officer, walid, "in_contact")
    nabil = open_case(runtime, officer, "Nabil", "Ferhat")
    with live_server.serve(runtime) as base:
        context = sign_in(browser, base, runtime, officer)
        page = context.pages[0]
        page.goto(f"{base}/officer/cases/{walid}")
        path = page.get_by_role("navigation", name="Stages of the case")
        expect(path.locator("li")).to_have_count(9)
        expect(path.locator('[aria-current="step"]')).to_contain_text("in contact")
        expect(path.locator("li.done")).to_contain_text("new")
        next_step = page.locator("#next-step")
        expect(next_step.locator("h2")).to_have_text("Next step: identity verified")
        button = next_step.get_by_role("button", name="Record the identity as verified")
        expect(button).to_be_visible()
        shot(page, "case-next-step")

        # Refused in words, on the case page, with what was typed kept.
        next_step.get_by_label("Why").fill("Passport seen at the consulate in Erbil.")
        next_step.get_by_label("Verified by").fill(officer.username)
        button.click()
        refusal = page.get_by_role("alert")
        expect(refusal).to_contain_text("The case was not moved.")
        expect(refusal).to_contain_text(
            f"Verified by: {officer.username} entered this identity and cannot also be the one "
            "who verified it"
        )
        expect(refusal).not_to_contain_text("identity_verified")
        expect(page.locator("#next-note")).to_have_value("Passport seen at the consulate in Erbil.")
        expect(page.locator("#verified_by")).to_have_value(officer.username)
        expect(page).to_have_title(f"Not moved: {page.title().removeprefix('Not moved: ')}")
        shot(page, "case-refused")
        page.locator("#verified_by").fill(supervisor.username)
        page.locator("#next-step").get_by_role("button").click()
        expect(path.locator('[aria-current="step"]')).to_contain_text("identity verified")

        # The case is cleared only by a reviewed screening assessment: said so, the way to
        # write one offered, and no button that moves the case by hand.
        screening = page.locator("#screening")
        expect(screening).to_contain_text("The case is cleared when a supervisor")
        expect(screening.get_by_role("link", name="Write a screening assessment")).to_be_visible()
        expect(page.locator("#next-step button")).to_have_count(0)
        shot(page, "case-needs-supervisor")

        # Deceased is never one click away: behind a closed <details>, a reason and a box.
        page.goto(f"{base}/officer/cases/{nabil}")
        exits = page.locator("#exits")
        deceased = exits.get_by_label("He died")
        expect(deceased).to_be_hidden()
        exits.locator("summary").click()
        deceased.check()
        exits.get_by_label("Why").fill("Synthetic: his brother reported his death.")
        confirm = exits.get_by_label("I confirm that the case leaves its path")
        assert confirm.get_attribute("required") is not None
        exits.get_by_role("button", name="Record the exit").click()
        expect(page.get_by_role("alert")).to_have_count(0)  # the browser asks for the box first
        expect(path.locator('[aria-current="step"]')).to_contain_text("new")
        shot(page, "case-exit-confirmation")
        confirm.check()
        exits.get_by_role("button", name="Record the exit").click()
        expect(page.locator(".exited")).to_contain_text("Left the path: deceased")
        expect(page.get_by_text("A deceased case is history")).to_be_visible()
        expect(page.locator("#exits")).to_have_count(0)
        context.close()

        # The supervisor's start page has one card for what waits for an answer, the queue's
        # (no assessment is written yet, so nothing waits); the case says what it needs.
        context = sign_in(browser, base, runtime, supervisor)
        page = context.pages[0]
        expect(page.locator("#queue")).to_have_text("Approvals waiting 0")
        expect(page.locator("#approvals")).to_have_count(0)
        expect(page.get_by_role("link", name="The queue")).to_have_attribute(
            "href", "/officer/approvals"
        )
        shot(page, "start-supervisor")
        page.goto(f"{base}/officer/cases/{walid}")
        expect(page.locator("#screening")).to_contain_text("The case is cleared when a supervisor")
        context.close()


def test_lost_contact_is_offered_when_the_contact_deleted_everything(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    officer = personas["fra_officer"]
    case_id = open_case(runtime, officer, "Samir", "Toumi")
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: the contact deleted everything")
        session.execute(update(Case).where(Case.id == case_id).values(contact_deleted_at=utcnow()))
    with live_server.serve(runtime) as base:
        context = sign_in(browser, base, runtime, officer)
        page = context.pages[0]
        page.goto(f"{base}/officer/cases/{case_id}")
        gone = page.locator("section.contact-gone")
        expect(gone).to_contain_text("The contact deleted their conversation")
        shot(page, "case-contact-deleted")
        gone.get_by_label("Why").fill("Synthetic: the codename was deleted.")
        gone.get_by_label("I confirm").check()
        gone.get_by_role("button", name="Record lost contact").click()
        expect(page.locator(".exited")).to_contain_text("lost contact")
        expect(page.locator("section.contact-gone")).to_have_count(0)
        context.close()


def test_each_role_has_its_start_page_and_the_audit_page_names_people(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    officer, auditor = personas["fra_officer"], personas["auditor"]
    case_id = open_case(runtime, officer, "Karim", "Haddad")
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as contact:
        helpers.contact_start(contact, "fr")
        assert helpers.contact_write(contact, "Mon fils Karim veut rentrer.", lang="fr") == 303
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as contact:
        helpers.contact_start(contact, "ar")
        assert helpers.contact_write(contact, "لا أعرف المكتب.", lang="ar", desk=None) == 303
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as guesser:
        body = {"username": officer.username, "password": "wrong-password-xx", "code": "123456"}
        assert guesser.post("/api/v1/auth/token", json=body).status_code == 401
    with live_server.serve(runtime) as base:
        context = sign_in(browser, base, runtime, officer)
        page = context.pages[0]
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Inbox")).to_contain_text("1")
        assert page.title().startswith("(1) "), page.title()
        expect(page.locator("#letters")).to_have_text("Letters awaiting our reply 1")
        expect(page.get_by_role("link", name="All letters awaiting a reply")).to_have_attribute(
            "href",
            "/officer/inbox?show=unanswered",  # the inbox's own filter
        )
        expect(page.locator("#assigned")).to_have_text("Assigned to me 1")
        expect(page.locator("#stale")).to_be_visible()
        expect(page.locator("#transfers")).to_be_visible()
        expect(page.locator("#approvals")).to_have_count(0)  # a supervisor's
        shot(page, "start-desk-officer")
        page.goto(f"{base}/officer/cases/{case_id}")  # a sensitive read for the auditor
        assert page.title().startswith("(1) "), page.title()
        context.close()

        context = sign_in(browser, base, runtime, personas["coordinator"])
        page = context.pages[0]
        expect(page.locator("#route")).to_have_text("Letters to route 1")
        shot(page, "start-coordinator")
        context.close()

        context = sign_in(browser, base, runtime, auditor)
        page = context.pages[0]
        expect(page.get_by_role("navigation", name="Main").get_by_role("link")).not_to_contain_text(
            ["Inbox"]
        )
        assert not page.title().startswith("(")
        expect(page.locator("#witnesses")).to_have_text("Refused by witnesses 0")
        signins = page.locator("section", has=page.locator("#signins"))
        expect(signins).to_contain_text(f"{officer.username} (FRA) · refused: wrong password")
        reads = page.locator("section", has=page.locator("#reads"))
        expect(reads).to_contain_text(f"{officer.username} (FRA) opened a case FRA-")
        shot(page, "start-auditor")

        page.goto(f"{base}/officer/audit")
        expect(page.get_by_text("entries of other nations are not shown here")).to_be_visible()
        entries = page.locator("table.audit-entries")
        expect(entries).to_contain_text(f"{officer.username} (FRA)")
        expect(entries).not_to_contain_text(f"officer:{officer.officer_id}")
        refused = page.locator("section.signins")
        expect(refused).to_contain_text(f"{officer.username} (FRA)")
        expect(refused).not_to_contain_text(officer.officer_id)
        fields = [
            page.locator(f"form.audit-filters #{name}")
            for name in ("officer", "resource", "action")
        ]
        boxes = [field.bounding_box() for field in fields]
        assert all(box is not None for box in boxes)
        assert len({round(box["y"]) for box in boxes if box}) == 1, boxes  # one row at 1280
        shot(page, "audit")
        page.set_viewport_size({"width": 390, "height": 900})
        boxes = [field.bounding_box() for field in fields]
        assert len({round(box["x"]) for box in boxes if box}) == 1, boxes  # stacked at 390
        page.set_viewport_size({"width": 1280, "height": 900})

        page.get_by_label("Officer").fill(officer.username)
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("table.audit-entries tbody tr")
        expect(rows.first).to_be_visible()
        for text in rows.all_inner_texts():
            assert f"{officer.username} (FRA)" in text
        reference = entries.locator("a.ref").first
        expect(reference).to_have_text(re.compile(r"^FRA-[0-9A-F]{8}$"))
        page.get_by_label("Officer").fill("nobody.at.all")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_role("alert")).to_have_text("No officer is called “nobody.at.all”.")
        context.close()
