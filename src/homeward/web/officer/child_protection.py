"""A child's handover to a child-protection actor: the owning desk's page on the child's case
(the organisation and each side's word opened, an audited read; the forms to record the
handover, give the desk's word and record the arrival home) and the coordination cell's list of
handovers waiting for its word. Each action runs in a savepoint, so a refusal comes back on the
same page with the reason and what was typed, and stores nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from homeward.cases import service as case_service
from homeward.core.errors import BadInput
from homeward.households import child_protection as cp
from homeward.policy import roles
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer import confirmed_twice as word_form
from homeward.web.officer.confirmed_twice import Csrf, YesNo, when
from homeward.web.officer.deps import SignedIn, render, require_csrf

router = APIRouter(prefix="/officer", include_in_schema=False)
Line = Annotated[str, Form(max_length=cp.NAME_MAX)]
Stamp = Annotated[str, Form(max_length=20)]
Text = Annotated[str, Form(max_length=cp.NOTE_MAX)]
FIELD_WORDS = {
    "organisation": "Organisation",
    "contact": "Contact at the organisation",
    "place": "Place",
    "planned_at": "Planned for",
    "happened": "Did it happen",
    "happened_at": "When",
    "received_by": "Received by",
    "note": "Note",
    "arrived_at": "Arrived home on",
    "case": "Case",
    "handover": "Handover",
    "officer": "Officer",
    "desk": "Keys",
}


def _case_page(
    request: Request,
    session: DbSession,
    keyring: SignedIn,
    case_id: str,
    *,
    refusal: BadInput | None = None,
    form: str = "",
    typed: dict[str, str] | None = None,
) -> Response:
    path = cp.of_case(
        session=session, keyring=keyring, secrets=runtime_of(request).secrets, case_id=case_id
    )
    case = case_service.get_case(
        session=session, principal=keyring.principal, case_id=case_id, permission=roles.CASE_READ
    )
    return render(
        request,
        "child_protection.html",
        status_code=status_of(refusal) if refusal else 200,
        principal=keyring.principal,
        case_id=case_id,
        reference=case.reference,
        stage=case.stage.replace("_", " "),
        cp_path=path,
        side_words=cp.SIDE_WORDS,
        state_words=cp.STATE_WORDS,
        refusal=word_form.problem(refusal, FIELD_WORDS),
        field=refusal.field if refusal else "",
        form=form,
        typed=typed or {},
    )


def _cell_page(
    request: Request,
    session: DbSession,
    keyring: SignedIn,
    *,
    refusal: BadInput | None = None,
    handover_id: str = "",
    typed: dict[str, str] | None = None,
) -> Response:
    views = cp.waiting_for_cell(session=session, keyring=keyring)
    return render(
        request,
        "child_protection_cell.html",
        status_code=status_of(refusal) if refusal else 200,
        principal=keyring.principal,
        views=views,
        side_words=cp.SIDE_WORDS,
        state_words=cp.STATE_WORDS,
        refusal=word_form.problem(refusal, FIELD_WORDS),
        field=refusal.field if refusal else "",
        refused_id=handover_id,
        typed=typed or {},
    )


@router.get("/cases/{case_id}/child-protection")
def case_page(request: Request, session: DbSession, case_id: str, keyring: SignedIn) -> Response:
    """The child's handover with the organisation and each side's word opened (audited)."""
    return _case_page(request, session, keyring, case_id)


@router.post("/cases/{case_id}/child-protection")
def record(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    organisation: Line = "",
    contact: Line = "",
    place: Line = "",
    planned_at: Stamp = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    typed = {"organisation": organisation, "contact": contact, "place": place,
             "planned_at": planned_at}  # fmt: skip
    refusal = word_form.attempt(
        session,
        lambda: cp.record(
            session=session,
            keyring=keyring,
            secrets=runtime_of(request).secrets,
            case_id=case_id,
            details=cp.Organisation(
                organisation=organisation,
                contact=contact,
                place=place,
                planned_at=when(planned_at, "planned_at"),
            ),
        ),
    )
    if refusal is not None:
        return _case_page(
            request, session, keyring, case_id, refusal=refusal, form="record", typed=typed
        )
    return RedirectResponse(f"/officer/cases/{case_id}/child-protection", status_code=303)


def _confirm(
    request: Request, session: DbSession, keyring: SignedIn, handover_id: str, typed: dict[str, str]
) -> BadInput | None:
    """One side's word (the owning desk's or the cell's, by who gives it)."""
    return word_form.attempt(
        session,
        lambda: cp.confirm(
            session=session,
            principal=keyring.principal,
            secrets=runtime_of(request).secrets,
            handover_id=handover_id,
            word=word_form.read_word(cp.Word, typed),
        ),
    )


@router.post("/cases/{case_id}/child-protection/{handover_id}/confirm")
def confirm_for_desk(
    request: Request,
    session: DbSession,
    case_id: str,
    handover_id: str,
    *,
    keyring: SignedIn,
    happened: YesNo = "",
    happened_at: Stamp = "",
    received_by: Line = "",
    note: Text = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    typed = word_form.typed_word(happened, happened_at, received_by, note)
    refusal = _confirm(request, session, keyring, handover_id, typed)
    if refusal is not None:
        return _case_page(
            request, session, keyring, case_id, refusal=refusal, form="confirm", typed=typed
        )
    return RedirectResponse(f"/officer/cases/{case_id}/child-protection", status_code=303)


@router.post("/cases/{case_id}/child-protection/arrival")
def record_arrival(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    arrived_at: Stamp = "",
    note: Text = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    typed = {"arrived_at": arrived_at, "note": note}
    refusal = word_form.attempt(
        session,
        lambda: cp.record_arrival(
            session=session,
            keyring=keyring,
            secrets=runtime_of(request).secrets,
            case_id=case_id,
            arrived_at=when(arrived_at, "arrived_at"),
            note=note,
        ),
    )
    if refusal is not None:
        return _case_page(
            request, session, keyring, case_id, refusal=refusal, form="arrival", typed=typed
        )
    return RedirectResponse(f"/officer/cases/{case_id}#household", status_code=303)


@router.get("/child-protection")
def cell_page(request: Request, session: DbSession, keyring: SignedIn) -> Response:
    """The coordination cell's handovers of children waiting for its word, or disputed."""
    return _cell_page(request, session, keyring)


@router.post("/child-protection/{handover_id}/confirm")
def confirm_for_cell(
    request: Request,
    session: DbSession,
    handover_id: str,
    *,
    keyring: SignedIn,
    happened: YesNo = "",
    happened_at: Stamp = "",
    received_by: Line = "",
    note: Text = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    typed = word_form.typed_word(happened, happened_at, received_by, note)
    refusal = _confirm(request, session, keyring, handover_id, typed)
    if refusal is not None:
        return _cell_page(
            request, session, keyring, refusal=refusal, handover_id=handover_id, typed=typed
        )
    return RedirectResponse("/officer/child-protection", status_code=303)
