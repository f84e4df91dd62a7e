"""The release card in a real browser, JavaScript off: an officer releases a case without a
basis (refused, what was typed kept), then on the person's consent; the consent is withdrawn;
a supervisor sees the flag on the start page and keeps the release on a legal obligation.
Screenshots at 390 and 1280 px in test-artifacts/cases/. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.core.runtime import Runtime
from tests import browser as browsers
from tests import helpers, live_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "cases"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shot(page: Page, name: str) -> None:
    browsers.shots(page, ARTIFACTS / f"release-{name}")


def test_release_withdraw_and_review_in_the_browser(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    with runtime.db.transaction() as session:
        case_id = case_flows.open_case(
            session=session,
            keyring=helpers.keyring(runtime, personas["fra_officer"]),
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(identity=ClaimedIdentity("Mohamed", "Benali")),
        ).id
    with live_server.serve(runtime) as base:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        browsers.sign_in(page, base, runtime, personas["fra_officer"])
        page.goto(f"{base}/officer/cases/{case_id}")
        protection = page.locator("#protection")
        protection.get_by_label("DEU").check()
        protection.get_by_label("Why").fill("Synthetic: the German desk helps find his mother.")
        protection.get_by_role("button", name="Change protection").click()
        expect(page.get_by_role("alert")).to_contain_text("Basis: say on what basis DEU")
        expect(protection.get_by_label("Why")).to_have_value(
            "Synthetic: the German desk helps find his mother."
        )
        shot(page, "1-refused")

        protection.get_by_label("The person's consent").check()
        protection.get_by_label("Consent given on").fill("2026-11-02")
        protection.get_by_label("How consent was given").fill(
            "Synthetic: in his second letter he agrees."
        )
        protection.get_by_role("button", name="Change protection").click()
        releases = page.locator("#releases")
        expect(releases).to_contain_text("DEU: the person's consent")
        shot(page, "2-released")

        releases.get_by_text("The person withdrew the consent given 2026-11-02").click()
        releases.get_by_label("How it was withdrawn").fill("Synthetic: by letter, 2026-12-01.")
        releases.get_by_role("button", name="Record the withdrawal").click()
        expect(page.locator(".release-flagged")).to_contain_text("Consent withdrawn")
        context.close()

        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        browsers.sign_in(page, base, runtime, personas["fra_supervisor"])
        expect(page.locator("#release-reviews")).to_contain_text("Releases to review 1")
        shot(page, "3-start")
        page.locator("#release-reviews + p + ul a").click()
        releases = page.locator("#releases")
        releases.get_by_text("Review the release to DEU").click()
        releases.get_by_label("Keep it, on the basis below").check()
        releases.get_by_label("A legal obligation").check()
        releases.get_by_label("Grounds").fill("Synthetic: a court order from Paris.")
        releases.get_by_label("Why").fill("Synthetic: the order obliges us.")
        shot(page, "4-review")
        releases.get_by_role("button", name="Record the review").click()
        expect(releases).to_contain_text("DEU: a legal obligation")
        expect(page.locator(".release-flagged")).to_have_count(0)
        shot(page, "5-reviewed")
        context.close()
