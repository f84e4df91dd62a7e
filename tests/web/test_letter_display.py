"""What a contact writes is shown as typed: a bidi control (right-to-left override and the
rest) in a letter, a file name or a reply is shown as a visible marker, never applied, and each
letter is isolated so its direction cannot leak; a 15,000-letter word wraps inside the page
(headless Chromium, SQLite). The page checks run on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from homeward.contact import inbox
from homeward.core.runtime import Runtime
from homeward.web.text import BIDI_CONTROLS, show_bidi
from tests import browser as browsers
from tests import helpers, live_server
from tests.web.letters import write_letter

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
SPOOF = "invoice\u202efdp.exe"
EVERY_CONTROL = "a" + "b".join(BIDI_CONTROLS) + "c"


def test_the_filter_shows_every_control_and_still_escapes() -> None:
    shown = str(show_bidi(f"<b>{EVERY_CONTROL}</b> & {SPOOF}"))
    assert not any(ch in shown for ch in BIDI_CONTROLS)
    assert shown.startswith("&lt;b&gt;a")
    assert "&amp;" in shown
    for short in BIDI_CONTROLS.values():
        assert f"⟨{short}⟩</span>" in shown
    rlo = '<span class="bidi" title="U+202E right-to-left override">⟨RLO⟩</span>'
    assert f"invoice{rlo}fdp" in shown
    assert str(show_bidi("وثيقة")) == "وثيقة"


def test_bidi_controls_in_letters_files_and_replies_are_shown_not_applied(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    officer = personas["fra_officer"]
    conversation_id, _ = write_letter(
        runtime, f"Voici la facture {SPOOF}\n{EVERY_CONTROL}", [(SPOOF, b"MZ synthetic")]
    )
    keyring = helpers.keyring(runtime, officer)
    with runtime.db.transaction() as session:
        inbox.reply(
            session=session,
            keyring=keyring,
            conversation_id=conversation_id,
            text="Reçu \u2067شكرا\u2069",
        )
    helpers.officer_signin(client, runtime, officer)
    page = client.get(f"/officer/conversations/{conversation_id}").text
    assert not any(ch in page for ch in BIDI_CONTROLS)
    assert page.count("⟨RLO⟩") == 3  # twice in the letter, once in the file name
    assert '<bdi>Voici la facture invoice<span class="bidi"' in page
    assert '<bdi class="filename">invoice<span class="bidi"' in page
    rli = '<span class="bidi" title="U+2067 right-to-left isolate">⟨RLI⟩</span>'
    assert f"Reçu {rli}شكرا" in page


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_a_very_long_word_stays_inside_the_page(
    width: int, browser: Browser, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    officer = helpers.make_personas(runtime)["fra_officer"]
    word = "x" * 15_000
    conversation_id, _ = write_letter(
        runtime, f"Bonjour {word} fin {SPOOF}", [(f"{'y' * 190}.pdf", b"synthetic")]
    )
    with live_server.serve(runtime) as base:
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(f"{base}/officer/signin")
        page.get_by_label("Username").fill(officer.username)
        page.get_by_label("Password").fill(officer.password)
        page.get_by_label("Authenticator code").fill(helpers.totp_code(runtime, officer))
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/officer/conversations/{conversation_id}")
        letter = page.locator("ol.messages .text").first
        assert word in letter.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        box = letter.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= width
        marker = page.locator("span.bidi").first
        assert marker.inner_text() == "⟨RLO⟩"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"officer-long-letter-{width}.png")
        context.close()
