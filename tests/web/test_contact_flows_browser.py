"""The contact pages where a frightened person on a cheap phone could lose something, in a real
browser with JavaScript off (Tor Browser at its Safest setting): the codename survives a
reload until it is typed back and is gone after; a letter written after the session ended is
kept and sent once the codename is given; a form error comes back on the form with the letter
kept; the landing page says who reads, what it commits to and what officers never ask; dates
keep their order in Arabic; "leave quickly" lands on a page that names nothing.

Real server on a socket, Debian's Chromium through Playwright, SQLite (the flows' storage is
covered on both engines by the TestClient tests). Screenshots go to test-artifacts/contact/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect
from sqlalchemy import update

from homeward.accounts.models import WebSession
from homeward.contact import inbox
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.crypto import codename as codenames
from homeward.web.i18n import translator
from tests import browser as browsers
from tests import helpers, live_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "contact"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
REPLY = "Synthetic reply: thank you, we will help. Write when you can."
LETTER = "Synthetic letter: my son wants to come home.\nHow do we begin?"
LANDING = {
    "Who reads your letters?": "Only the programme desk of the country you choose: the "
    "United States, France, the United Kingdom, Canada or Germany. If you do not know which "
    "country, the coordination cell of Iraq's authorities passes your letter to the right desk.",
    "What does writing commit you to?": "Nothing. A letter is not a promise and not a "
    "confession. You can stop writing at any time, and delete everything with one button.",
    "When will you get an answer?": "Usually within a few days. Come back with your codename "
    "to read it: we have no other way to reach you.",
    "What we will never ask you": "Money, or any payment.",
    "How to check that this site is the real one": "Compare the address in your browser, "
    "letter by letter, with the one published on the official website of one of the "
    "participating governments. Do not trust an address that reaches you in a message, and "
    "never enter your codename on another site.",
    "Photos: remove where they were taken": "A phone photo often records where it was taken. "
    "Before you send one, turn off location in your camera's settings, or take a screenshot "
    "of the photo and send the screenshot, which carries no location. Check too that nothing "
    "in the picture shows where you are.",
}


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


class Visit:
    """One browser context with JavaScript off; records every URL the browser asks for."""

    def __init__(self, browser: Browser, base: str, lang: str, viewport: dict[str, int]) -> None:
        self.base = base
        self.lang = lang
        self.width = viewport["width"]
        self.t = Words(lang)
        self.requested: list[str] = []
        self.context: BrowserContext = browser.new_context(
            java_script_enabled=False,
            viewport=viewport,  # type: ignore[arg-type]
            locale=lang,
            service_workers="block",
        )
        self.context.on("request", lambda request: self.requested.append(request.url))
        self.page: Page = self.context.new_page()

    def go(self, path: str) -> Page:
        self.page.goto(f"{self.base}/{self.lang}{path}")
        return self.page

    def click(self, name: str) -> None:
        self.page.get_by_role("button", name=self.t(name), exact=True).click()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}-{self.lang}-{self.width}.png"
        self.page.screenshot(path=path, full_page=True)

    def close(self) -> None:
        for url in self.requested:
            assert url.startswith(f"{self.base}/"), f"the browser fetched {url} from elsewhere"
        self.context.close()


def get_codename(visit: Visit) -> str:
    visit.go("")
    visit.click("Get my codename")
    expect(visit.page).to_have_url(f"{visit.base}/{visit.lang}/codename")
    return visit.page.locator("#codename-whole").input_value()


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_the_codename_survives_a_reload_until_typed_back(
    lang: str, browser: Browser, live_url: str
) -> None:
    visit = Visit(browser, live_url, lang, PHONE)
    page = visit.page
    codename = get_codename(visit)
    words = page.locator("ol.codename li").all_inner_texts()
    assert len(words) == codenames.words_per_codename(lang)
    assert " ".join(words) == codename  # the field holds the words in their reading order
    assert codenames.language_of(codename) == lang
    first, second = (page.locator("ol.codename li").nth(n).bounding_box() for n in (0, 1))
    assert first
    assert second
    if first["y"] == second["y"]:  # side by side: the first where a reader starts
        assert (first["x"] > second["x"]) if lang == "ar" else (first["x"] < second["x"])
    else:  # one column on a narrow phone
        assert first["y"] < second["y"]
    visit.shot("codename")

    page.reload()  # a GET now: the same codename, not a lost one
    expect(page.locator("#codename-whole")).to_have_value(codename)
    expect(page.locator("ol.codename li")).to_have_text(words)
    for path in ("/write", "/conversation"):  # not before it has been typed back
        visit.go(path)
        expect(page).to_have_url(f"{live_url}/{lang}/codename")
        expect(page.locator("#codename-whole")).to_have_value(codename)

    typed = " ".join(words[:-1])
    page.get_by_label(
        visit.t("Type your codename from what you wrote down, to be sure you have it")
    ).fill(typed)
    visit.click("Check and continue")
    field = page.locator("#typed")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value(typed)
    expect(page.locator("#typed-error")).to_have_text(
        visit.t("This is not the codename shown above. Check each word and try again.")
    )
    visit.shot("codename-typed-back-wrong")

    field.fill(f"  {codename.upper()}  ")  # case and spacing do not matter
    visit.click("Check and continue")
    expect(page).to_have_url(f"{live_url}/{lang}/write")

    visit.go("/codename")  # never again
    expect(page).to_have_url(f"{live_url}/{lang}/conversation")
    for word in words:
        assert word not in page.content()
    visit.close()


Served = tuple[str, Runtime, helpers.Personas]


@pytest.fixture
def small_url(templates: helpers.Templates, tmp_path: Path) -> Iterator[Served]:
    """Limits small enough to cross in a browser: 2 KiB a file, two files a letter."""
    with helpers.fresh_runtime(
        "sqlite", templates, tmp_path, attachment_max_bytes=2048, attachments_max_count=2
    ) as runtime:
        personas = helpers.make_personas(runtime)  # the desks get their keys
        with live_server.serve(runtime) as url:
            yield url, runtime, personas


def typed_back(visit: Visit) -> str:
    """A new contact who has typed the codename back and is on the write page."""
    codename = get_codename(visit)
    visit.page.locator("#typed").fill(codename)
    visit.click("Check and continue")
    expect(visit.page).to_have_url(f"{visit.base}/{visit.lang}/write")
    return codename


def end_sessions(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))


def upload(name: str, size: int) -> FilePayload:
    return {"name": name, "mimeType": "text/plain", "buffer": b"s" * size}


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_letter_written_after_the_session_ended_is_kept_and_sent(
    lang: str, browser: Browser, small_url: Served
) -> None:
    url, runtime, _personas = small_url
    visit = Visit(browser, url, lang, PHONE)
    page, t = visit.page, visit.t
    codename = typed_back(visit)
    minutes = runtime.settings.contact_idle_minutes
    expect(page.locator("form")).to_contain_text(
        translator(lang)
        .plural(
            "For your safety, you are signed out after {count} minute without activity. "
            "If that happens before you send, your letter is not lost: you will only be asked "
            "for your codename.",
            "For your safety, you are signed out after {count} minutes without activity. "
            "If that happens before you send, your letter is not lost: you will only be asked "
            "for your codename.",
            minutes,
        )
        .striptags()
    )
    page.get_by_label(t("France")).check()
    page.locator("#message").fill(LETTER)
    page.locator("#files").set_input_files([upload("carte.txt", 100)])
    end_sessions(runtime)  # the writer took too long
    visit.click("Send")

    expect(page.get_by_role("heading", level=1)).to_have_text(t("Send your letter"))
    expect(page.locator("#message")).to_have_value(LETTER)
    expect(page.get_by_label(t("France"))).to_be_checked()
    expect(page.locator(".notice")).to_contain_text("carte.txt")
    visit.shot("write-after-the-session-ended")
    page.locator("#codename").fill(codename)
    visit.click("Send")
    expect(page).to_have_url(f"{url}/{lang}/conversation?sent=1")
    expect(page.get_by_role("status")).to_have_text(t("Your message has been sent securely."))
    visit.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_form_errors_come_back_on_the_form_with_the_letter(
    lang: str, browser: Browser, small_url: Served
) -> None:
    url, _runtime, _personas = small_url
    visit = Visit(browser, url, lang, PHONE)
    page, t = visit.page, visit.t
    codename = typed_back(visit)
    cases = {
        "codename-in-letter": (f"{LETTER}\n{codename}", [], "message"),
        "file-too-large": (LETTER, [upload("passeport.jpg", 3000)], "files"),
        "too-many-files": (LETTER, [upload(f"page-{n}.txt", 10) for n in range(3)], "files"),
    }
    for name, (letter, files, field) in cases.items():
        visit.go("/write")
        page.get_by_label(t("Germany")).check()
        page.locator("#message").fill(letter)
        if files:
            page.locator("#files").set_input_files(files)
        visit.click("Send")
        expect(page.get_by_role("heading", level=1)).to_have_text(t("Write to us"))
        expect(page.locator("#message")).to_have_value(letter)  # kept, whatever went wrong
        expect(page.get_by_label(t("Germany"))).to_be_checked()
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field}-error")).to_be_visible()
        expect(page.get_by_role("alert")).to_be_visible()
        if name == "file-too-large":
            expect(page.locator("#files-error")).to_contain_text("passeport.jpg")
            expect(page.locator("#files-error")).to_contain_text(
                translator(lang).number(0.002).striptags()
            )
        visit.shot(f"write-{name}")
        # Signed in: an error never offers a new codename.
        visit.go("/no-such-page")
        expect(page.get_by_role("link", name=t("Back to your conversation"))).to_be_visible()
        assert page.get_by_role("button", name=t("Get my codename")).count() == 0
    visit.close()

    stranger = Visit(browser, url, lang, PHONE)
    stranger.go("")
    stranger.page.locator("#codename").fill("not my codename at all")
    stranger.click("Continue")
    expect(stranger.page.locator("#codename")).to_have_attribute("aria-invalid", "true")
    expect(stranger.page.locator("#codename-error")).to_have_text(
        stranger.t("This codename was not recognised. Check each word and try again.")
    )
    stranger.shot("landing-wrong-codename")
    stranger.close()


@pytest.mark.parametrize("lang", ["en", "fr", "de", "ar"])
def test_the_landing_page_says_who_reads_and_what_happens_next(
    lang: str, browser: Browser, live_url: str
) -> None:
    visit = Visit(browser, live_url, lang, PHONE)
    page, t = visit.page, visit.t
    visit.go("")
    expect(page).to_have_title(f"{t('A safe way home')} — Homeward")
    for summary, detail in LANDING.items():
        page.locator("summary", has_text=t(summary)).click()  # opens without script
        expect(page.locator("details[open]").last).to_contain_text(t(detail))
    visit.shot("landing-open")
    typed_back(visit)
    visit.go("")  # signed in: the way back, no new codename offered
    expect(page.get_by_role("link", name=t("Back to your conversation"))).to_be_visible()
    assert page.get_by_role("button", name=t("Get my codename")).count() == 0
    visit.close()


@pytest.mark.parametrize(
    ("lang", "letter", "direction"),
    [("ar", LETTER, "ltr"), ("en", "رسالة تجريبية: ابني يريد العودة إلى البيت.", "rtl")],
)
def test_the_letter_field_reads_in_the_letter_s_own_direction(
    lang: str, letter: str, direction: str, browser: Browser, live_url: str
) -> None:
    """A Latin letter on the Arabic page runs left to right, an Arabic one on the English page
    right to left: the field follows what is typed, not the page."""
    visit = Visit(browser, live_url, lang, PHONE)
    typed_back(visit)
    field = visit.page.locator("#message")
    field.fill(letter)
    expect(field).to_have_css("direction", direction)
    visit.close()


def test_an_arabic_date_keeps_its_order_and_leave_names_nothing(
    browser: Browser, live_url: str, sqlite_runtime: Runtime
) -> None:
    helpers.make_personas(sqlite_runtime)
    visit = Visit(browser, live_url, "ar", PHONE)
    page, t = visit.page, visit.t
    typed_back(visit)
    page.locator("#message").fill(LETTER)
    visit.click("Send")
    day = translator("ar").date(utcnow().date()).striptags()
    date = page.locator("li.mine bdi").first
    expect(date).to_have_text(day)
    expect(date).to_have_css("unicode-bidi", "isolate")
    expect(page).to_have_title(f"{t('Your conversation')} — Homeward")
    visit.shot("conversation-sent")

    page.get_by_role("link", name=t("Leave quickly")).click()
    expect(page).to_have_title(t("New tab"))
    assert "Homeward" not in page.content()
    assert page.locator("a, nav, form, header, footer").count() == 0
    visit.shot("left")
    visit.go("/conversation")  # the session is over
    expect(page.get_by_role("alert")).to_have_text(
        t("Your session has ended. Enter your codename again.")
    )
    visit.close()


def reply(runtime: Runtime, personas: helpers.Personas, text: str) -> None:
    """The FRA desk answers the newest letter, through the service layer."""
    keys = helpers.keyring(runtime, personas["fra_officer"])
    with runtime.db.transaction() as session:
        rows, _total = inbox.inbox(session=session, principal=keys.principal)
        inbox.reply(session=session, keyring=keys, conversation_id=rows[0].id, text=text)


@pytest.mark.parametrize("lang", ["en", "fr", "de", "ar"])
def test_every_contact_page_at_phone_and_desktop_width(
    lang: str, browser: Browser, small_url: Served
) -> None:
    """Screenshots for a person to look at: test-artifacts/contact/<page>-<lang>-<width>.png."""
    url, runtime, personas = small_url
    for viewport in (PHONE, DESKTOP):
        visit = Visit(browser, url, lang, viewport)
        page, t = visit.page, visit.t
        visit.go("")
        visit.shot("landing")
        visit.click("Get my codename")
        visit.shot("codename")
        codename = page.locator("#codename-whole").input_value()
        page.locator("#typed").fill(codename.split(" ")[0])
        visit.click("Check and continue")
        visit.shot("codename-typed-back-wrong")
        page.locator("#typed").fill(codename)
        visit.click("Check and continue")
        visit.shot("write")
        page.get_by_label(t("France")).check()
        page.locator("#message").fill(f"{LETTER}\n{codename}")
        visit.click("Send")
        visit.shot("write-error")
        page.locator("#message").fill(LETTER)
        visit.click("Send")
        visit.shot("conversation-sent")
        reply(runtime, personas, REPLY)
        visit.go("/conversation")
        expect(page.locator("li.reply .text")).to_have_text(REPLY)
        visit.shot("conversation-reply")
        visit.go("")
        visit.shot("landing-signed-in")
        visit.go("/write")
        page.locator("#message").fill(LETTER)
        page.locator("#files").set_input_files([upload("photo.jpg", 100)])
        end_sessions(runtime)
        visit.click("Send")
        visit.shot("write-after-the-session-ended")
        page.locator("#codename").fill(codename)
        visit.click("Send")
        expect(page).to_have_url(f"{url}/{lang}/conversation?sent=1")
        visit.go("/no-such-page")
        visit.shot("error")
        visit.go("/delete")
        visit.shot("delete")
        page.locator("input[name=confirm]").check()
        visit.click("Delete now")
        visit.shot("deleted")
        visit.go("")
        page.locator("#codename").fill(codename)
        visit.click("Continue")
        visit.shot("landing-wrong-codename")
        page.get_by_role("link", name=t("Leave quickly")).click()
        visit.shot("left")
        visit.close()
