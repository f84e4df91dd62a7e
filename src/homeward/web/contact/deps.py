"""What every contact page needs: the visitor's language, rendering with the form's CSRF
token bound to the visitor's cookie, checking that token, the contact behind the cookie, and
the error page in the visitor's language."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request
from fastapi.responses import Response
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
from homeward.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from homeward.web.security import (
    ANON_COOKIE,
    CONTACT_COOKIE,
    CSRF_FIELD,
    csrf_token,
    csrf_valid,
    new_form_cookie,
)


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


ERROR_KEYS: list[tuple[type[HomewardError], str | None, str]] = [
    (CodenameRefused, None, "error.codename"),
    (CodenameInMessage, None, "error.codename_in_message"),
    (SessionExpired, None, "error.session_expired"),
    (RateLimited, None, "error.rate_limited"),
    (Busy, None, "error.busy"),
    (TooLarge, "file", "error.file_too_large"),
    (TooLarge, None, "error.too_large"),
    (BadInput, "files", "error.too_many_files"),
    (BadInput, "csrf", "error.form_expired"),
    (BadInput, "desk", "error.desk"),
    (EmptyMessage, None, "error.message_empty"),
    (MessageTooLong, None, "error.message_too_long"),
    (BadInput, "message", "error.message"),
    (PageNotFound, None, "error.not_found"),
]


def error_key(exc: HomewardError) -> str:
    for kind, field, key in ERROR_KEYS:
        if isinstance(exc, kind) and (field is None or getattr(exc, "field", None) == field):
            return key
    return "error.bad_request"


def error_page(request: Request, exc: HomewardError, status_code: int | None = None) -> Response:
    """The error in the visitor's language, with the status of web/errors.py unless the
    framework already chose one (a wrong method is 405)."""
    lang = language_of(request)
    t = translator(lang)
    values = {"max_chars": exc.max_chars} if isinstance(exc, MessageTooLong) else {}
    response = render(
        request,
        lang,
        "error.html",
        status_code=status_code or status_of(exc),
        message=t(error_key(exc), **values),
    )
    if isinstance(exc, SessionExpired):
        response.delete_cookie(CONTACT_COOKIE, path="/")
    return response


def require_csrf(request: Request, submitted: str | None) -> None:
    runtime = runtime_of(request)
    cookie = request.cookies.get(CONTACT_COOKIE) or request.cookies.get(ANON_COOKIE)
    if not csrf_valid(runtime.secrets, cookie, submitted):
        raise BadInput("csrf", "the form has expired; please reload the page and try again")


def contact_session(request: Request, session: Session) -> tuple[str, ContactKeys]:
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
    return opened.subject_id, ContactKeys.unpack(opened.secret)
