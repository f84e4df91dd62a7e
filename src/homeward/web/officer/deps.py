"""What every officer page needs: the signed-in officer from the cookie, rendering with the
form's CSRF token and the officer's unread count (navigation and title), checking that token,
and the error page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from homeward.accounts.service import Keyring
from homeward.contact import inbox as contact_inbox
from homeward.core.errors import BadInput, HomewardError
from homeward.policy import roles
from homeward.policy.check import Principal
from homeward.web import officer_auth
from homeward.web.deps import TEMPLATES, DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.security import (
    ANON_COOKIE,
    CSRF_FIELD,
    OFFICER_COOKIE,
    csrf_token,
    csrf_valid,
    new_form_cookie,
)

SESSION_STATE = "officer_session"


def current_keyring(request: Request, session: DbSession) -> Keyring:
    """The cookie's officer, read in the request's own transaction (kept on the request so
    that rendering can count the officer's unread letters in it)."""
    keyring = officer_auth.keyring_for(
        session, runtime_of(request).settings, request.cookies.get(OFFICER_COOKIE)
    )
    setattr(request.state, SESSION_STATE, session)
    return keyring


def _unread(request: Request, principal: object) -> int | None:
    """The officer's unread conversations, for roles that list them; None for the others."""
    session = getattr(request.state, SESSION_STATE, None)
    if session is None or not isinstance(principal, Principal):
        return None
    if not roles.may(principal.role, roles.CONVERSATION_LIST):
        return None
    return contact_inbox.unread_count(session=session, principal=principal)


SignedIn = Annotated[Keyring, Depends(current_keyring)]


def render(request: Request, template: str, status_code: int = 200, **context: object) -> Response:
    runtime = runtime_of(request)
    cookie = request.cookies.get(OFFICER_COOKIE) or request.cookies.get(ANON_COOKIE)
    fresh = cookie is None
    cookie = cookie or new_form_cookie()
    response = TEMPLATES.TemplateResponse(
        request,
        f"officer/{template}",
        {
            "csrf_field": CSRF_FIELD,
            "csrf": csrf_token(runtime.secrets, cookie),
            "unread": _unread(request, context.get("principal")),
            **context,
        },
        status_code=status_code,
    )
    if fresh:
        response.set_cookie(
            ANON_COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=runtime.settings.secure_cookies,
            path="/",
        )
    return response


def error_page(request: Request, exc: HomewardError) -> Response:
    return render(request, "error.html", status_code=status_of(exc), message=str(exc))


def require_csrf(request: Request, submitted: str) -> None:
    cookie = request.cookies.get(OFFICER_COOKIE) or request.cookies.get(ANON_COOKIE)
    if not csrf_valid(runtime_of(request).secrets, cookie, submitted):
        raise BadInput("csrf", "the form has expired; reload the page and try again")
