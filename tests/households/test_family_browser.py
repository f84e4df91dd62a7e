"""Family in a letter, in a real browser with JavaScript off: a mother writes in Arabic of her
son and his wife; the FRA officer opens the son's case from the letter, the case page offers to
open the family's cases, a wrong age is refused with the field named and what was typed kept,
then the wife's and a grandchild's cases are opened and linked. Screenshots at 390 and 1280 px
in test-artifacts/households/; axe finds nothing serious on the family page. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from homeward.core.runtime import Runtime
from tests import axe, helpers, live_server
from tests import browser as browsers
from tests.households import world
from tests.households.test_family import _letter

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "households"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shot(page: Page, name: str) -> None:
    browsers.shots(page, ARTIFACTS / f"family-{name}")


def test_a_letter_about_family_in_the_browser(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    fra = personas["fra_officer"]
    conversation_id = _letter(
        runtime, "ابني كريم في المخيم مع زوجته وطفلهما. أريد أن يعودوا إلى فرنسا.", "ar"
    )
    with live_server.serve(runtime) as base:
        page = browser.new_context(java_script_enabled=False).new_page()
        browsers.sign_in(page, base, runtime, fra)
        page.goto(f"{base}/officer/conversations/{conversation_id}")
        page.get_by_text("Open a case from this conversation").click()
        page.get_by_label("Given names").fill("Karim")
        page.get_by_label("Family name").fill("Benali")
        page.get_by_role("button", name="Open case").click()

        offer = page.locator("section.family-offer")
        expect(offer).to_contain_text("This letter may concern family members")
        shot(page, "1-case-offer")
        offer.get_by_role("link", name="Open a family member's case").click()
        expect(page.locator("h1")).to_contain_text("Family of")
        expect(page.locator(".family-word")).to_have_text(["ابني", "زوجته", "طفلهما"])
        expect(page.get_by_label("Nationalities")).to_have_value("FRA")
        shot(page, "2-family-page")

        page.get_by_label("The member is this case's").select_option("child")
        page.get_by_label("Given names").fill("Yasmine")
        page.get_by_label("Sex").select_option("F")
        page.get_by_label("A child's age estimate in years").fill("19")
        page.get_by_label("How the age is known").select_option("stated")
        page.get_by_role("button", name="Open the case and link it").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("No case was opened.")
        expect(alert).to_contain_text("Age estimate: an estimate is for a child: 0 to 17 years")
        expect(page.get_by_label("Given names")).to_have_value("Yasmine")
        expect(page.get_by_label("A child's age estimate in years")).to_have_attribute(
            "aria-invalid", "true"
        )
        shot(page, "3-refused")

        page.get_by_label("A child's age estimate in years").fill("4")
        page.get_by_role("button", name="Open the case and link it").click()
        expect(page.get_by_role("status")).to_contain_text("(this case's child)")
        page.get_by_label("The member is this case's").select_option("spouse")
        page.get_by_label("Given names").fill("Samira")
        page.get_by_label("Sex").select_option("F")
        page.locator("#member-born").fill("~1996")
        page.get_by_role("button", name="Open the case and link it").click()
        expect(page.locator(".family-members li")).to_have_count(2)
        shot(page, "4-two-opened")

        page.get_by_role("link", name="Back to the case").click()
        card = page.locator("#household")
        expect(card.get_by_role("row")).to_have_count(3)
        expect(card).to_contain_text("spouse")
        expect(card).to_contain_text("child")
        case_id = page.url.split("/")[-1].split("#")[0]
        assert [m.relation for m in world.members(runtime, fra, case_id)] == ["child", "spouse"]

        scanned = browser.new_context().new_page()  # axe is injected: JavaScript on
        browsers.sign_in(scanned, base, runtime, fra)
        findings: list[axe.Finding] = []
        for width in (390, 1280):
            scanned.set_viewport_size({"width": width, "height": 900})
            scanned.goto(f"{base}/officer/cases/{case_id}/family")
            findings += axe.scan(scanned, f"family page {width}")
            scanned.get_by_role("button", name="Open the case and link it").click()
            findings += axe.scan(scanned, f"family refusal {width}")
            scanned.goto(f"{base}/officer/conversations/{conversation_id}")
            scanned.get_by_text("Open a case from this conversation").click()
            scanned.get_by_role("button", name="Open case").click()
            findings += axe.scan(scanned, f"open-case refusal {width}")
        # The open-case form with nations ticked and no basis: refused, what was typed kept.
        page.goto(f"{base}/officer/conversations/{conversation_id}")
        page.get_by_text("Open a case from this conversation").click()
        page.get_by_label("Family name").fill("Benali")
        page.get_by_role("checkbox", name="DEU").check()
        page.get_by_role("button", name="Open case").click()
        # A second case from the letter: shown the first, the officer opens one anyway.
        page.get_by_role("button", name="Open a new case anyway").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Basis: say on what basis DEU may read the case"
        )
        expect(page.get_by_role("checkbox", name="DEU")).to_be_checked()
        shot(page, "5-open-case-refused")
    assert [str(finding) for finding in findings if finding.blocking] == []
