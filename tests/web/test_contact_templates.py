"""Walk every contact page in every language and hold each one to the channel's promises.

A contact may be reading in Tor Browser at its safest setting, on a phone, in Arabic. So each
page, in each state it can be in, must: carry no script and no URL to another host, send the
security headers, declare its language and direction, and speak the visitor's language (the
heading from the catalogue, and no English string left over from the catalogue).

The walk also records which Jinja templates each page really rendered; a companion test checks
that together the states cover every file in templates/contact/, so a new template cannot
be added without being walked.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from markupsafe import Markup
from sqlalchemy import update

from homeward.accounts.models import WebSession
from homeward.contact import inbox
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.web.deps import TEMPLATES
from homeward.web.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    RIGHT_TO_LEFT,
    catalog_path,
    translations,
    translator,
)
from tests import helpers

CONTACT_TEMPLATES = Path(TEMPLATES.env.loader.searchpath[0]) / "contact"  # type: ignore[union-attr]
URL_ATTRIBUTES = frozenset(
    {"src", "href", "action", "formaction", "srcset", "poster", "data", "background", "cite"}
    | {"longdesc", "manifest", "ping", "xlink:href", "codebase", "archive", "usemap"}
)
CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE)
PAGE_TEMPLATES = frozenset({"contact/base.html"})
WITH_NAV = PAGE_TEMPLATES | {"contact/_nav.html"}

MESSAGE = "Synthetic test letter: I want to come home."
REPLIES = {
    "en": "Thank you. A desk officer will answer you here.",
    "fr": "Merci. Un agent du bureau vous répondra ici.",
    "de": "Danke. Jemand von der Stelle antwortet Ihnen hier.",
    "ar": "شكرًا لك. سيرد عليك موظف المكتب هنا.",
}


class Page(HTMLParser):
    """What the checks need from a page: every tag's attributes, visible text, the <h1>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.h1: list[str] = []
        self.styles: list[str] = []
        self._open: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        if tag not in {"meta", "link", "input", "br", "img", "hr"}:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if "style" in self._open:
            self.styles.append(data)
        elif data.strip():
            self.texts.append(" ".join(data.split()))
            if "h1" in self._open:
                self.h1.append(data.strip())

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def find(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


def pattern_of(text: str) -> re.Pattern[str]:
    """A catalogue string as it can appear on a page: placeholders match any value, which
    may be an element of its own (a date in <bdi>), hence on a line of its own."""
    if isinstance(text, Markup):
        text = text.unescape()
    parts = [
        re.escape(" ".join(literal.split())) + ("(.+?)" if name is not None else "")
        for literal, name, _, _ in string.Formatter().parse(text)
    ]
    return re.compile(r"(?<!\w)" + "".join(parts) + r"(?!\w)", re.DOTALL)


@dataclass
class Walk:
    """One visitor in one language; templates rendered for the last request are recorded."""

    client: TestClient
    runtime: Runtime
    lang: str
    rendered: list[str]
    csrf: str = ""
    codename: str = ""
    personas: helpers.Personas | None = None

    def desks(self) -> None:
        """Officers, so the desks have keys and can receive letters."""
        self.personas = helpers.make_personas(self.runtime)

    def form(self) -> None:
        self.csrf = helpers.csrf_of(self.client.get(f"/{self.lang}").text)

    def start(self) -> None:
        self.codename = helpers.contact_start(self.client, self.lang)

    def start_unconfirmed(self) -> None:
        """A codename shown and not typed back yet."""
        self.codename = helpers.contact_start(self.client, self.lang, typed_back=False)

    def write(self) -> None:
        sent = helpers.contact_write(
            self.client,
            MESSAGE,
            lang=self.lang,
            files=[("passport-scan.txt", b"synthetic document", "text/plain")],
        )
        assert sent == 303

    def write_form(self) -> None:
        self.csrf = helpers.csrf_of(self.client.get(f"/{self.lang}/write").text)

    def delete_form(self) -> None:
        self.csrf = helpers.csrf_of(self.client.get(f"/{self.lang}/delete").text)

    def reply(self) -> None:
        """The FRA officer answers through the service layer, as the officer pages do."""
        assert self.personas is not None
        keys = helpers.keyring(self.runtime, self.personas["fra_officer"])
        with self.runtime.db.transaction() as session:
            rows, total = inbox.inbox(session=session, principal=keys.principal)
            assert total == 1
            inbox.reply(
                session=session,
                keyring=keys,
                conversation_id=rows[0].id,
                text=REPLIES[self.lang],
            )

    def end_sessions(self) -> None:
        """The idle timeout passes: every contact session has ended."""
        with self.runtime.db.transaction() as session:
            session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))

    def post_message(self, text: str) -> httpx.Response:
        return self.client.post(
            f"/{self.lang}/write",
            data={"csrf": self.csrf, "message": text},
            files=[("files", ("", b"", "application/octet-stream"))],
        )


FOOTER = (
    "This site stores no address and no browser details. For the most safety, use Tor Browser "
    "at its Safest setting."
)
LANDING_SHOWS = (
    "Before you write",
    "Who reads your letters?",
    "What does writing commit you to?",
    "When will you get an answer?",
    "What we will never ask you",
    "How to check that this site is the real one",
    "Photos: remove where they were taken",
)
CODENAME_SHOWS = (
    "Write these words down now, on paper, in this order:",
    "Anyone who has it can read the answers we send you. Keep it hidden and never write it in "
    "a message.",
    "Type it back once",
    "Check and continue",
)
CODENAME_MISMATCH = "This is not the codename shown above. Check each word and try again."


@dataclass(frozen=True)
class State:
    """A page in one state: how to get there, and what it must show."""

    name: str
    prepare: tuple[Callable[[Walk], None], ...]
    request: Callable[[Walk], httpx.Response]
    status: int
    templates: frozenset[str]
    heading: str
    shows: tuple[str | tuple[str, str], ...] = ()
    """Messages, or a message with its plural, in the form for the idle minutes."""
    hides: tuple[str, ...] = ()
    verbatim: Callable[[Walk], tuple[str, ...]] = lambda _walk: ()
    chrome: bool = True
    """The site's name, quick exit and footer: on every page but the one "leave" lands on."""


STATES = [
    State(
        "landing",
        (),
        lambda w: w.client.get(f"/{w.lang}"),
        200,
        PAGE_TEMPLATES | {"contact/landing.html"},
        "A safe way home",
        shows=("Get my codename", "Your codename", *LANDING_SHOWS),
        hides=("Back to your conversation", "This codename was not recognised."),
    ),
    State(
        "landing-signed-in",
        (Walk.start,),
        lambda w: w.client.get(f"/{w.lang}"),
        200,
        PAGE_TEMPLATES | {"contact/landing.html"},
        "A safe way home",
        shows=("You are signed in", "Back to your conversation", *LANDING_SHOWS),
        hides=("Get my codename", "First time here"),
    ),
    State(
        "signin-wrong-codename",
        (Walk.form,),
        lambda w: w.client.post(
            f"/{w.lang}/signin",
            data={"csrf": w.csrf, "codename": "alpha bravo charlie delta echo foxtrot golf"},
        ),
        401,
        PAGE_TEMPLATES | {"contact/landing.html"},
        "A safe way home",
        shows=("This codename was not recognised. Check each word and try again.",),
        hides=("Back to your conversation",),
    ),
    State(
        "codename",
        (Walk.form,),
        lambda w: w.client.post(f"/{w.lang}/start", data={"csrf": w.csrf}),
        200,
        PAGE_TEMPLATES | {"contact/codename.html"},
        "Your codename",
        shows=CODENAME_SHOWS,
        hides=(CODENAME_MISMATCH,),
    ),
    State(
        "codename-reloaded",
        (Walk.start_unconfirmed,),
        lambda w: w.client.get(f"/{w.lang}/codename"),
        200,
        PAGE_TEMPLATES | {"contact/codename.html"},
        "Your codename",
        shows=CODENAME_SHOWS,
        verbatim=lambda w: tuple(w.codename.split(" ")),
    ),
    State(
        "codename-typed-back-wrong",
        (Walk.start_unconfirmed,),
        lambda w: w.client.post(
            f"/{w.lang}/codename/confirm",
            data={"csrf": helpers.csrf_of(w.client.get(f"/{w.lang}/codename").text), "typed": "x"},
        ),
        400,
        PAGE_TEMPLATES | {"contact/codename.html"},
        "Your codename",
        shows=(*CODENAME_SHOWS, CODENAME_MISMATCH),
        verbatim=lambda w: tuple(w.codename.split(" ")),
    ),
    State(
        "write-first",
        (Walk.desks, Walk.start),
        lambda w: w.client.get(f"/{w.lang}/write"),
        200,
        WITH_NAV | {"contact/write.html"},
        "Write to us",
        shows=("Who should read your message?", "France", "Germany", "I don't know", "Send"),
    ),
    State(
        "write-later",
        (Walk.desks, Walk.start, Walk.write),
        lambda w: w.client.get(f"/{w.lang}/write"),
        200,
        WITH_NAV | {"contact/write.html"},
        "Write to us",
        shows=("Your message", "Files (optional)", "Send"),
        hides=("Who should read your message?", "I don't know"),
    ),
    State(
        "conversation-empty",
        (Walk.start,),
        lambda w: w.client.get(f"/{w.lang}/conversation"),
        200,
        WITH_NAV | {"contact/conversation.html"},
        "Your conversation",
        shows=("You have not written yet.", "Write again"),
        hides=("You sent a message on {day}.",),
    ),
    State(
        "conversation-sent",
        (Walk.desks, Walk.start, Walk.write_form),
        lambda w: w.client.post(
            f"/{w.lang}/write",
            data={"csrf": w.csrf, "message": MESSAGE, "desk": "FRA"},
            files=[("files", ("id-card.txt", b"synthetic", "text/plain"))],
        ),
        200,
        WITH_NAV | {"contact/conversation.html"},
        "Your conversation",
        shows=("Your message has been sent securely.", "You sent a message on {day}."),
        hides=("You have not written yet.", "Answer from the programme, {day}"),
    ),
    State(
        "conversation-reply",
        (Walk.desks, Walk.start, Walk.write, Walk.reply),
        lambda w: w.client.get(f"/{w.lang}/conversation"),
        200,
        WITH_NAV | {"contact/conversation.html"},
        "Your conversation",
        shows=("You sent a message on {day}.", "Answer from the programme, {day}"),
        hides=("Your message has been sent securely.",),
        verbatim=lambda w: (REPLIES[w.lang],),
    ),
    State(
        "delete-confirm",
        (Walk.start,),
        lambda w: w.client.get(f"/{w.lang}/delete"),
        200,
        WITH_NAV | {"contact/delete.html"},
        "Delete everything",
        shows=(
            "This deletes your codename, your messages, your files and our answers. It cannot "
            "be undone, and we will not be able to answer you any more.",
            "Yes, delete everything",
            "Delete now",
        ),
    ),
    State(
        "deleted",
        (Walk.desks, Walk.start, Walk.write, Walk.delete_form),
        lambda w: w.client.post(f"/{w.lang}/delete", data={"csrf": w.csrf, "confirm": "yes"}),
        200,
        PAGE_TEMPLATES | {"contact/deleted.html"},
        "Deleted",
        shows=("Your codename and your conversation have been deleted.",),
    ),
    State(
        "left",
        (Walk.start,),
        lambda w: w.client.get(f"/{w.lang}/leave"),
        200,
        frozenset({"contact/left.html"}),
        "Nothing here",
        shows=("This page is empty.",),
        hides=("Homeward", "Leave quickly", "Your conversation", FOOTER),
        chrome=False,
    ),
    State(
        "error-session-ended",
        (),
        lambda w: w.client.get(f"/{w.lang}/conversation"),
        401,
        PAGE_TEMPLATES | {"contact/error.html"},
        "Something went wrong",
        shows=("Your session has ended. Enter your codename again.", "Back to the start"),
        hides=("Back to your conversation",),
    ),
    State(
        "error-form-expired",
        (),
        lambda w: w.client.post(f"/{w.lang}/start", data={"csrf": "stale"}),
        400,
        PAGE_TEMPLATES | {"contact/error.html"},
        "Something went wrong",
        shows=("This form has expired. Go back, reload the page and try again.",),
    ),
    State(
        "write-codename-in-letter",
        (Walk.desks, Walk.start, Walk.write_form),
        lambda w: w.post_message(f"{MESSAGE} my words are {w.codename}"),
        400,
        WITH_NAV | {"contact/write.html"},
        "Write to us",
        shows=(
            "Your letter has not been sent. Please correct this:",
            "Your message contains your codename. Remove it and send again: your codename "
            "must stay secret.",
        ),
        hides=("Your message has been sent securely.",),
        verbatim=lambda _w: (MESSAGE,),
    ),
    State(
        "write-after-the-session-ended",
        (Walk.desks, Walk.start, Walk.write_form, Walk.end_sessions),
        lambda w: w.client.post(
            f"/{w.lang}/write",
            data={"csrf": w.csrf, "message": MESSAGE, "desk": "FRA"},
            files=[("files", ("passport-scan.txt", b"synthetic", "text/plain"))],
        ),
        401,
        PAGE_TEMPLATES | {"contact/write.html"},
        "Send your letter",
        shows=(
            (
                "Your session ended after {count} minute without activity, so your letter has "
                "not been sent yet. It is below as you wrote it, and nothing has been stored. "
                "Enter your codename and press Send.",
                "Your session ended after {count} minutes without activity, so your letter has "
                "not been sent yet. It is below as you wrote it, and nothing has been stored. "
                "Enter your codename and press Send.",
            ),
            "These files could not be kept and were not sent: {names}. Once your letter has "
            "gone, attach them to a new one.",
            "Your codename",
        ),
        hides=("Write a message", "Files (optional)"),
        verbatim=lambda _w: (MESSAGE, "passport-scan.txt"),
    ),
    State(
        "error-while-signed-in",
        (Walk.start,),
        lambda w: w.client.get(f"/{w.lang}/no-such-page"),
        404,
        PAGE_TEMPLATES | {"contact/error.html"},
        "Something went wrong",
        shows=("This page does not exist.", "Back to your conversation"),
        hides=("Back to the start",),
    ),
    State(
        "error-no-such-page",
        (),
        lambda w: w.client.get(f"/{w.lang}/no-such-page"),
        404,
        PAGE_TEMPLATES | {"contact/error.html"},
        "Something went wrong",
        shows=("This page does not exist.", "Back to the start"),
    ),
    State(
        "error-form-address-reopened",
        (),
        lambda w: w.client.get(f"/{w.lang}/start"),
        405,
        PAGE_TEMPLATES | {"contact/error.html"},
        "Something went wrong",
        shows=("This page does not exist.",),
    ),
]


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the templates Jinja loads (top level, extends, includes), in order."""
    names: list[str] = []
    env = TEMPLATES.env
    original = env.get_template

    def recording(name: Any, *args: Any, **kwargs: Any) -> Any:
        names.append(name if isinstance(name, str) else name.name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(env, "get_template", recording)
    return names


def _check_urls(page: Page) -> None:
    for tag, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler <{tag} {name}>"
            if name in URL_ATTRIBUTES:
                local = value.startswith(("/", "#"))  # a path here, or a place on the page
                assert local, f"<{tag} {name}={value!r}> is not a local path"
                assert not value.startswith("//"), f"<{tag} {name}={value!r}> names a host"
                assert "://" not in value, value
                assert "javascript:" not in value.lower(), value
            if name == "style":
                assert not CSS_URL.search(value), f"<{tag} style> loads {value!r}"
        if tag == "meta":
            assert attrs.get("http-equiv", "").lower() != "refresh", "meta refresh"
    for style in page.styles:
        assert not CSS_URL.search(style), style
        assert "@import" not in style, style
    links = page.find("link")
    assert links, "no stylesheet at all"
    for attrs in links:
        assert attrs.get("rel") == "stylesheet", attrs
        assert attrs["href"].startswith("/static/"), attrs
        assert attrs["href"].endswith(".css"), attrs


def _check_headers(headers: httpx.Headers) -> None:
    csp = headers["content-security-policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";")}
    assert directives["default-src"] == "default-src 'none'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    for loose in ("unsafe", "http", "*", "data:"):
        assert loose not in csp, loose
    assert "script-src" not in directives, "the contact pages need no script source"
    assert "no-store" in headers["cache-control"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "server" not in headers
    assert headers["content-type"] == "text/html; charset=utf-8"


def _check_language(page: Page, lang: str, state: State, walk: Walk) -> None:
    t = translator(lang)
    html = page.find("html")
    assert len(html) == 1
    expected_dir = "rtl" if lang in RIGHT_TO_LEFT else "ltr"
    assert html[0].get("lang") == lang, html[0]
    assert html[0].get("dir") == expected_dir, html[0]
    assert page.h1 == [t(state.heading)]
    text = page.text
    chrome = ("Leave quickly", FOOTER) if state.chrome else ()
    minutes = walk.runtime.settings.contact_idle_minutes
    for key in (*state.shows, *chrome):
        shown = t(key) if isinstance(key, str) else translations(lang).ngettext(*key, minutes)
        assert pattern_of(shown).search(text), f"{lang}: {key} missing from {state.name}"
    for key in state.hides:
        assert not pattern_of(t(key)).search(text), f"{lang}: {key} shown on {state.name}"
    for phrase in state.verbatim(walk):
        assert phrase in text, f"{phrase!r} missing from {state.name}"
    if lang == DEFAULT_LANGUAGE:
        return
    for english in translated_away(lang):
        assert not pattern_of(english).search(text), f"{lang}: English {english!r} on page"


def translated_away(lang: str) -> list[str]:
    """The English messages this language says differently: none may show on its pages."""
    with catalog_path(lang).open("rb") as source:
        catalog = read_po(source, locale=lang)
    return [m.id for m in catalog if isinstance(m.id, str) and m.id and m.string != m.id]


@pytest.mark.parametrize("state", [pytest.param(s, id=s.name) for s in STATES])
@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_contact_page(
    lang: str, state: State, runtime: Runtime, client: TestClient, rendered: list[str]
) -> None:
    walk = Walk(client=client, runtime=runtime, lang=lang, rendered=rendered)
    for step in state.prepare:
        step(walk)
    rendered.clear()
    response = state.request(walk)

    assert response.status_code == state.status, response.text
    assert set(rendered) == state.templates
    assert "<script" not in response.text.lower()
    page = Page(response.text)
    _check_urls(page)
    _check_headers(response.headers)
    _check_language(page, lang, state, walk)


def test_the_walk_covers_every_contact_template() -> None:
    """test_contact_page checks each state renders exactly its templates; together the states
    must cover every file, so a template added without a state here fails."""
    on_disk = {f"contact/{path.name}" for path in CONTACT_TEMPLATES.glob("*.html")}
    walked = set().union(*(state.templates for state in STATES))
    assert on_disk, CONTACT_TEMPLATES
    assert walked == on_disk


def test_contact_stylesheet_loads_nothing_from_elsewhere(client: TestClient) -> None:
    response = client.get("/static/contact.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    css = response.text
    assert "@import" not in css.lower()
    for _quote, target in CSS_URL.findall(css):
        assert target.startswith("/"), target
        assert not target.startswith("//"), target
        assert "://" not in target, target
    assert "@font-face" not in css.lower(), "web fonts would be a second request to trace"


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code != DEFAULT_LANGUAGE])
def test_message_error_has_no_english_detail(
    lang: str, runtime: Runtime, client: TestClient, rendered: list[str]
) -> None:
    walk = Walk(client=client, runtime=runtime, lang=lang, rendered=rendered)
    walk.desks()
    walk.start()
    walk.write_form()
    response = walk.post_message("   ")  # passes the browser's `required`, empty once stripped
    assert response.status_code == 400
    assert (
        translator(lang)(
            "Your message is empty. Write something before sending. Nothing was stored."
        )
        in Page(response.text).text
    )
    assert "write something" not in response.text


def test_desks_without_a_key_are_not_offered(runtime: Runtime, client: TestClient) -> None:
    """A desk with no officer yet has no key and cannot receive a sealed letter: it is not
    offered, and "I don't know" (the coordination cell) still is."""
    helpers.contact_start(client, "en")
    page = client.get("/en/write").text
    assert 'value="FRA"' not in page
    assert 'value="unknown"' in page
    helpers.make_personas(runtime)  # FRA and DEU officers: their desks get keys
    page = client.get("/en/write").text
    assert 'value="FRA"' in page
    assert 'value="DEU"' in page
    assert 'value="USA"' not in page
