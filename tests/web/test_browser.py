"""A contact's whole journey in a real browser with JavaScript off, as in Tor Browser at its
Safest setting: get a codename, write to the FRA desk with a file, come back later in a fresh
browser, read the desk's answer. Arabic (right to left) and French.

The server is the real one (uvicorn on a socket), the browser is Debian's Chromium driven by
Playwright, and every step is saved as a full-page screenshot in test-artifacts/browser/ for a
human to look at. SQLite only: the database layer is covered elsewhere on both engines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from homeward.contact import inbox
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.crypto import codename as codenames
from homeward.web.i18n import RIGHT_TO_LEFT, translator
from tests import browser as browsers
from tests import helpers, live_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

LETTERS = {
    "ar": "السلام عليكم. أنا أمّ مقاتل فرنسي وأريد أن يعود ابني إلى البيت. كيف نبدأ؟",
    "fr": "Bonjour. Je suis la mère d'un combattant français, je veux qu'il rentre. Que faire ?",
}
REPLIES = {
    "ar": "شكرًا على رسالتك. نحن هنا لمساعدتك، وسنكتب إليك قريبًا.",
    "fr": "Merci pour votre message. Nous sommes là pour vous aider et vous écrirons bientôt.",
}
ATTACHMENT = ("livret-de-famille.txt", b"Synthetic scan of a family record book.\n")


@pytest.fixture
def chromium() -> str:
    return browsers.chromium_path()


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


@pytest.fixture
def live_url(sqlite_runtime: Runtime) -> Iterator[str]:
    with live_server.serve(sqlite_runtime) as url:
        yield url


class Words:
    """The page's words as the browser shows them: plain text, for Playwright's locators."""

    def __init__(self, lang: str) -> None:
        self.translator = translator(lang)

    def __call__(self, message: str, **values: object) -> str:
        return self.translator(message, **values).striptags()

    def plural(self, singular: str, plural: str, count: int) -> str:
        return self.translator.plural(singular, plural, count).striptags()


def page_words(lang: str) -> Words:
    return Words(lang)


class Visit:
    """One browser context with JavaScript off; records every URL the browser asks for."""

    def __init__(self, browser: Browser, base: str, lang: str, viewport: dict[str, int]) -> None:
        self.base = base
        self.lang = lang
        self.requested: list[str] = []
        self.context: BrowserContext = browser.new_context(
            java_script_enabled=False,
            viewport=viewport,  # type: ignore[arg-type]
            locale=lang,
            service_workers="block",
        )
        self.context.on("request", lambda request: self.requested.append(request.url))
        self.page: Page = self.context.new_page()

    def shot(self, step: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{self.lang}-{step}.png", full_page=True)

    def check_page(self) -> None:
        """Every page of the journey: its language and direction, and a stylesheet applied."""
        html = self.page.locator("html")
        expect(html).to_have_attribute("lang", self.lang)
        expect(html).to_have_attribute("dir", "rtl" if self.lang in RIGHT_TO_LEFT else "ltr")
        # The stylesheet really applied (CSP allows it): the quick-exit link is a red button.
        expect(self.page.locator("a.leave")).to_have_css("background-color", "rgb(161, 42, 42)")

    def close(self) -> None:
        self.context.close()


def test_scripting_is_really_off(browser: Browser) -> None:
    """<noscript> content shows only when the browser will not run scripts: proof that the
    journey below works without JavaScript rather than with it quietly on."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto("data:text/html,<noscript><p>scripting is off</p></noscript><p>page</p>")
    expect(page.get_by_text("scripting is off")).to_be_visible()
    context.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_contact_journey_without_javascript(
    lang: str, browser: Browser, live_url: str, sqlite_runtime: Runtime
) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)  # officers exist, so the desks have keys
    t = page_words(lang)

    # First visit, on a phone.
    first = Visit(browser, live_url, lang, PHONE)
    page = first.page
    page.goto(f"{live_url}/{lang}")
    first.check_page()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("A safe way home"))
    first.shot("1-landing")

    page.get_by_role("button", name=t("Get my codename")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Your codename"))
    first.check_page()
    words = page.locator("ol.codename li").all_inner_texts()
    assert len(words) == codenames.words_per_codename(lang)
    codename = " ".join(words)
    assert codenames.language_of(codename) == lang  # the page's language and script
    first.shot("2-codename")

    page.locator("#typed").fill(codename)
    page.get_by_role("button", name=t("Check and continue")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Write to us"))
    first.check_page()
    page.get_by_label(t("France")).check()
    page.get_by_label(t("Your message")).fill(LETTERS[lang])
    name, content = ATTACHMENT
    page.get_by_label(t("Files (optional)")).set_input_files(
        files=[{"name": name, "mimeType": "text/plain", "buffer": content}]
    )
    first.shot("3-write")

    page.get_by_role("button", name=t("Send")).click()
    expect(page).to_have_url(f"{live_url}/{lang}/conversation?sent=1")
    first.check_page()
    expect(page.get_by_role("status")).to_have_text(t("Your message has been sent securely."))
    expect(page.locator("li.mine")).to_contain_text(t.plural("{count} file", "{count} files", 1))
    assert LETTERS[lang] not in page.content(), "the contact's own letter is never shown back"
    first.shot("4-sent")
    first.close()

    # The FRA desk reads the letter and the file, and answers, through the service layer.
    keys = helpers.keyring(runtime, personas["fra_officer"])
    with runtime.db.transaction() as session:
        rows, total = inbox.inbox(session=session, principal=keys.principal)
        assert total == 1
        assert rows[0].desk == "FRA"
        opened = inbox.read(session=session, keyring=keys, conversation_id=rows[0].id)
        assert opened.messages[0].text == LETTERS[lang]
        [attachment] = opened.messages[0].attachments
        assert attachment.filename == name
        received = inbox.read_attachment(
            session=session,
            keyring=keys,
            attachment_id=attachment.id,
            blobs_dir=runtime.settings.blobs_dir,
        )
        assert b"".join(received.chunks) == content
        inbox.reply(session=session, keyring=keys, conversation_id=rows[0].id, text=REPLIES[lang])

    # Later, from a computer, with no cookie from the first visit.
    later = Visit(browser, live_url, lang, DESKTOP)
    page = later.page
    page.goto(f"{live_url}/{lang}")
    later.check_page()
    page.get_by_label(t("Your codename")).fill(codename)
    later.shot("5-sign-in")
    page.get_by_role("button", name=t("Continue")).click()
    expect(page).to_have_url(f"{live_url}/{lang}/conversation")
    later.check_page()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Your conversation"))
    expect(page.locator("li.reply .text")).to_have_text(REPLIES[lang])
    today = translator(lang).date(utcnow().date())
    dated = t("Answer from the programme, {day}", day=today)
    expect(page.locator("li.reply .meta")).to_have_text(dated)
    later.shot("6-reply")
    later.close()

    for url in first.requested + later.requested:
        assert url.startswith(f"{live_url}/"), f"the browser fetched {url} from elsewhere"
