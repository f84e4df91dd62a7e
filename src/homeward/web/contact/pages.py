"""The contact pages: no script, no outside URL, four languages, nothing about the visitor
logged or stored. Every form carries a CSRF token bound to the visitor's cookie."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from homeward.accounts import sessions
from homeward.cases import flows as case_flows
from homeward.contact import blobs
from homeward.contact import service as contact_service
from homeward.contact.exceptions import CodenameRefused
from homeward.core.errors import BadInput
from homeward.core.runtime import Runtime
from homeward.crypto import codename as codenames
from homeward.web import deps
from homeward.web.contact import letters
from homeward.web.contact.deps import (
    checked_language,
    codename_pending,
    contact_session,
    new_contact_session,
    render,
    require_csrf,
    session_secret,
    set_cookie,
    signed_in,
)
from homeward.web.deps import DbSession, runtime_of
from homeward.web.i18n import DEFAULT_LANGUAGE, translator
from homeward.web.params import Flag
from homeward.web.security import ANON_COOKIE, CONTACT_COOKIE

router = APIRouter(include_in_schema=False)
TYPED_MAX_CHARS = 500


router.include_router(letters.router)


@router.get("/")
def home(request: Request, session: DbSession) -> Response:
    return _landing(request, session, DEFAULT_LANGUAGE)


@router.get("/{lang}")
@router.get("/{lang}/")
def landing(request: Request, session: DbSession, lang: str) -> Response:
    return _landing(request, session, checked_language(lang))


def _landing(
    request: Request, session: Session, lang: str, status_code: int = 200, **context: object
) -> Response:
    """A contact still signed in is shown the way back to the conversation, not offered a
    new codename; an ended session's cookie is dropped."""
    live = signed_in(request, session)
    response = render(
        request, lang, "landing.html", status_code=status_code, signed_in=live, **context
    )
    if not live and CONTACT_COOKIE in request.headers.get("cookie", ""):
        response.delete_cookie(CONTACT_COOKIE, path="/")
    return response


def _start_contact(runtime: Runtime, session: Session, lang: str) -> str:
    codename, contact, keys = contact_service.start(
        session=session, secrets=runtime.secrets, cost=runtime.cost, language=lang
    )
    return new_contact_session(session, runtime, contact.id, keys, codename)


# The two routes that derive a key are async: while they wait for a slot at the gate they
# hold no worker thread, and the derivation runs on the gate's own threads, so a flood of
# them leaves the officers' routes their threads. The derivation comes before the session's
# first query, so no transaction is open while it runs.


@router.post("/{lang}/start")
async def start(
    request: Request, session: DbSession, lang: str, csrf: Annotated[str, Form()] = ""
) -> Response:
    lang = checked_language(lang)
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    runtime.new_contacts.take()
    token = await runtime.kdf_gate.run_for_contact(partial(_start_contact, runtime, session, lang))
    response = RedirectResponse(f"/{lang}/codename", status_code=303)
    set_cookie(response, runtime, CONTACT_COOKIE, token)
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


def _codename_page(
    request: Request, lang: str, codename: str, status_code: int = 200, typed: str | None = None
) -> Response:
    """The words numbered in their own reading order (an Arabic codename right to left, on
    any page), the whole codename in one read-only field, and the form to type it back."""
    language = codenames.language_of(codename) or lang
    return render(
        request,
        lang,
        "codename.html",
        status_code=status_code,
        words=codename.split(" "),
        codename=codename,
        codename_lang=language,
        codename_dir=translator(language).direction,
        typed=typed,
    )


@router.get("/{lang}/codename")
def codename_page(request: Request, session: DbSession, lang: str) -> Response:
    """Post/redirect/get: reloading shows the codename again for the rest of the first visit,
    until the contact has typed it back; after that, never."""
    lang = checked_language(lang)
    opened = contact_session(request, session)
    if opened.codename is None:
        return RedirectResponse(f"/{lang}/conversation", status_code=303)
    return _codename_page(request, lang, opened.codename)


@router.post("/{lang}/codename/confirm")
def confirm_codename(
    request: Request,
    session: DbSession,
    lang: str,
    typed: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Typed back right: the codename leaves the session for good. Wrong: the same page, the
    field marked, what was typed kept (it travels in the response only)."""
    lang = checked_language(lang)
    require_csrf(request, csrf)
    opened = contact_session(request, session)
    if opened.codename is None:
        return RedirectResponse(f"/{lang}/write", status_code=303)
    typed = typed[:TYPED_MAX_CHARS]
    if not codenames.same(typed, opened.codename):
        return _codename_page(request, lang, opened.codename, status_code=400, typed=typed)
    sessions.replace_secret(
        session=session,
        token=opened.token,
        kind=sessions.CONTACT,
        secret=session_secret(opened.keys),
    )
    return RedirectResponse(f"/{lang}/write", status_code=303)


def _sign_in_contact(runtime: Runtime, session: Session, codename: str) -> str:
    contact, keys = contact_service.sign_in(
        session=session, secrets=runtime.secrets, cost=runtime.cost, codename=codename
    )
    return new_contact_session(session, runtime, contact.id, keys)


@router.post("/{lang}/signin")
async def sign_in(
    request: Request,
    session: DbSession,
    lang: str,
    codename: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    lang = checked_language(lang)
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    try:
        token = await runtime.kdf_gate.run_for_contact(
            partial(_sign_in_contact, runtime, session, codename)
        )
    except CodenameRefused:
        # The same form again, the field marked; what was typed is not sent back.
        return _landing(request, session, lang, status_code=401, codename_refused=True)
    response = RedirectResponse(f"/{lang}/conversation", status_code=303)
    set_cookie(response, runtime, CONTACT_COOKIE, token)
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.get("/{lang}/conversation")
def conversation(request: Request, session: DbSession, lang: str, sent: Flag = 0) -> Response:
    lang = checked_language(lang)
    opened = contact_session(request, session)
    if (pending := codename_pending(lang, opened)) is not None:
        return pending
    items = contact_service.conversation_for_contact(
        session=session, contact_id=opened.contact_id, keys=opened.keys
    )
    return render(request, lang, "conversation.html", items=items, sent=bool(sent))


@router.get("/{lang}/delete")
def delete_form(request: Request, session: DbSession, lang: str) -> Response:
    lang = checked_language(lang)
    contact_session(request, session)
    return render(request, lang, "delete.html")


@router.post("/{lang}/delete")
def delete(
    request: Request,
    session: DbSession,
    lang: str,
    confirm: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    lang = checked_language(lang)
    require_csrf(request, csrf)
    contact_id = contact_session(request, session).contact_id
    if confirm != "yes":
        raise BadInput("confirm", "tick the box to confirm")
    runtime = runtime_of(request)
    case_flows.note_contact_deleted(
        session, contact_service.conversation_id_of(session=session, contact_id=contact_id)
    )
    blob_names = contact_service.delete_account(session=session, contact_id=contact_id)

    def erase() -> None:
        """Once the deletion has committed: the files, and the old pages still in SQLite's
        write-ahead log."""
        for name in blob_names:
            blobs.remove(runtime.settings.blobs_dir, name)
        runtime.db.fold_log()

    deps.after_commit(session, erase)
    request.cookies.pop(CONTACT_COOKIE, None)
    response = render(request, lang, "deleted.html")
    response.delete_cookie(CONTACT_COOKIE, path="/")
    return response


@router.get("/{lang}/leave")
def leave(request: Request, session: DbSession, lang: str) -> Response:
    """Quick exit: ends the session at once and shows a neutral page."""
    lang = checked_language(lang)
    sessions.end(session=session, token=request.cookies.get(CONTACT_COOKIE))
    request.cookies.pop(CONTACT_COOKIE, None)
    response = render(request, lang, "left.html")
    response.delete_cookie(CONTACT_COOKIE, path="/")
    return response
