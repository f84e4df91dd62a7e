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
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from homeward.core.runtime import Runtime
from homeward.crypto import codename as codenames
from homeward.web.i18n import translator
from tests import browser as browsers
from tests import live_server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "contact"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


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
