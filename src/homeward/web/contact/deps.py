"""What every contact page needs: the visitor's language, rendering with the form's CSRF
token bound to the visitor's cookie, checking that token, the contact behind the cookie, and
the error page in the visitor's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from homeward.accounts import sessions
from homeward.accounts.exceptions import SessionExpired
from homeward.contact.exceptions import (
    CodenameInMessage,
    CodenameRefused,
    EmptyMessage,
    MessageTooLong,
)
from homeward.contact.service import ContactKeys
from homeward.core.errors import BadInput, Busy, HomewardError, NotFound, RateLimited, TooLarge
from homeward.core.runtime import Runtime
from homeward.web.deps import TEMPLATES, runtime_of
from homeward.web.errors import status_of
from homeward.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Translator, translator
from homeward.web.security import (
    ANON_COOKIE,
    CONTACT_COOKIE,
    CSRF_FIELD,
    csrf_token,
    csrf_valid,
    new_form_cookie,
)

DESK_NAMES = {
    "USA": N_("United States"),
    "FRA": N_("France"),
    "GBR": N_("United Kingdom"),
    "CAN": N_("Canada"),
    "DEU": N_("Germany"),
}
"""The national desks a contact may write to, by code, named in the page's language."""


def language_of(request: Request) -> str:
    first = request.url.path.strip("/").split("/", 1)[0]
    return first if first in LANGUAGES else DEFAULT_LANGUAGE


class PageNotFound(NotFound):
    """An unknown language, path or method: one neutral page, in the visitor's language."""

    def __init__(self) -> None:
        super().__init__("page")


def checked_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise PageNotFound
    return lang


def cookie_for_forms(request: Request) -> tuple[str, bool]:
    """The cookie a CSRF token is bound to, and whether it must be set now."""
    existing = request.cookies.get(CONTACT_COOKIE) or request.cookies.get(ANON_COOKIE)
    return (existing, False) if existing else (new_form_cookie(), True)


def set_cookie(response: Response, runtime: Runtime, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=runtime.settings.secure_cookies,
        path="/",
    )


def render(
    request: Request, lang: str, template: str, status_code: int = 200, **context: object
) -> Response:
    runtime = runtime_of(request)
    cookie, fresh = cookie_for_forms(request)
    t = translator(lang)
    response = TEMPLATES.TemplateResponse(
        request,
        f"contact/{template}",
        {
            "t": t,
            "tn": t.plural,
            "desk_names": DESK_NAMES,
            "lang": t.language,
            "dir": t.direction,
            "languages": LANGUAGES,
            "csrf_field": CSRF_FIELD,
            "csrf": csrf_token(runtime.secrets, cookie),
            "signed_in": CONTACT_COOKIE in request.cookies,
            **context,
        },
        status_code=status_code,
    )
    if fresh:
        set_cookie(response, runtime, ANON_COOKIE, cookie)
    return response


ERROR_MESSAGES: list[tuple[type[HomewardError], str | None, str]] = [
    (
        CodenameRefused,
        None,
        N_("This codename was not recognised. Check each word and try again."),
    ),
    (
        CodenameInMessage,
        None,
        N_(
            "Your message contains your codename. Remove it and send again: your codename "
            "must stay secret."
        ),
    ),
    (SessionExpired, None, N_("Your session has ended. Enter your codename again.")),
    (
        RateLimited,
        None,
        N_("Too many people are starting at the moment. Please try again in a few minutes."),
    ),
    (Busy, None, N_("The service is busy. Please try again in a minute.")),
    (TooLarge, "file", N_("A file is larger than the limit. Nothing was sent.")),
    (TooLarge, None, N_("What you sent is too large. Nothing was sent.")),
    (BadInput, "files", N_("Too many files. Nothing was sent.")),
    (BadInput, "csrf", N_("This form has expired. Go back, reload the page and try again.")),
    (BadInput, "desk", N_('Choose one of the listed desks, or "I don\'t know".')),
    (
        EmptyMessage,
        None,
        N_("Your message is empty. Write something before sending. Nothing was stored."),
    ),
    (BadInput, "message", N_("Your message could not be sent. Nothing was stored.")),
    (PageNotFound, None, N_("This page does not exist.")),
]


def too_long(t: Translator, max_chars: int) -> Markup:
    """A letter over the limit, in the form the language needs for the number."""
    return t.plural(
        "Your message is longer than {count} character. Shorten it or send it in two parts. "
        "Nothing was stored.",
        "Your message is longer than {count} characters. Shorten it or send it in two parts. "
        "Nothing was stored.",
        max_chars,
    )


def error_message(exc: HomewardError) -> str:
    """The English message (a msgid) for an error, by its class and the field it names."""
    for kind, field, message in ERROR_MESSAGES:
        if isinstance(exc, kind) and (field is None or getattr(exc, "field", None) == field):
            return message
    return N_("The form was not filled in correctly. Nothing was stored.")


def error_page(request: Request, exc: HomewardError, status_code: int | None = None) -> Response:
    """The error in the visitor's language, with the status of web/errors.py unless the
    framework already chose one (a wrong method is 405)."""
    lang = language_of(request)
    t = translator(lang)
    if isinstance(exc, MessageTooLong):
        message = too_long(t, exc.max_chars)
    else:
        message = t(error_message(exc))
    if isinstance(exc, SessionExpired):
        request.cookies.pop(CONTACT_COOKIE, None)  # the page links to sign in, not back
    response = render(
        request,
        lang,
        "error.html",
        status_code=status_code or status_of(exc),
        message=message,
    )
    if isinstance(exc, SessionExpired):
        response.delete_cookie(CONTACT_COOKIE, path="/")
    return response


def require_csrf(request: Request, submitted: str | None) -> None:
    runtime = runtime_of(request)
    cookie = request.cookies.get(CONTACT_COOKIE) or request.cookies.get(ANON_COOKIE)
    if not csrf_valid(runtime.secrets, cookie, submitted):
        raise BadInput("csrf", "the form has expired; please reload the page and try again")


CONTACT_LIFETIME = timedelta(hours=4)
KEYS_SIZE = 64
"""Bytes of a packed ContactKeys: what follows them in a session's secret is the codename."""


@dataclass(frozen=True)
class ContactSession:
    token: str
    contact_id: str
    keys: ContactKeys
    codename: str | None
    """The codename, for the rest of the first visit until the contact has typed it back."""


def session_secret(keys: ContactKeys, codename: str | None = None) -> bytes:
    """What a contact's session row holds: the keys and, until it is typed back, the new
    codename, so that reloading the codename page shows it again. The row seals this under a
    key derived from the cookie's token (accounts/sessions.py), so the codename is never at
    rest in clear, and it is gone with the row when the session ends."""
    packed = keys.pack()
    if len(packed) != KEYS_SIZE:
        raise ValueError("ContactKeys changed size: update KEYS_SIZE")
    return packed + (codename or "").encode()


def contact_session(request: Request, session: Session) -> ContactSession:
    """The contact behind the cookie. A refused token's row is deleted in the same
    transaction, which commits the refusal (web/deps.py), so that an expired session's sealed
    reply key does not linger."""
    token = request.cookies.get(CONTACT_COOKIE)
    try:
        opened = sessions.load(
            session=session,
            token=token,
            kind=sessions.CONTACT,
            idle=timedelta(minutes=runtime_of(request).settings.contact_idle_minutes),
        )
    except SessionExpired:
        sessions.end(session=session, token=token, kind=sessions.CONTACT)
        raise
    codename = opened.secret[KEYS_SIZE:].decode() or None
    return ContactSession(
        token=opened.token,
        contact_id=opened.subject_id,
        keys=ContactKeys.unpack(opened.secret[:KEYS_SIZE]),
        codename=codename,
    )


def codename_pending(lang: str, opened: ContactSession) -> Response | None:
    """Until the new codename has been typed back once, the pages that go on (writing, the
    conversation) lead back to it: whoever skips the check may have written it down wrong and
    would find that out only when it is too late to see it again."""
    if opened.codename is None:
        return None
    return RedirectResponse(f"/{lang}/codename", status_code=303)


def new_contact_session(
    session: Session,
    runtime: Runtime,
    contact_id: str,
    keys: ContactKeys,
    codename: str | None = None,
) -> str:
    """A new session for the contact; its token, for the cookie."""
    return sessions.create(
        session=session,
        kind=sessions.CONTACT,
        subject_id=contact_id,
        secret=session_secret(keys, codename),
        idle=timedelta(minutes=runtime.settings.contact_idle_minutes),
        lifetime=CONTACT_LIFETIME,
    )


def signed_in(request: Request, session: Session) -> bool:
    """Whether the cookie names a live contact session (an ended one is deleted here)."""
    try:
        contact_session(request, session)
    except SessionExpired:
        request.cookies.pop(CONTACT_COOKIE, None)
        return False
    return True
