"""Writing a letter: the form, and sending it, so that no word is lost on the way.

A problem with what was sent (an empty or too long letter, the codename in it, a file too
large, too many files, an unknown desk) brings the same form back with the problem marked next
to its field and the letter and desk choice kept. A letter sent after the session ended is
given back too, with a codename field: sending it again signs in and stores the letter in one
request. The letter travels back in the response only; it is never stored unless sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.exceptions import SessionExpired
from homeward.contact import service as contact_service
from homeward.contact.exceptions import (
    CodenameInMessage,
    CodenameRefused,
    EmptyMessage,
    MessageTooLong,
)
from homeward.core.errors import BadInput, TooLarge
from homeward.core.runtime import Runtime
from homeward.web import deps, multipart
from homeward.web.contact.deps import (
    ContactSession,
    checked_language,
    codename_pending,
    contact_session,
    error_message,
    new_contact_session,
    render,
    require_csrf,
    set_cookie,
    too_long,
)
from homeward.web.deps import DbSession, runtime_of
from homeward.web.i18n import Translator, translator
from homeward.web.security import ANON_COOKIE, CONTACT_COOKIE, CSRF_FIELD

router = APIRouter(include_in_schema=False)
LETTER_ERRORS = (EmptyMessage, MessageTooLong, CodenameInMessage, BadInput, CodenameRefused)
"""What the writer can put right on the form; anything else is the error page."""
NAME_MAX_CHARS = 120


@dataclass
class Letter:
    """What goes back into the form: the letter as typed, the desk chosen, the problems by
    the field they belong to, and the files the browser will not send again."""

    message: str = ""
    desk: str = "unknown"
    errors: dict[str, Markup] = field(default_factory=dict)
    files_again: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, form: multipart.ParsedForm) -> Letter:
        chosen = [blob.filename for blob in form.files]
        return cls(
            message=form.fields.get("message", ""),
            desk=form.fields.get("desk", "unknown"),
            files_again=[*chosen, *form.too_large, *form.over_count, *form.not_kept],
        )


def _limits(runtime: Runtime) -> dict[str, object]:
    settings = runtime.settings
    return {
        "max_chars": settings.message_max_chars,
        "max_files": settings.attachments_max_count,
        "max_mib": settings.attachment_max_bytes / 1024 / 1024,
        "idle_minutes": settings.contact_idle_minutes,
    }


def _names(t: Translator, names: list[str]) -> Markup:
    return t.names([name[:NAME_MAX_CHARS] for name in names if name])


def _write_page(
    request: Request,
    lang: str,
    *,
    first: bool,
    desks: list[str],
    letter: Letter | None = None,
    expired: bool = False,
    status_code: int = 200,
) -> Response:
    letter = letter or Letter()
    t = translator(lang)
    return render(
        request,
        lang,
        "write.html",
        status_code=status_code,
        first=first,
        desks=desks,
        letter=letter,
        expired=expired,
        files_again=_names(t, letter.files_again),
        signed_in=not expired,
        **_limits(runtime_of(request)),
    )


def _form_of(session: Session, contact_id: str) -> tuple[bool, list[str]]:
    """Whether this is the contact's first letter (so a desk is chosen), and the desks."""
    contact = contact_service.get_contact(session=session, contact_id=contact_id)
    first = contact_service.own_conversation(session=session, contact=contact) is None
    return first, accounts_service.national_desks_with_keys(session=session)


@router.get("/{lang}/write")
def write_form(request: Request, session: DbSession, lang: str) -> Response:
    lang = checked_language(lang)
    opened = contact_session(request, session)
    if (pending := codename_pending(lang, opened)) is not None:
        return pending
    first, desks = _form_of(session, opened.contact_id)
    return _write_page(request, lang, first=first, desks=desks)


@dataclass(frozen=True)
class Checked:
    """What the first transaction learns before the body streams in: the contact (None once
    the session has ended, its row deleted then), and what the form needs should it come back
    (first letter or not, the desks), so that no answer takes a third transaction."""

    opened: ContactSession | None
    first: bool
    desks: list[str]


def _checked_contact(request: Request) -> Checked:
    with deps.transaction(runtime_of(request)) as session:
        try:
            opened = contact_session(request, session)
        except SessionExpired:
            desks = accounts_service.national_desks_with_keys(session=session)
            return Checked(None, True, desks)
        first, desks = _form_of(session, opened.contact_id)
        return Checked(opened, first, desks)


def _letter_error(t: Translator, exc: Exception) -> tuple[str, Markup]:
    """The field a refusal belongs to, and what to say next to it."""
    if isinstance(exc, CodenameRefused):
        return "codename", t(error_message(exc))
    if isinstance(exc, MessageTooLong):
        return "message", too_long(t, exc.max_chars)
    if isinstance(exc, BadInput) and exc.field == "desk":
        return "desk", t(error_message(exc))
    if isinstance(exc, (EmptyMessage, CodenameInMessage)):
        return "message", t(error_message(exc))
    raise exc


def _file_errors(t: Translator, runtime: Runtime, form: multipart.ParsedForm) -> Markup | None:
    settings = runtime.settings
    problems = [
        t(
            "The file {name} is larger than {max_mib} MiB, the most one file may be.",
            name=_names(t, [name]),
            max_mib=t.number(settings.attachment_max_bytes / 1024 / 1024),
        )
        for name in form.too_large
    ]
    if form.over_count:
        # Named first: a `t` among its arguments makes Babel read the call as t(), singular.
        left_out = _names(t, form.over_count)
        problems.append(
            t.plural(
                "At most {count} file can go with one letter; {names} did not fit.",
                "At most {count} files can go with one letter; {names} did not fit.",
                settings.attachments_max_count,
                names=left_out,
            )
        )
    return Markup(" ").join(problems) if problems else None


@router.post("/{lang}/write")
async def write(request: Request, lang: str) -> Response:
    """The one route with two transactions (web/deps.py): the session is checked (and what
    the form needs read) before the body streams in, and the letter is stored, whole or not at
    all, once it has arrived, after the codename's one Argon2id if the session had ended; no
    transaction is open, nor SQLite's write lock held, while files stream to disk. After the
    session has ended, files are not even written: their names are noted, their bytes
    skipped."""
    lang = checked_language(lang)
    runtime = runtime_of(request)
    checked = await run_in_threadpool(_checked_contact, request)
    opened = checked.opened
    if opened is not None and (pending := codename_pending(lang, opened)) is not None:
        return pending  # before the body is read: no file is written
    settings = runtime.settings
    limit = settings.attachment_max_bytes * max(1, settings.attachments_max_count) + 4 * (
        settings.message_max_chars + 64 * 1024
    )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise TooLarge("file", f"the upload is larger than {limit} bytes")
    form = await multipart.read_form(
        request.headers.get("content-type", ""),
        request.stream(),
        blobs_dir=settings.blobs_dir,
        max_file_bytes=settings.attachment_max_bytes,
        max_field_bytes=4 * settings.message_max_chars + 1024,
        max_files=settings.attachments_max_count,
        keep_files=opened is not None,
    )
    try:
        require_csrf(request, form.fields.get(CSRF_FIELD))
        if opened is None:
            return await _send_after_sign_in(request, lang, form, checked.desks)
        return await _send(request, lang, opened, form, checked)
    except BaseException:
        multipart.discard(settings.blobs_dir, form)
        raise


async def _send(
    request: Request,
    lang: str,
    opened: ContactSession,
    form: multipart.ParsedForm,
    checked: Checked,
) -> Response:
    runtime = runtime_of(request)
    settings = runtime.settings
    t = translator(lang)
    letter = Letter.of(form)
    status_code = 400
    file_errors = _file_errors(t, runtime, form)
    if file_errors is not None:
        letter.errors["files"] = file_errors
        status_code = 413 if form.too_large else 400
    else:

        def store() -> None:
            with runtime.db.transaction() as session:
                contact_service.write(
                    session=session,
                    secrets=runtime.secrets,
                    contact_id=opened.contact_id,
                    keys=opened.keys,
                    text=letter.message,
                    desk_code=form.fields.get("desk"),
                    files=form.files,
                    max_chars=settings.message_max_chars,
                    language=lang,
                )

        try:
            await run_in_threadpool(store)
        except LETTER_ERRORS as exc:
            where, said = _letter_error(t, exc)
            letter.errors[where] = said
        else:
            return RedirectResponse(f"/{lang}/conversation?sent=1", status_code=303)
    multipart.discard(settings.blobs_dir, form)
    return _write_page(
        request,
        lang,
        first=checked.first,
        desks=checked.desks,
        letter=letter,
        status_code=status_code,
    )


def _sign_in_and_store(
    runtime: Runtime, codename: str, letter: Letter, desk: str | None, lang: str
) -> str:
    """One Argon2id (run before the transaction's first query, on the gate's thread, as
    /signin does), then the new session and the letter in one transaction: both or neither."""
    settings = runtime.settings
    with runtime.db.transaction() as session:
        contact, keys = contact_service.sign_in(
            session=session, secrets=runtime.secrets, cost=runtime.cost, codename=codename
        )
        contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text=letter.message,
            desk_code=desk,
            files=[],
            max_chars=settings.message_max_chars,
            language=lang,
        )
        return new_contact_session(session, runtime, contact.id, keys)


async def _send_after_sign_in(
    request: Request, lang: str, form: multipart.ParsedForm, desks: list[str]
) -> Response:
    """The session had ended: without a codename, the letter comes back with a codename
    field; with one, sign in and send."""
    runtime = runtime_of(request)
    t = translator(lang)
    letter = Letter.of(form)
    codename = form.fields.get("codename")
    if codename is not None:
        try:
            token = await runtime.kdf_gate.run_for_contact(
                lambda: _sign_in_and_store(runtime, codename, letter, form.fields.get("desk"), lang)
            )
        except LETTER_ERRORS as exc:
            where, said = _letter_error(t, exc)
            letter.errors[where] = said
        else:
            sent = RedirectResponse(f"/{lang}/conversation?sent=1", status_code=303)
            set_cookie(sent, runtime, CONTACT_COOKIE, token)
            sent.delete_cookie(ANON_COOKIE, path="/")
            return sent
    # The old cookie names a session that is gone: forms are bound to a fresh one from now.
    request.cookies.pop(CONTACT_COOKIE, None)
    response = _write_page(
        request,
        lang,
        first="desk" in form.fields,
        desks=desks,
        letter=letter,
        expired=True,
        status_code=401,
    )
    response.delete_cookie(CONTACT_COOKIE, path="/")
    return response
