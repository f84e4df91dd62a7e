"""axe-core over every page, in headless Chromium at 390 and 1280 pixels: every contact page in
every language, every officer page as each role that reaches it. No finding of impact
"serious" or "critical" is allowed; every finding, whatever its impact (and pages wider than
a phone's window, which axe does not check), is written to
test-artifacts/a11y/findings-*.txt and every scanned page saved as
test-artifacts/a11y/<area>-<page>-<lang>-<width>.png.

No page is missed silently: each page's URL is matched to the app's route that served it, and
a GET route that answers HTML but was neither scanned nor put on SKIPPED (with the reason)
fails the test. Officer pages are found by following their links as each role, so a new page
linked from anywhere is scanned without anyone listing it. The way home's pages are added to
the demo world (tests/web/a11y_way_home.py) and scanned by URL as the desk officer, the
supervisor and the cell, so the forms and flags the crawl may not reach are scanned too; so are
screening's draft, review form and decision (tests/screening/a11y_pages.py), an opened
best-interests assessment (tests/households/a11y_pages.py), a debrief report, its sanitised
copy and the write form (tests/debrief/a11y_pages.py).

axe runs as a script the test injects (tests/axe.py), so these pages run with JavaScript on;
that contact pages carry no script and work without it is tested in test_browser.py and
test_contact_templates.py. The skip link is checked with JavaScript off. SQLite only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.routing import iter_route_contexts
from playwright.sync_api import Browser, Page, expect
from starlette.routing import Mount, compile_path

from homeward.accounts import service as accounts_service
from homeward.cli import demo as demo_data
from homeward.contact import inbox
from homeward.core.runtime import Runtime
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import axe, helpers, live_server
from tests import browser as browsers
from tests.approvals import a11y_pages as a11y_approvals
from tests.debrief import a11y_pages as a11y_debrief
from tests.households import a11y_pages as a11y_households
from tests.reports import a11y_pages as a11y_figures
from tests.screening import a11y_pages as a11y_screening
from tests.web import a11y_way_home

pytestmark = pytest.mark.browser

WIDTHS = {390: 844, 1280: 800}
LANGUAGES = ("en", "fr", "de", "ar")
SKIPPED = {
    "/officer/cases/export.csv": "a CSV download, not a page",
    "/officer/attachments/{attachment_id}": "a letter's file, downloaded",
    "/officer/audit/entries/{leaf_index}/proof": "an inclusion proof, downloaded",
    "/officer/debrief/{report_id}/stix": "a signed STIX bundle (JSON), downloaded",
    "/officer/identity/template.csv": "the registry template, downloaded",
    "/officer/figures/{key}.csv": "a figure's table as CSV, downloaded",
    "/officer/figures.xlsx": "the figures as a workbook, downloaded",
}
"""GET routes that answer no HTML page, and why."""
ROLES = ("fra.officer", "fra.supervisor", "fra.auditor", "irq.coordinator", "admin")
"""The demo officers the officer pages are scanned as: each role, and the roles' own data."""
WRONG_CODENAME = "seven wrong words that name nobody here"


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from browsers.launched()


def test_axe_finds_what_it_should(browser: Browser) -> None:
    """The scan is real: a page with a nameless field, an image without text and faint text
    gives the findings these tests refuse."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content(
        '<html lang="en"><title>bad</title><main><h1>Bad</h1><input>'
        '<p style="color: #aaa">faint</p></main></html>'
    )
    found = {(finding.rule, finding.impact) for finding in axe.scan(page, "bad")}
    context.close()
    assert {("label", "critical"), ("color-contrast", "serious")} <= found, found


class Route(NamedTuple):
    path: str
    methods: frozenset[str]
    regex: re.Pattern[str]


def app_routes(runtime: Runtime) -> list[Route]:
    """Every route and mount of the app, through included routers, in the order a request is
    matched against them."""
    found = []
    for context in iter_route_contexts(create_app(runtime).routes):
        original = context.original_route
        if isinstance(original, Mount):
            found.append(Route(original.path, frozenset({"GET"}), original.path_regex))
        elif context.path:
            regex, _format, _convertors = compile_path(context.path)
            found.append(Route(context.path, frozenset(context.methods or ()), regex))
    return found


def page_routes(runtime: Runtime) -> list[str]:
    """Every GET route of the pages (the API answers JSON and is checked by its schema); a
    route declared with and without its trailing slash counts once."""
    paths = [
        route.path
        for route in app_routes(runtime)
        if "GET" in route.methods and not route.path.startswith(("/api/", "/static"))
    ]
    return list(dict.fromkeys(_one_of_twins(path) for path in paths))


def _one_of_twins(path: str) -> str:
    return path.rstrip("/") or "/"


class Scanner:
    """Scans pages at both widths, saves their screenshots, notes the route of each."""

    def __init__(self, runtime: Runtime, area: str, lang: str) -> None:
        self.area, self.lang = area, lang
        self.routes = app_routes(runtime)
        self.findings: list[axe.Finding] = []
        self.scanned: set[str] = set()
        axe.ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def route_of(self, url: str) -> str | None:
        """The route that serves a GET of this URL: the first that matches."""
        path = urlsplit(url).path
        for route in self.routes:
            if "GET" in route.methods and route.regex.match(path):
                return _one_of_twins(route.path)
        return None

    def scan(self, page: Page, name: str) -> None:
        route = self.route_of(page.url)
        if route is not None:
            self.scanned.add(route)
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            label = f"{self.area}-{name}-{self.lang}-{width}"
            where = f"{label} ({urlsplit(page.url).path})"
            self.findings += axe.scan(page, where) + axe.sideways(page, where)
            page.screenshot(path=axe.ARTIFACTS / f"{label}.png", full_page=True)

    def missing(self, runtime: Runtime, prefix: str, *, inside: bool) -> list[str]:
        """Page routes of this area neither scanned nor skipped with a reason."""
        return [
            path
            for path in page_routes(runtime)
            if path.startswith(prefix) == inside
            and path not in self.scanned
            and path not in SKIPPED
        ]

    def verdict(self) -> None:
        report = axe.ARTIFACTS / f"findings-{self.area}-{self.lang}.txt"
        report.write_text("".join(f"{finding}\n" for finding in self.findings), "utf-8")
        blocking = [finding for finding in self.findings if finding.blocking]
        assert not blocking, "serious or critical findings:\n" + "\n".join(map(str, blocking))


def _submit(page: Page, action: str) -> None:
    """Submit and wait for the answer page: a scan started while the old page unloads finds
    no document (the CI run at 5e56412 failed so, once in 2,687)."""
    with page.expect_navigation():
        page.locator(f"form[action$='{action}'] [type=submit]").first.click()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_contact_page(lang: str, browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    personas = helpers.make_personas(runtime)  # officers exist, so the desks have keys
    scanner = Scanner(runtime, "contact", lang)
    with live_server.serve(runtime) as base:
        context = browser.new_context(locale=lang, service_workers="block")
        page = context.new_page()
        if lang == "en":
            page.goto(f"{base}/")
            scanner.scan(page, "root")
        page.goto(f"{base}/{lang}")
        scanner.scan(page, "landing")
        page.goto(f"{base}/{lang}/no-such-page")
        scanner.scan(page, "not-found")
        page.goto(f"{base}/{lang}")
        page.locator("input[name=codename]").fill(WRONG_CODENAME)
        _submit(page, "/signin")
        scanner.scan(page, "wrong-codename")
        page.goto(f"{base}/{lang}/leave")
        scanner.scan(page, "left")

        page.goto(f"{base}/{lang}")
        _submit(page, "/start")
        scanner.scan(page, "codename")
        codename = " ".join(page.locator(".codename span").all_inner_texts())
        if page.locator("input[name=typed]").count():  # "type it back once"
            page.locator("input[name=typed]").fill(WRONG_CODENAME)
            _submit(page, "/codename/confirm")
            scanner.scan(page, "codename-mistyped")
            page.locator("input[name=typed]").fill(codename)
            _submit(page, "/codename/confirm")
        page.goto(f"{base}/{lang}/write")
        scanner.scan(page, "write")
        page.locator("input[name=desk][value=FRA]").check()
        page.locator("textarea[name=message]").fill(f"My codename is {codename}")
        _submit(page, "/write")
        scanner.scan(page, "write-refused")  # a codename in the letter: the form, marked
        page.locator("input[name=desk][value=FRA]").check()
        page.locator("textarea[name=message]").fill("A synthetic letter for the scan.")
        _submit(page, "/write")
        scanner.scan(page, "sent")

        keys = helpers.keyring(runtime, personas["fra_officer"])
        with runtime.db.transaction() as session:
            rows, _total = inbox.inbox(session=session, principal=keys.principal)
            inbox.reply(
                session=session,
                keyring=keys,
                conversation_id=rows[0].id,
                text="A synthetic answer from the desk.",
            )
        page.goto(f"{base}/{lang}/conversation")
        scanner.scan(page, "conversation")
        page.goto(f"{base}/{lang}/delete")
        scanner.scan(page, "delete")
        page.locator("input[name=confirm]").check()
        _submit(page, "/delete")
        scanner.scan(page, "deleted")
        page.goto(f"{base}/{lang}/conversation")
        scanner.scan(page, "no-session")
        context.close()
    scanner.verdict()
    missing = scanner.missing(runtime, "/officer", inside=False)
    if lang != "en":  # "/" is scanned in English: it is the default language's landing page
        missing = [path for path in missing if path != "/"]
    assert not missing, f"contact pages never scanned and not in SKIPPED: {missing}"


def _sign_in(page: Page, base: str, runtime: Runtime, username: str, password: str) -> None:
    with runtime.db.transaction() as session:
        officer = accounts_service.find_officer(session=session, username=username)
        assert officer is not None
        persona = helpers.Persona(
            username, username, password, Role(officer.role), officer.nation, officer.id
        )
    page.goto(f"{base}/officer/signin")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("input[name=code]").fill(helpers.totp_code(runtime, persona))
    _submit(page, "/officer/signin")
    expect(page.locator("header")).to_contain_text(username)


def _crawl(page: Page, base: str, scanner: Scanner, who: str) -> list[str]:
    """Every officer page this role reaches by links from its start page, one URL per route;
    returns the pages that answered with a server error."""
    start = f"{base}/officer/"
    queue, seen, broken = [start], {scanner.route_of(start)}, []
    while queue:
        url = queue.pop(0)
        response = page.goto(url)
        route = scanner.route_of(page.url)
        if response is not None and response.status >= 500:
            broken.append(f"{who} {url}: {response.status}")
        slug = (route or "unknown").removeprefix("/officer").strip("/")
        slug = re.sub(r"\{[^}]+\}", "id", slug).replace("/", "-") or "home"
        scanner.scan(page, f"{slug}.{who}")
        for href in page.locator("a[href^='/officer']").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))"
        ):
            target = urljoin(base, href.split("#")[0])
            key = scanner.route_of(target)
            if key is None or key in SKIPPED or key == "/officer/signin" or key in seen:
                continue
            seen.add(key)
            queue.append(target)
    return broken


def test_every_officer_page(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    assert demo_data.seed(runtime)
    credentials = demo_data.load_credentials(runtime)
    way_home = a11y_way_home.pages(runtime, credentials)
    for username, screening_pages in a11y_screening.pages(runtime, credentials).items():
        way_home.setdefault(username, []).extend(screening_pages)
    for username, approval_pages in a11y_approvals.pages(runtime, credentials).items():
        way_home.setdefault(username, []).extend(approval_pages)
    for username, household_pages in a11y_households.pages(runtime, credentials).items():
        way_home.setdefault(username, []).extend(household_pages)
    for username, debrief_pages in a11y_debrief.pages(runtime, credentials).items():
        way_home.setdefault(username, []).extend(debrief_pages)
    for username, figures_pages in a11y_figures.pages().items():
        way_home.setdefault(username, []).extend(figures_pages)
    scanner = Scanner(runtime, "officer", "en")
    broken: list[str] = []
    with live_server.serve(runtime) as base:
        context = browser.new_context(service_workers="block")
        page = context.new_page()
        page.goto(f"{base}/officer/signin")
        scanner.scan(page, "signin")
        page.locator("input[name=username]").fill("fra.officer")
        page.locator("input[name=password]").fill("not the password at all")
        page.locator("input[name=code]").fill("000000")
        _submit(page, "/officer/signin")
        scanner.scan(page, "signin-refused")
        context.close()

        for username in ROLES:
            context = browser.new_context(service_workers="block")
            page = context.new_page()
            _sign_in(page, base, runtime, username, credentials[username])
            broken += _crawl(page, base, scanner, username)
            for name, path in way_home.get(username, []):
                response = page.goto(base + path)
                assert response is not None, (username, path)
                assert response.ok, (username, path, response.status)
                scanner.scan(page, f"{name}.{username}")
            if username == "fra.officer":
                page.goto(f"{base}/officer/cases/no-such-case")
                scanner.scan(page, "not-found")
                page.goto(f"{base}/officer/audit")
                scanner.scan(page, "forbidden")
            context.close()
    scanner.verdict()
    assert not broken, broken
    missing = scanner.missing(runtime, "/officer", inside=True)
    assert not missing, f"officer pages never scanned and not in SKIPPED: {missing}"


def _check_skip_link(page: Page, name: str) -> None:
    """Hidden until focused, the first tab stop, visible when focused, and it moves the
    keyboard to the main content."""
    skip = page.locator("a.skip")
    expect(skip).to_have_attribute("href", "#main")
    expect(page.locator("main#main")).to_have_count(1)
    hidden = skip.bounding_box()
    assert hidden is not None
    assert hidden["width"] <= 1, hidden
    assert hidden["height"] <= 1, hidden
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    shown = skip.bounding_box()
    assert shown is not None
    assert shown["width"] > 40, shown
    assert shown["height"] > 20, shown
    assert shown["x"] >= 0, shown
    assert shown["x"] + shown["width"] <= 390, shown
    assert shown["y"] < 100, shown
    page.screenshot(path=axe.ARTIFACTS / f"{name}-skip-focused-390.png")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    page.keyboard.press("Tab")
    expect(page.locator("main :focus")).to_have_count(1)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_skip_link_on_contact_pages(
    lang: str, browser: Browser, sqlite_runtime: Runtime
) -> None:
    axe.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with live_server.serve(sqlite_runtime) as base:
        context = browser.new_context(
            java_script_enabled=False, locale=lang, viewport={"width": 390, "height": 844}
        )
        page = context.new_page()
        page.goto(f"{base}/{lang}")
        _check_skip_link(page, f"contact-landing-{lang}")
        context.close()


def test_the_skip_link_on_officer_pages(browser: Browser, sqlite_runtime: Runtime) -> None:
    runtime = sqlite_runtime
    assert demo_data.seed(runtime)  # a start page with work on it, so links in <main>
    password = demo_data.load_credentials(runtime)["fra.officer"]
    axe.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with live_server.serve(runtime) as base:
        context = browser.new_context(
            java_script_enabled=False, viewport={"width": 390, "height": 844}
        )
        page = context.new_page()
        page.goto(f"{base}/officer/signin")
        _check_skip_link(page, "officer-signin-en")
        _sign_in(page, base, runtime, "fra.officer", password)
        page.goto(f"{base}/officer/")
        _check_skip_link(page, "officer-home-en")
        context.close()
