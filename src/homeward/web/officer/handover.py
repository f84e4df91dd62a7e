"""Officer pages for the handover and the custody chain: each side's word on a plan's handover
(the cell's receiving unit and the owning desk) with the state they give it, and a case's
custody chain from the handover to arrival, with the form for the next link and the stage
moves it allows. Times are entered and shown in UTC.

A thin adapter: every change goes through passage's services; a refused form comes back with
the reason in words and what was typed kept, nothing stored."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from homeward.core.errors import BadInput, HomewardError
from homeward.passage import custody, handovers
from homeward.passage.custody_models import CUSTODY_KINDS
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer import confirmed_twice as word_form
from homeward.web.officer.confirmed_twice import Csrf, YesNo, stamp, when
from homeward.web.officer.deps import SignedIn, render, require_csrf

router = APIRouter(prefix="/officer", include_in_schema=False)
Line = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=2000)]
STEPS = {"in_custody": custody.enter_custody, "repatriated": custody.repatriate}


FIELD_WORDS = {
    "happened": "Did it happen",
    "happened_at": "When",
    "received_by": "Who received him",
    "note": "Note",
    "kind": "What",
    "held_by": "Held by",
    "received_from": "Received from",
    "place": "Place",
    "starts_at": "Since",
    "ends_at": "Until",
    "reason": "Why",
}


def problem(refusal: HomewardError | None) -> str:
    """A refusal in words, the field as the form names it."""
    return word_form.problem(refusal, FIELD_WORDS)


def required_when(value: str, field: str) -> datetime:
    at = when(value, field)
    if at is None:
        raise BadInput(field, "say when this holder took him over")
    return at


def _handover_page(
    request: Request,
    session: DbSession,
    keyring: SignedIn,
    plan_id: str,
    *,
    refusal: HomewardError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    view = handovers.open_handover(session=session, keyring=keyring, plan_id=plan_id)
    return render(
        request,
        "handover_plan.html",
        status_code=status_of(refusal) if refusal else 200,
        principal=keyring.principal,
        view=view,
        side_words=handovers.SIDE_WORDS,
        state_words=handovers.STATE_WORDS,
        refusal=refusal,
        problem=problem(refusal),
        field=getattr(refusal, "field", ""),
        typed=typed or {},
    )


@router.get("/passage/plans/{plan_id}/handover")
def handover_page(
    request: Request, session: DbSession, plan_id: str, keyring: SignedIn
) -> Response:
    return _handover_page(request, session, keyring, plan_id)


@router.post("/passage/plans/{plan_id}/handover")
def confirm_handover(
    request: Request,
    session: DbSession,
    plan_id: str,
    *,
    keyring: SignedIn,
    happened: YesNo = "",
    happened_at: Line = "",
    received_by: Line = "",
    note: Text = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    typed = word_form.typed_word(happened, happened_at, received_by, note)
    refusal = word_form.attempt(
        session,
        lambda: handovers.confirm(
            session=session,
            principal=keyring.principal,
            secrets=runtime_of(request).secrets,
            plan_id=plan_id,
            word=word_form.read_word(handovers.HandoverWord, typed),
        ),
    )
    if refusal is not None:
        return _handover_page(request, session, keyring, plan_id, refusal=refusal, typed=typed)
    return RedirectResponse(f"/officer/passage/plans/{plan_id}/handover", status_code=303)


def _custody_page(
    request: Request,
    session: DbSession,
    keyring: SignedIn,
    case_id: str,
    *,
    refusal: HomewardError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    chain = custody.open_chain(session=session, keyring=keyring, case_id=case_id)
    # The next link starts where the last one ends: offer its holder and its end.
    last = chain.entries[-1] if chain.entries else None
    link = chain.handover
    suggested = {
        "received_from": last.held_by if last else (link.holder if link else ""),
        "starts_at": stamp(last.ends_at if last else (link.starts_at if link else None)),
    }
    return render(
        request,
        "handover_custody.html",
        status_code=status_of(refusal) if refusal else 200,
        principal=keyring.principal,
        chain=chain,
        kinds=[(kind, custody.KIND_WORDS[kind]) for kind in CUSTODY_KINDS],
        kind_words=custody.KIND_WORDS,
        refusal=refusal,
        problem=problem(refusal),
        field=getattr(refusal, "field", ""),
        typed=typed or suggested,
    )


@router.get("/cases/{case_id}/custody")
def custody_page(request: Request, session: DbSession, case_id: str, keyring: SignedIn) -> Response:
    return _custody_page(request, session, keyring, case_id)


@router.post("/cases/{case_id}/custody")
def record_custody(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    kind: Annotated[str, Form(max_length=40)] = "",
    held_by: Line = "",
    received_from: Line = "",
    place: Line = "",
    starts_at: Line = "",
    ends_at: Line = "",
    reason: Text = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    typed = {"kind": kind, "held_by": held_by, "received_from": received_from, "place": place,
             "starts_at": starts_at, "ends_at": ends_at, "reason": reason}  # fmt: skip
    try:
        start = required_when(starts_at, "starts_at")
        with session.begin_nested():
            custody.record(
                session=session,
                keyring=keyring,
                secrets=runtime_of(request).secrets,
                case_id=case_id,
                data=custody.CustodyData(
                    kind=kind,
                    held_by=held_by,
                    received_from=received_from,
                    place=place,
                    starts_at=start,
                    ends_at=when(ends_at, "ends_at"),
                    reason=reason,
                ),
            )
    except BadInput as refusal:
        return _custody_page(request, session, keyring, case_id, refusal=refusal, typed=typed)
    return RedirectResponse(f"/officer/cases/{case_id}/custody", status_code=303)


@router.post("/cases/{case_id}/custody/stage")
def custody_stage(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    to: Annotated[str, Form(max_length=20)] = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    try:
        step = STEPS.get(to)
        if step is None:
            raise BadInput("to", "in custody or repatriated")  # noqa: TRY301 - shown on the page
        with session.begin_nested():
            step(
                session=session,
                keyring=keyring,
                secrets=runtime_of(request).secrets,
                case_id=case_id,
            )
    except BadInput as refusal:
        return _custody_page(request, session, keyring, case_id, refusal=refusal)
    return RedirectResponse(f"/officer/cases/{case_id}/custody", status_code=303)
