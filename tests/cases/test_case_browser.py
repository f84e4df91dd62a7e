"""The case pages in a real browser: an officer signs in, filters the list, opens a case and
moves it, with every step saved as a screenshot in test-artifacts/cases/ for a human to look at.
The pages work with JavaScript off, like every page here. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases import transfers, transitions
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.cases.release_basis import Basis
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.web.app import create_app
from tests import browser as browsers
from tests import helpers, live_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "cases"
PEOPLE = [
    ("Mohamed", "Benali", ["priority", "family-contact"], "in_contact", 20),
    ("Youssef", "Amrani", ["family-contact"], "new", 9),
    ("Karim", "Haddad", [], "identity_verified", 35),
    ("Anis", "Mansouri", ["wave-2"], "new", 1),
    ("Samir", "Toumi", ["wave-2", "medical"], "in_contact", 2),
    ("Nabil", "Ferhat", [], "lost_contact", 40),
    ("", "", ["priority"], "new", 0),
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def seed(runtime: Runtime, personas: helpers.Personas) -> str:
    """A desk's ordinary week; returns the case the test works on."""
    fra = helpers.keyring(runtime, personas["fra_officer"])
    supervisor = personas["fra_supervisor"].username
    made = []
    with runtime.db.transaction() as session:
        for given, family, labels, stage, days in PEOPLE:
            identity = ClaimedIdentity(
                given_names=given,
                family_name=family,
                aliases=[] if family else ["Abu Mariam al-Faransi"],
                date_of_birth="~1994",
                nationalities=["FRA"],
            )
            case = case_flows.open_case(
                session=session,
                keyring=fra,
                secrets=runtime.secrets,
                settings=runtime.settings,
                data=case_service.CaseOpen(identity=identity, labels=labels),
            )
            path = {"in_contact": ["in_contact"], "lost_contact": ["in_contact", "lost_contact"]}
            path["identity_verified"] = ["in_contact", "identity_verified"]
            for target in path.get(stage, []):
                transitions.transition(
                    session=session,
                    keyring=fra,
                    secrets=runtime.secrets,
                    case_id=case.id,
                    to_stage=target,
                    note="Mother called the desk; he wants to come home.",
                    verified_by=supervisor,
                )
            binding.as_system(session, "test set-up: age a case")
            entered = utcnow() - timedelta(days=days)
            session.execute(update(Case).where(Case.id == case.id).values(stage_entered_at=entered))
            session.info.pop(binding.SYSTEM_KEY)
            made.append(case.id)
        transitions.add_note(
            session=session,
            keyring=fra,
            secrets=runtime.secrets,
            case_id=made[0],
            text="Brother in Lyon confirms the date of birth.",
        )
    deu = helpers.keyring(runtime, personas["deu_officer"])
    with runtime.db.transaction() as session:
        case = case_flows.open_case(
            session=session,
            keyring=deu,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(identity=ClaimedIdentity("Jonas", "Becker")),
        )
        transfers.request_transfer(
            session=session,
            keyring=deu,
            secrets=runtime.secrets,
            case_id=case.id,
            to_nation="FRA",
            reason="Born in Strasbourg; holds French papers.",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )
    return made[0]


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def test_an_officer_works_a_case_in_the_browser(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    case_id = seed(runtime, personas)
    officer = personas["fra_officer"]
    with live_server.serve(runtime) as base:
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": 1360, "height": 900}
        )
        page = context.new_page()
        page.goto(f"{base}/officer/signin")
        page.get_by_label("Username").fill(officer.username)
        page.get_by_label("Password").fill(officer.password)
        page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, officer))
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#stale")).to_have_text("Too long in their stage 3")
        expect(page.get_by_text("1 transfer waiting for this desk's answer.")).to_be_visible()
        shot(page, "1-start")

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
        expect(page.locator("table.cases tbody tr")).to_have_count(7)
        expect(page.locator("tr.is-stale")).to_have_count(3)
        shot(page, "2-list")

        page.get_by_label("Too long in stage only").check()
        page.get_by_role("button", name="Apply").click()
        expect(page.locator("table.cases tbody tr")).to_have_count(3)
        page.locator(".chips").get_by_role("link", name="in contact").click()
        expect(page.locator("table.cases tbody tr")).to_have_count(1)
        shot(page, "3-list-filtered")

        page.locator("table.cases tbody a").first.click()
        expect(page).to_have_url(f"{base}/officer/cases/{case_id}")
        expect(page.locator(".badge.stale")).to_be_visible()
        expect(page.get_by_text("Brother in Lyon confirms the date of birth.")).to_be_visible()
        shot(page, "4-case")

        next_step = page.locator("#next-step")
        next_step.get_by_label("Why").fill("Passport and family book seen at the consulate.")
        next_step.get_by_label("Verified by").fill(personas["fra_supervisor"].username)
        next_step.get_by_role("button", name="Record the identity as verified").click()
        expect(page.locator(".case-head .stage")).to_have_text("identity verified")
        expect(page.locator(".badge.stale")).to_have_count(0)
        shot(page, "5-case-moved")

        page.get_by_role("navigation", name="Main").get_by_role("link", name="Transfers").click()
        expect(page.get_by_text("Born in Strasbourg; holds French papers.")).to_be_visible()
        shot(page, "6-transfers")

        with TestClient(create_app(runtime), base_url="http://127.0.0.1") as contact:
            helpers.contact_start(contact, "fr")
            assert helpers.contact_write(contact, "Mon fils Walid veut rentrer.", lang="fr") == 303
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
        page.locator("table.inbox tbody a").first.click()
        page.get_by_text("Open a case from this conversation").click()
        page.get_by_label("Given names").fill("Walid")
        page.get_by_label("Family name").fill("Saidi")
        page.get_by_label("Date of birth").fill("1992-03")
        shot(page, "7-open-from-conversation")
        page.get_by_role("button", name="Open case").click()
        expect(page.locator("h1")).to_contain_text("Walid SAIDI")
        expect(page.get_by_text("linked to 1 conversation")).to_be_visible()
        context.close()
