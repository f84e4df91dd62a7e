"""The household card in a real browser, JavaScript off: the FRA desk links a wife's case (a DEU
case released to FRA) and a child's; a wrong reference is refused with the field named and
nothing stored; a link is removed with a reason. The DEU desk, to whom the husband's case is
released but not the child's, sees the wife and nothing of the child. The desk records the
child's best-interests assessment and opens it. Screenshots at 390 and
1280 px in test-artifacts/households/. SQLite only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from homeward.core.runtime import Runtime
from homeward.households.models import BestInterests
from homeward.policy import binding
from tests import axe, helpers, live_server
from tests import browser as browsers
from tests.households import world

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "households"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        path = ARTIFACTS / f"household-{name}-{width}.png"
        card = page.locator("#household")
        if card.count():
            card.screenshot(path=path)  # the card alone: the case page around it is not ours
        else:
            page.screenshot(path=path, full_page=True)


def sign_in(page: Page, base: str, runtime: Runtime, persona: helpers.Persona) -> None:
    page.goto(f"{base}/officer/signin")
    page.get_by_label("Username").fill(persona.username)
    page.get_by_label("Password").fill(persona.password)
    page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, persona))
    page.get_by_role("button", name="Sign in").click()


def link(page: Page, reference: str, relation: str, basis: str) -> None:
    card = page.locator("#household")
    card.get_by_text("Link a family member's case").click()
    card.get_by_label("Reference of the member's case").fill(reference)
    card.get_by_label("The member is this case's").select_option(relation)
    card.get_by_label("How it is known").select_option(basis)
    card.get_by_role("button", name="Link the case").click()


def test_household_card_in_the_browser(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    husband = world.open_case(runtime, fra, release=("DEU",))
    child = world.open_case(runtime, fra, given="Yasmine", born="2015")
    wife = world.open_case(runtime, deu, given="Lena", release=("FRA",))
    refs = {name: world.reference(runtime, case) for name, case in
            (("husband", husband), ("child", child), ("wife", wife))}  # fmt: skip
    with live_server.serve(runtime) as base:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        sign_in(page, base, runtime, fra)
        page.goto(f"{base}/officer/cases/{husband}")
        card = page.locator("#household")
        expect(card).to_contain_text("No linked case that you may see.")
        before = world.stored(runtime)
        link(page, "FRA-NOPE0000", "spouse", "stated")
        expect(page.get_by_role("alert")).to_contain_text(
            "Reference of the member's case: no case FRA-NOPE0000 that you can open"
        )
        expect(page.get_by_label("Reference of the member's case")).to_have_value("FRA-NOPE0000")
        assert world.stored(runtime) == before
        shot(page, "1-refused")

        page.goto(f"{base}/officer/cases/{husband}")
        link(page, refs["wife"], "spouse", "documented")
        link(page, refs["child"], "child", "stated")
        card = page.locator("#household")
        expect(card.get_by_role("row")).to_have_count(3)
        expect(card.get_by_role("row", name=refs["wife"])).to_contain_text("spouse")
        expect(card.get_by_role("row", name=refs["child"])).to_contain_text("child")
        shot(page, "2-linked")

        page.goto(f"{base}/officer/cases/{child}")
        card = page.locator("#household")
        expect(card).to_contain_text("A child's case: born 2015")
        expect(card.get_by_role("row", name=refs["husband"])).to_contain_text("parent")
        shot(page, "3-child")
        assessment = card.locator("details", has_text="Record a best-interests assessment")
        assessment.get_by_text("Record a best-interests assessment").click()
        assessment.get_by_label("Outcome").fill("Synthetic: placement with her grandmother.")
        assessment.get_by_role("button", name="Record the assessment").click()
        page.locator("#household").get_by_role("link", name="Assessment of").click()
        expect(page.locator("main")).to_contain_text("Synthetic: placement with her grandmother.")
        shot(page, "5-best-interests")

        other = browser.new_context(java_script_enabled=False).new_page()
        sign_in(other, base, runtime, deu)
        other.goto(f"{base}/officer/cases/{husband}")
        card = other.locator("#household")
        expect(card.get_by_role("row", name=refs["wife"])).to_contain_text("spouse")
        expect(card).not_to_contain_text(refs["child"])
        assert refs["child"] not in other.content()
        expect(card.get_by_text("Link a family member's case")).to_have_count(0)
        shot(other, "4-other-desk")

        page.goto(f"{base}/officer/cases/{husband}")
        card = page.locator("#household")
        removal = card.locator("details", has_text=f"Remove the link to {refs['child']}")
        removal.get_by_text(f"Remove the link to {refs['child']}").click()
        removal.get_by_label("Why the link is wrong").fill("Synthetic: another family's child.")
        removal.get_by_role("button", name="Remove the link").click()
        expect(page.locator("#household").get_by_role("row")).to_have_count(2)
        assert [m.case_id for m in world.members(runtime, fra, husband)] == [wife]


def test_household_pages_have_no_blocking_axe_finding(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    """The card with members and a child's path, the refusal page and an opened best-interests
    assessment, at 390 and 1280 px (axe is injected, so JavaScript is on here)."""
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    fra = personas["fra_officer"]
    parent = world.open_case(runtime, fra)
    child = world.open_case(runtime, fra, given="Yasmine", born="2015")
    world.link(runtime, fra, parent, child, relation="child")
    assessment_id = world.child_assessment(runtime, fra)
    with live_server.serve(runtime) as base:
        page = browser.new_context().new_page()
        sign_in(page, base, runtime, fra)
        findings: list[axe.Finding] = []
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{base}/officer/cases/{child}")
            findings += axe.scan(page, f"child case {width}")
            page.goto(f"{base}/officer/cases/{parent}")
            findings += axe.scan(page, f"parent case {width}")
            link(page, "FRA-NOPE0000", "spouse", "stated")
            findings += axe.scan(page, f"refused {width}")
            with runtime.db.transaction() as session:
                binding.as_system(session, "test: the assessment's case")
                found = session.get(BestInterests, assessment_id)
                assert found is not None
                case_id = found.case_id
            page.goto(f"{base}/officer/cases/{case_id}/household/best-interests/{assessment_id}")
            findings += axe.scan(page, f"best interests {width}")
    blocking = [str(finding) for finding in findings if finding.blocking]
    assert blocking == []
