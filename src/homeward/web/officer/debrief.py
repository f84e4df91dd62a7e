"""Debrief pages: writing a report on a case of the desk, opening one (its labels as a banner
at top and bottom, withheld sections named, the release history), widening and narrowing its
release, sanitising it, downloading it as a signed STIX bundle and importing a partner's signed
bundle into a case. Thin over debrief/service, releases and stix: each action runs in a
savepoint, so a refusal comes back on the same page with the field named and what was typed,
and stores nothing."""

from __future__ import annotations

import json
import pathlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.cases import release_basis
from homeward.cases import service as case_service
from homeward.contact import blobs
from homeward.core.errors import BadInput, TooLarge
from homeward.core.settings import Settings
from homeward.debrief import handling, people, releases, stix
from homeward.debrief import service as debrief
from homeward.debrief.schemas import SECTIONS, Entry, ReportDraft, Sanitising
from homeward.policy import check as policy
from homeward.policy import roles
from homeward.policy.labels import Classification
from homeward.web import multipart
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer.deps import SignedIn, render, require_csrf
from homeward.web.security import CSRF_FIELD
from homeward.web.text import attachment_disposition

router = APIRouter(prefix="/officer", include_in_schema=False)
ROWS = 3
"""Rows each section offers on the form (more entries: write the report, then sanitise or add
through the API; three cover a session's usual names)."""
SECTION_WORDS = {
    "people": ("People", "Who was named: a name, and what the person did"),
    "places": ("Places", "Where: a name, the country (two letters, IQ, SY) and what happened"),
    "events": ("Events", "What happened, and when"),
    "organisations": ("Organisations", "Groups, units, networks"),
    "methods": ("Methods", "How they worked: routes, money, messages"),
}
LEVELS = {int(level): level.name for level in Classification}
FIELD_WORDS = {
    "title": "Title",
    "session_on": "Date of the session",
    "subject": "Debriefed person",
    "classification": "Classification",
    "release": "Release to",
    "nations": "Nations",
    "caveats": "Caveats",
    "reader_roles": "Roles opened to",
    "reason": "Reason",
    "text": "Free text",
    "basis": "Basis",
    "consent_given_on": "Consent given on",
    "consent_how": "How consent was given",
    "grounds": "Grounds",
    "drop": "Sections to leave out",
    "bundle": "Bundle",
    "signature": "Signature",
}
_ENTRY = re.compile(r"^sections\.(\w+)\[(\d+)\]\.(\w+)$")


async def _form(request: Request) -> FormData:
    return await request.form(max_fields=400)


Fields = Annotated[FormData, Depends(_form)]


@dataclass
class Refusal:
    """A refusal as the page shows it: the message, the input it points at, what was typed."""

    message: str
    target: str
    form: str
    typed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def anchor(self) -> str:
        """The id of the input on the page (the forms of the report page prefix theirs)."""
        basis = {"basis": "basis", "consent-given-on": "given-on", "consent-how": "how"}
        if self.target in {*basis, "grounds"}:
            return f"{self.form}-{basis.get(self.target, self.target)}"
        if self.form == "write":
            return self.target
        return f"{self.form}-{'keep' if self.target == 'drop' else self.target}"

    def value(self, name: str, default: str = "") -> str:
        found = self.typed.get(name)
        return found[0] if found else default

    def values(self, name: str) -> list[str]:
        return self.typed.get(name, [])


def _target(problem_field: str) -> str:
    """The id of the input a service's field name points at (`sections.places[0].country` is
    `places-0-country`)."""
    entry = _ENTRY.match(problem_field)
    if entry:
        return f"{entry[1]}-{entry[2]}-{entry[3]}"
    if problem_field.startswith("section_levels."):
        return "level-" + problem_field.split(".", 1)[1]
    if problem_field.startswith("sections."):
        return problem_field.split(".", 1)[1].split("[", maxsplit=1)[0] + "-0-name"
    return problem_field.replace("_", "-")


def _refused(exc: BadInput, form_name: str, form: FormData) -> Refusal:
    target = _target(exc.field)
    entry = _ENTRY.match(exc.field)
    if entry and entry[1] in SECTION_WORDS:
        section, part = entry[1], entry[3]
        filled = _filled_rows(form, section)
        index = int(entry[2])
        row = filled[index] if index < len(filled) else index
        where = f"{SECTION_WORDS[section][0]}, row {row + 1}, {part}"
        target = f"{section}-{row}-{part}"
    else:
        where = FIELD_WORDS.get(exc.field, exc.field.replace("_", " "))
    typed = {key: [str(v) for v in form.getlist(key)] for key in form if key != "csrf"}
    # The lawful-basis check is the case release's own; here it is a report being released.
    problem = exc.problem.replace("may read the case", "may read this report")
    return Refusal(f"{where}: {problem}", target, form_name, typed)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _list(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(name, "a date such as 2026-11-30") from None


def _level(value: str, name: str) -> int:
    if not value.strip().isdigit() or int(value) not in LEVELS:
        raise BadInput(name, "choose one of the levels")
    return int(value)


def _basis(form: FormData) -> release_basis.Basis | None:
    """The basis as the form gave it; None when no kind was chosen (the service says whether
    one was needed)."""
    kind = _text(form, "basis_kind")
    if not kind:
        return None
    given = _text(form, "consent_given_on").strip()
    return release_basis.Basis(
        kind=kind,
        given_on=_day(given, "consent_given_on") if given else None,
        how=_text(form, "consent_how"),
        grounds=_text(form, "grounds"),
    )


def _row(form: FormData, section: str, index: int) -> Entry:
    return Entry(
        _text(form, f"{section}-{index}-name"),
        _text(form, f"{section}-{index}-description"),
        _text(form, f"{section}-{index}-country"),
    )


def _filled_rows(form: FormData, section: str) -> list[int]:
    """The form's rows of a section that hold anything: a row left wholly empty is no entry (a
    row with only a description is sent on, so the service names its missing name); the
    service's entry index is a place in this list."""
    return [
        index
        for index in range(ROWS)
        if any(part.strip() for part in vars(_row(form, section, index)).values())
    ]


def _sections(form: FormData) -> dict[str, list[Entry]]:
    return {name: [_row(form, name, i) for i in _filled_rows(form, name)] for name in SECTIONS}


def _draft(form: FormData) -> ReportDraft:
    levels = {
        name: _level(_text(form, f"level-{name}"), f"section_levels.{name}")
        for name in SECTIONS
        if _text(form, f"level-{name}")
    }
    return ReportDraft(
        title=_text(form, "title"),
        session_on=_day(_text(form, "session_on"), "session_on"),
        subject=_text(form, "subject"),
        sections=_sections(form),
        text=_text(form, "text"),
        classification=_level(_text(form, "classification"), "classification"),
        release=_list(form, "release"),
        caveats=_list(form, "caveats"),
        reader_roles=_list(form, "reader_roles"),
        section_levels=levels,
        subject_released=_text(form, "subject_released") == "yes",
        basis=_basis(form),
    )


def _choices(request: Request, session: Session, keyring: Keyring) -> dict[str, object]:
    """What the forms offer: levels up to the officer's clearance, the other desks, the
    programme's caveats (those the officer holds) and the roles the desk opens reports to."""
    principal = keyring.principal
    words = handling.load(runtime_of(request).settings.data_dir)
    return {
        "levels": {k: v for k, v in LEVELS.items() if k <= principal.clearance},
        "desks": [
            desk.code
            for desk in accounts_service.list_desks(session=session)
            if desk.code != principal.nation
        ],
        "caveats": {k: v for k, v in words.caveats.items() if k in principal.caveats},
        "reader_roles": words.roles_for(principal.nation),
        "basis_kinds": release_basis.KINDS,
        "section_words": SECTION_WORDS,
        "rows": ROWS,
        "level_names": LEVELS,
    }


@router.get("/debrief/cases/{case_id}/new")
def new_form(request: Request, session: DbSession, case_id: str, keyring: SignedIn) -> Response:
    return _new_page(request, session, keyring, case_id)


def _new_page(
    request: Request,
    session: Session,
    keyring: Keyring,
    case_id: str,
    *,
    refusal: Refusal | None = None,
    status_code: int = 200,
) -> Response:
    principal = keyring.principal
    policy.require_permission(principal, roles.DEBRIEF_WRITE)
    case_id = debrief.own_case_id(session, principal, case_id)
    return render(
        request,
        "debrief_form.html",
        status_code=status_code,
        principal=principal,
        case_id=case_id,
        reference=_reference(session, keyring, case_id),
        refusal=refusal,
        today=date.today().isoformat(),
        **_choices(request, session, keyring),
    )


def _reference(session: Session, keyring: Keyring, case_id: str) -> str:
    case = case_service.get_case(
        session=session, principal=keyring.principal, case_id=case_id, permission=roles.CASE_READ
    )
    return str(case.reference)


@router.post("/debrief/cases/{case_id}")
def write(
    request: Request, session: DbSession, case_id: str, *, keyring: SignedIn, form: Fields
) -> Response:
    require_csrf(request, _text(form, "csrf"))
    runtime = runtime_of(request)
    try:
        with session.begin_nested():
            report = debrief.write(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                case_id=case_id,
                draft=_draft(form),
            )
    except BadInput as exc:
        return _new_page(
            request,
            session,
            keyring,
            case_id,
            refusal=_refused(exc, "write", form),
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/debrief/{report.id}", status_code=303)


IMPORT_FIELD_BYTES = 1024
"""The import form's text fields (the CSRF token only): any longer is not this form."""


@router.get("/debrief/cases/{case_id}/import")
def import_form(request: Request, session: DbSession, case_id: str, keyring: SignedIn) -> Response:
    return _import_page(request, session, keyring, case_id)


def _import_page(
    request: Request,
    session: Session,
    keyring: Keyring,
    case_id: str,
    *,
    refusal: Refusal | None = None,
    status_code: int = 200,
) -> Response:
    """The upload form, for who may import (the permission stix.import_bundle checks) on a
    case of the desk."""
    principal = keyring.principal
    policy.require_permission(principal, roles.DEBRIEF_EXPORT)
    case_id = debrief.own_case_id(session, principal, case_id)
    return render(
        request,
        "debrief_import.html",
        status_code=status_code,
        principal=principal,
        case_id=case_id,
        reference=_reference(session, keyring, case_id),
        refusal=refusal,
        limit_mib=runtime_of(request).settings.attachment_max_bytes / (1024 * 1024),
    )


def _json(blobs_dir: pathlib.Path, blob: blobs.StoredBlob) -> Any:
    """A chosen file's JSON, read back from the encrypted blob store (its key was never
    stored: only this request could read it)."""
    data = b"".join(blobs.open_plaintext(blobs_dir, blob.blob_name, blob.key))
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BadInput("bundle", f"{blob.filename} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        problem = f"{blob.filename} is not JSON ({exc.msg}, line {exc.lineno})"
        raise BadInput("bundle", problem) from None
    except RecursionError:
        raise BadInput("bundle", f"{blob.filename} is nested too deeply") from None


def _is_signature(found: Any) -> bool:
    """The command line's `.sig` file: the signer and its signature, no bundle."""
    return (
        isinstance(found, dict) and "signature" in found and not {"bundle", "objects"} & set(found)
    )


def _signed(settings: Settings, form: multipart.ParsedForm) -> stix.SignedBundle:
    """The bundle with its signature, in either shape the export writes: one signed document
    (the page's download, the API's body: {bundle, signer, signature}) or the bundle and the
    `.sig` file beside it (the command line's). Which input a file came in does not matter;
    whether it is valid, known and signed by its owner is stix's to say."""
    limit_mib = settings.attachment_max_bytes / (1024 * 1024)
    if form.too_large:
        names = ", ".join(blobs.clean_filename(name) for name in form.too_large)
        raise TooLarge("bundle", f"{names} is larger than the limit of {limit_mib:g} MiB")
    if form.over_count:
        raise BadInput("bundle", "choose one bundle and at most one signature file")
    found = [_json(settings.blobs_dir, blob) for blob in form.files]
    signatures = [item for item in found if _is_signature(item)]
    bundles = [item for item in found if not _is_signature(item)]
    if not bundles:
        raise BadInput("bundle", "choose the bundle file (JSON)")
    if len(bundles) > 1:
        raise BadInput("bundle", "choose one bundle, not two")
    bundle = bundles[0]
    if isinstance(bundle, dict) and "bundle" in bundle:
        if signatures:
            problem = "this file carries its own signature: leave the signature file out"
            raise BadInput("signature", problem)
        if not {"signer", "signature"} <= set(bundle):
            raise BadInput("bundle", "the signed bundle names no signer and signature")
        return stix.SignedBundle.received(bundle["bundle"], bundle)
    if not signatures:
        problem = (
            "this bundle has no signature: choose its .sig file too, or the signed "
            ".stix.json file the export downloads"
        )
        raise BadInput("signature", problem)
    signature = signatures[0]
    if "signer" not in signature:
        raise BadInput("signature", "the signature file names no signer")
    return stix.SignedBundle.received(bundle, signature)


async def _small_form(request: Request) -> dict[str, str]:
    """A form sent without its files (urlencoded): read within bounds, for its CSRF token."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > IMPORT_FIELD_BYTES * 4:
            raise TooLarge("form", "too long")
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    return dict(pairs)


@router.post("/debrief/cases/{case_id}/import")
async def import_bundle(
    request: Request, session: DbSession, case_id: str, keyring: SignedIn
) -> Response:
    """A partner's signed bundle as a report owned by its signer, on a case of the desk: the
    service the API and `homeward debrief import` call. The files go to the encrypted blob
    store as they arrive (size limit as a contact's files), are read back once and deleted,
    stored or refused; an officer who may not import has their bytes skipped unread."""
    settings = runtime_of(request).settings
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        fields = await _small_form(request)
        require_csrf(request, fields.get(CSRF_FIELD, ""))
        return await run_in_threadpool(
            _import, request, session, keyring, case_id, multipart.ParsedForm()
        )
    limit = 2 * settings.attachment_max_bytes + 64 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge("bundle", f"the upload is larger than {limit} bytes")
    form = await multipart.read_form(
        content_type,
        request.stream(),
        blobs_dir=settings.blobs_dir,
        max_file_bytes=settings.attachment_max_bytes,
        max_field_bytes=IMPORT_FIELD_BYTES,
        max_files=2,
        max_fields=5,
        keep_files=roles.may(keyring.principal.role, roles.DEBRIEF_EXPORT),
    )
    try:
        require_csrf(request, form.fields.get(CSRF_FIELD, ""))
        return await run_in_threadpool(_import, request, session, keyring, case_id, form)
    finally:
        multipart.discard(settings.blobs_dir, form)


def _import(
    request: Request, session: Session, keyring: Keyring, case_id: str, form: multipart.ParsedForm
) -> Response:
    policy.require_permission(keyring.principal, roles.DEBRIEF_EXPORT)
    runtime = runtime_of(request)
    try:
        with session.begin_nested():
            report = stix.import_bundle(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                case_id=case_id,
                signed=_signed(runtime.settings, form),
            )
    except BadInput as exc:
        where = FIELD_WORDS.get(exc.field, exc.field.replace("_", " "))
        target = "signature" if exc.field == "signature" else "bundle"
        refusal = Refusal(f"{where}: {exc.problem}", target, "import")
        return _import_page(
            request, session, keyring, case_id, refusal=refusal, status_code=status_of(exc)
        )
    return RedirectResponse(f"/officer/debrief/{report.id}", status_code=303)


@router.get("/debrief/{report_id}")
def report_page(
    request: Request, session: DbSession, report_id: str, keyring: SignedIn
) -> Response:
    return _page(request, session, keyring, report_id)


def _page(
    request: Request,
    session: Session,
    keyring: Keyring,
    report_id: str,
    *,
    refusal: Refusal | None = None,
    status_code: int = 200,
) -> Response:
    principal = keyring.principal
    opened = debrief.open_report(
        session=session, keyring=keyring, secrets=runtime_of(request).secrets, report_id=report_id
    )
    summary = opened.summary
    own = summary.owner_nation == principal.nation
    copies = []
    if own and summary.case_id is not None:
        copies = [
            found
            for found in debrief.reports(
                session=session,
                secrets=runtime_of(request).secrets,
                principal=principal,
                case_id=summary.case_id,
            )
            if found.source_id == summary.id
        ]
    names: dict[str, str] = {}
    for officer_id in {view.decided_by for view in opened.releases}:
        officer = accounts_service.get_officer(session=session, officer_id=officer_id)
        names[officer_id] = officer.username if officer else "former officer"
    may_release = own and roles.may(principal.role, roles.DEBRIEF_RELEASE)
    linked = people.links(
        session=session, keyring=keyring, secrets=runtime_of(request).secrets, report_id=report_id
    )
    return render(
        request,
        "debrief_report.html",
        status_code=status_code,
        principal=principal,
        report=opened,
        summary=summary,
        own=own,
        copies=copies,
        names=names,
        reference=_reference(session, keyring, summary.case_id)
        if own and summary.case_id
        else None,
        may_release=may_release,
        may_export=own and roles.may(principal.role, roles.DEBRIEF_EXPORT),
        may_identify=roles.may(principal.role, roles.IDENTITY_READ),
        may_link=own and roles.may(principal.role, roles.IDENTITY_DECIDE),
        links=linked,
        refusal=refusal,
        **_choices(request, session, keyring),
    )


def _act(
    request: Request,
    session: Session,
    keyring: Keyring,
    report_id: str,
    *,
    form_name: str,
    form: FormData,
    action: Callable[[], str],
) -> Response:
    try:
        with session.begin_nested():
            landing = action()
    except BadInput as exc:
        return _page(
            request,
            session,
            keyring,
            report_id,
            refusal=_refused(exc, form_name, form),
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/debrief/{landing}#{form_name}-done", status_code=303)


@router.post("/debrief/{report_id}/release")
def widen(
    request: Request, session: DbSession, report_id: str, *, keyring: SignedIn, form: Fields
) -> Response:
    require_csrf(request, _text(form, "csrf"))
    runtime = runtime_of(request)

    def action() -> str:
        releases.widen(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
            nations=_list(form, "nations"),
            reason=_text(form, "reason"),
            basis=_basis(form),
        )
        return report_id

    return _act(request, session, keyring, report_id, form_name="release", form=form, action=action)


@router.post("/debrief/{report_id}/narrow")
def narrow(
    request: Request, session: DbSession, report_id: str, *, keyring: SignedIn, form: Fields
) -> Response:
    require_csrf(request, _text(form, "csrf"))
    secrets = runtime_of(request).secrets

    def action() -> str:
        releases.narrow(
            session=session,
            keyring=keyring,
            secrets=secrets,
            report_id=report_id,
            nations=_list(form, "nations"),
            reason=_text(form, "reason"),
        )
        return report_id

    return _act(request, session, keyring, report_id, form_name="narrow", form=form, action=action)


@router.post("/debrief/{report_id}/sanitise")
def sanitise(
    request: Request, session: DbSession, report_id: str, *, keyring: SignedIn, form: Fields
) -> Response:
    require_csrf(request, _text(form, "csrf"))
    runtime = runtime_of(request)

    def action() -> str:
        text = _text(form, "text")
        derived = debrief.sanitise(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
            data=Sanitising(
                classification=_level(_text(form, "classification"), "classification"),
                release=_list(form, "release"),
                reason=_text(form, "reason"),
                caveats=_list(form, "caveats"),
                drop=[name for name in SECTIONS if name not in _list(form, "keep")],
                text=text if text.strip() else None,
                subject_released=_text(form, "subject_released") == "yes",
                basis=_basis(form),
            ),
        )
        return derived.id

    return _act(
        request, session, keyring, report_id, form_name="sanitise", form=form, action=action
    )


@router.get("/debrief/{report_id}/stix")
def export(request: Request, session: DbSession, report_id: str, keyring: SignedIn) -> Response:
    """The report as a signed STIX 2.1 bundle, downloaded (the export is audited by stix)."""
    runtime = runtime_of(request)
    signed = stix.export_report(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        report_id=report_id,
    )
    return Response(
        json.dumps(signed.document(), indent=2, sort_keys=True),
        media_type="application/json",
        headers={
            "Content-Disposition": attachment_disposition(f"debrief-{report_id}.stix.json"),
            "Cache-Control": "no-store",
        },
    )


@router.get("/debrief/{report_id}/people/{entry}")
def who_might_this_be(
    request: Request,
    session: DbSession,
    report_id: str,
    entry: Annotated[int, Path(ge=0, le=ROWS * 100)],
    keyring: SignedIn,
) -> Response:
    """Candidates for a person named in the report: found, never linked, until an officer
    posts the link form."""
    principal = keyring.principal
    secrets = runtime_of(request).secrets
    found, result = people.candidates(
        session=session, keyring=keyring, secrets=secrets, report_id=report_id, entry=entry
    )
    opened = debrief.get(session, principal, report_id, roles.DEBRIEF_READ)
    linked = [
        view.person_report_id
        for view in people.links(
            session=session, keyring=keyring, secrets=secrets, report_id=report_id
        )
        if view.entry == entry
    ]
    return render(
        request,
        "debrief_people.html",
        principal=principal,
        found=found,
        result=result,
        title=debrief.summary(secrets, principal, opened).title,
        linked=linked,
        may_link=opened.owner_nation == principal.nation
        and roles.may(principal.role, roles.IDENTITY_DECIDE),
        level_names=LEVELS,
    )


@router.post("/debrief/{report_id}/people/{entry}/link")
def link_person(
    request: Request,
    session: DbSession,
    report_id: str,
    entry: Annotated[int, Path(ge=0, le=ROWS * 100)],
    *,
    keyring: SignedIn,
    form: Fields,
) -> Response:
    require_csrf(request, _text(form, "csrf"))
    people.link(
        session=session,
        keyring=keyring,
        report_id=report_id,
        entry=entry,
        person_report_id=_text(form, "person_report_id")[:32],
    )
    return RedirectResponse(f"/officer/debrief/{report_id}#section-people", status_code=303)


@router.post("/debrief/{report_id}/links/{link_id}/unlink")
def unlink_person(
    request: Request,
    session: DbSession,
    report_id: str,
    link_id: str,
    *,
    keyring: SignedIn,
    form: Fields,
) -> Response:
    require_csrf(request, _text(form, "csrf"))
    people.unlink(session=session, keyring=keyring, report_id=report_id, link_id=link_id)
    return RedirectResponse(f"/officer/debrief/{report_id}#section-people", status_code=303)
