"""The inbox, a conversation and routing in headless Chromium (JavaScript off, as officers'
pages need none): filters and bulk actions, the conversation's case and the warning before a
second one, routing with its confirmation and the receiving desk sending it back. Screenshots
at 390 and 1280 px go to test-artifacts/officer/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from homeward.contact import service as contact_service
from homeward.core.runtime import Runtime
from tests import browser as browsers
from tests import helpers, live_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "officer"
WIDTHS = {"phone": 390, "desktop": 1280}


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def letter(runtime: Runtime, desk: str | None, language: str, text: str) -> str:
    with runtime.db.transaction() as session:
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        message = contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text=text,
            desk_code=desk,
            files=[],
            max_chars=1000,
            language=language,
        )
        return message.conversation_id


def signed_in(browser: Browser, runtime: Runtime, base: str, persona: helpers.Persona) -> Page:
    page = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    ).new_page()
    page.goto(f"{base}/officer/signin")
    page.get_by_label("Username").fill(persona.username)
    page.get_by_label("Password").fill(persona.password)
    page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, persona))
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base}/officer/inbox")
    return page


def shots(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
        if label == "phone":
            # Nothing wider than the phone: the table is stacked as cards.
            assert page.evaluate("document.querySelector('main').scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})


def rows(page: Page) -> int:
    return page.locator("table.inbox tbody tr").count()


def test_inbox_filters_and_bulk_actions(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    letter(runtime, "FRA", "ar", "Synthetic: my brother is in the camp.")
    letter(runtime, "FRA", "fr", "Synthetic: je cherche mon fils.")
    with live_server.serve(runtime) as base:
        page = signed_in(browser, runtime, base, personas["fra_officer"])
        expect(page.locator("table.inbox tbody tr.unread")).to_have_count(2)
        expect(page.locator("table.inbox")).to_contain_text("AR")
        shots(page, "inbox")

        page.locator("table.inbox tbody tr").first.get_by_role("checkbox").check()
        page.get_by_role("button", name="Mark read").click()
        page.get_by_role("link", name="Unread", exact=True).click()
        expect(page.locator("table.inbox tbody tr")).to_have_count(1)

        page.locator("table.inbox tbody tr").first.get_by_role("checkbox").check()
        page.get_by_role("button", name="Star", exact=True).click()
        page.get_by_role("link", name="Starred").click()
        expect(page.locator("table.inbox tbody tr")).to_have_count(1)
        name = page.locator("table.inbox td.name a").first.inner_text()

        page.get_by_role("link", name="All", exact=True).click()
        page.get_by_label("Search by conversation name or case reference").fill(name)
        page.get_by_role("button", name="Search").click()
        expect(page.locator("table.inbox td.name a").first).to_have_text(name)

        # The supervisor of the same desk still has both to read.
        other = signed_in(browser, runtime, base, personas["fra_supervisor"])
        expect(other.locator("table.inbox tbody tr.unread")).to_have_count(2)


def test_conversation_shows_its_case_and_warns_before_a_second(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    conversation_id = letter(runtime, "FRA", "en", "Synthetic: I am Walid, born 1992.")
    with live_server.serve(runtime) as base:
        page = signed_in(browser, runtime, base, personas["fra_officer"])
        page.goto(f"{base}/officer/conversations/{conversation_id}")
        expect(page.locator(".linked-cases")).to_contain_text("No case")

        def open_case() -> None:
            page.get_by_text("Open a case from this conversation").click()
            page.get_by_label("Given names").fill("Walid")
            page.get_by_label("Family name").fill("Saidi")
            page.get_by_label("Date of birth", exact=False).fill("1992-03")
            page.get_by_role("button", name="Open case").click()

        open_case()
        expect(page).to_have_url(f"{base}/officer/cases/" + page.url.rsplit("/", 1)[-1])
        page.goto(f"{base}/officer/conversations/{conversation_id}")
        reference = page.locator(".linked-cases a.ref").inner_text()
        assert reference.startswith("FRA-")
        shots(page, "conversation")

        open_case()
        expect(page.get_by_role("heading", name="A case may exist already")).to_be_visible()
        expect(page.locator(".existing-cases")).to_contain_text(reference)
        shots(page, "case-duplicate")
        page.get_by_role("button", name="Open a new case anyway").click()
        page.goto(f"{base}/officer/conversations/{conversation_id}")
        expect(page.locator(".linked-cases a.ref")).to_have_count(2)


def test_routing_is_confirmed_and_can_be_sent_back_until_opened(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    letter(runtime, None, "fr", "Synthetic: je ne sais pas quel pays.")
    with live_server.serve(runtime) as base:
        cell = signed_in(browser, runtime, base, personas["coordinator"])
        cell.locator("table.inbox td.name a").first.click()
        expect(cell.get_by_label("Desk", exact=True)).to_have_value("")
        cell.get_by_label("Why this desk").fill("Synthetic: names a town near Lyon.")
        cell.get_by_label("Desk", exact=True).select_option("FRA")
        cell.get_by_role("button", name="Route…").click()
        expect(cell.get_by_role("heading", name="Route to FRA?")).to_be_visible()
        shots(cell, "route-confirm")
        cell.get_by_role("button", name="Yes, route to FRA").click()
        expect(cell.locator("section.routed")).to_contain_text("routed to FRA on")
        expect(cell.locator("section.routed")).to_contain_text("not opened there yet")

        fra = signed_in(browser, runtime, base, personas["fra_officer"])
        expect(fra.locator(".routed-here")).to_be_visible()
        fra.get_by_role("link", name="send back").click()
        expect(fra.get_by_text("Synthetic: names a town near Lyon.")).to_be_visible()
        shots(fra, "recall")
        fra.get_by_label("Why it is not for FRA").fill("Synthetic: the family is in Bavaria.")
        fra.get_by_role("button", name="Send back to the cell").click()
        expect(fra.locator("table.inbox tbody tr")).to_have_count(0)

        cell.goto(f"{base}/officer/inbox")
        expect(cell.locator("section.routed")).to_contain_text("sent back by FRA")
        expect(cell.locator("table.inbox tbody tr.unread")).to_have_count(1)
        shots(cell, "inbox-cell")

        # Routed again and opened at FRA: from then on it cannot be sent back.
        cell.locator("table.inbox td.name a").first.click()
        cell.get_by_label("Desk", exact=True).select_option("FRA")
        cell.get_by_label("Why this desk").fill("Synthetic: FRA after all.")
        cell.get_by_role("button", name="Route…").click()
        cell.get_by_role("button", name="Yes, route to FRA").click()
        fra.goto(f"{base}/officer/inbox")
        recall_url = fra.get_by_role("link", name="send back").get_attribute("href")
        fra.locator("table.inbox td.name a").first.click()
        fra.goto(f"{base}{recall_url}")
        expect(fra.get_by_text("can no longer be sent back")).to_be_visible()


@pytest.mark.parametrize(
    ("text", "direction"), [("شكرا لرسالتك، سنساعدك.", "rtl"), ("Merci.", "ltr")]
)
def test_the_reply_field_reads_in_the_reply_s_own_direction(
    text: str, direction: str, browser: Browser, sqlite_runtime: Runtime
) -> None:
    """An Arabic reply typed on the (left-to-right) officer page runs right to left."""
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    conversation_id = letter(runtime, "FRA", "ar", "رسالة تجريبية.")
    with live_server.serve(runtime) as base:
        page = signed_in(browser, runtime, base, personas["fra_officer"])
        page.goto(f"{base}/officer/conversations/{conversation_id}")
        field = page.get_by_label("Reply (sealed to the contact's codename)")
        field.fill(text)
        expect(field).to_have_css("direction", direction)


def test_enter_in_the_route_reason_asks_to_confirm_the_routing_and_marks_nothing(
    browser: Browser, sqlite_runtime: Runtime
) -> None:
    """Enter in a text field presses the form's first button: in the bulk form that must not
    be "Mark read" on what is ticked, but the routing's own first step, which changes nothing."""
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)
    letter(runtime, None, "fr", "Synthetic: je ne sais pas quel pays.")
    letter(runtime, None, "ar", "رسالة تجريبية: لا أعرف أي بلد.")
    with live_server.serve(runtime) as base:
        cell = signed_in(browser, runtime, base, personas["coordinator"])
        expect(cell.locator("table.inbox tbody tr.unread")).to_have_count(2)
        cell.locator("table.inbox tbody tr").first.get_by_role("checkbox").check()
        cell.get_by_text("Route to a desk…").click()
        cell.get_by_label("Desk", exact=True).select_option("FRA")
        cell.get_by_label("Why this desk").fill("Synthetic: names a town near Lyon.")
        cell.get_by_label("Why this desk").press("Enter")
        expect(cell.get_by_role("heading", name="Route to FRA?")).to_be_visible()
        cell.goto(f"{base}/officer/inbox")
        expect(cell.locator("table.inbox tbody tr.unread")).to_have_count(2)  # none marked read
        assert cell.get_by_role("button", name="Route…").count() == 1  # the default is hidden
