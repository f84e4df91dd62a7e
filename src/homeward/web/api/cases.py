"""Cases under /api/v1/cases: the same operations as the officer pages, with bearer tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from homeward.cases import consent as case_consent
from homeward.cases import flows as case_flows
from homeward.cases import listing as case_listing
from homeward.cases import release_basis, transfers, transitions, views
from homeward.cases import service as case_service
from homeward.cases.schemas import (
    BasisIn,
    CaseCreateIn,
    CaseFilter,
    CaseOut,
    CasePageOut,
    CaseRowOut,
    ConsentWithdrawIn,
    IdentityChangeIn,
    LabelsIn,
    NoteIn,
    ProtectionIn,
    RefuseIn,
    ReleaseBasisOut,
    ReleaseReviewIn,
    TransferIn,
    TransferOut,
    TransitionIn,
)
from homeward.web.api.deps import ERRORS, Officer, Problem
from homeward.web.case_csv import csv_response
from homeward.web.deps import DbSession, runtime_of

router = APIRouter(prefix="/api/v1", tags=["cases"])
CASE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    400: {"model": Problem, "description": "Bad input; the message names the field"},
    409: {"model": Problem, "description": "Not possible from the case's current state"},
}
Filters = Annotated[CaseFilter, Query()]
"""The list's filters, read the same way by the list and its export."""


def _basis(body: BasisIn | None) -> release_basis.Basis | None:
    if body is None:
        return None
    return release_basis.Basis(
        kind=body.kind,
        given_on=body.consent_given_on,
        how=body.consent_how,
        consent_id=body.consent_id,
        grounds=body.grounds,
    )


def _view(request: Request, session: Session, keyring: Officer, case_id: str) -> CaseOut:
    """The case as it stands, read back in the request's transaction: a change and its
    read-back commit together or not at all."""
    runtime = runtime_of(request)
    return views.case_view(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        case_id=case_id,
    )


@router.get("/cases", operation_id="list_cases", responses=CASE_ERRORS)
def list_cases(
    request: Request,
    session: DbSession,
    *,
    keyring: Officer,
    filters: Filters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> CasePageOut:
    runtime = runtime_of(request)
    query = case_listing.CaseQuery.of(filters, page)
    found = case_listing.list_cases(
        session=session,
        principal=keyring.principal,
        secrets=runtime.secrets,
        settings=runtime.settings,
        query=query,
    )
    return CasePageOut(
        items=[CaseRowOut.model_validate(row) for row in found.rows],
        total=found.total,
        page=found.page,
        page_size=case_listing.PAGE_SIZE,
        counts=found.counts,
        stale_total=found.stale_total,
    )


@router.post("/cases", status_code=201, operation_id="open_case", responses=CASE_ERRORS)
def open_case(
    request: Request, session: DbSession, body: CaseCreateIn, keyring: Officer
) -> CaseOut:
    runtime = runtime_of(request)
    case = case_flows.open_case(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        data=case_service.CaseOpen(
            identity=body.identity.to_identity(),
            conversation_ids=body.conversation_ids,
            labels=body.labels,
            classification=body.classification,
            release=body.release,
            basis=_basis(body.basis),
        ),
    )
    case_id = case.id
    return _view(request, session, keyring, case_id)


@router.get(
    "/cases/export.csv",
    operation_id="export_cases",
    response_class=Response,
    responses={
        **CASE_ERRORS,
        200: {
            "description": "The filtered list as CSV (at most 10,000 rows), audited",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        },
    },
)
def export_cases(
    request: Request,
    session: DbSession,
    *,
    keyring: Officer,
    filters: Filters,
) -> Response:
    """Declared before /cases/{case_id}, which would otherwise take `export.csv` for an id."""
    runtime = runtime_of(request)
    query = case_listing.CaseQuery.of(filters)
    export = case_listing.export_cases(
        session=session,
        principal=keyring.principal,
        secrets=runtime.secrets,
        settings=runtime.settings,
        query=query,
    )
    return csv_response(export, keyring.principal.nation)


@router.get("/cases/{case_id}", operation_id="read_case", responses=CASE_ERRORS)
def read_case(request: Request, session: DbSession, case_id: str, keyring: Officer) -> CaseOut:
    return _view(request, session, keyring, case_id)


@router.post("/cases/{case_id}/stage", operation_id="move_case", responses=CASE_ERRORS)
def move(
    request: Request, session: DbSession, *, case_id: str, body: TransitionIn, keyring: Officer
) -> CaseOut:
    runtime = runtime_of(request)
    transitions.transition(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        case_id=case_id,
        to_stage=body.stage,
        note=body.note,
        verified_by=body.verified_by,
    )
    return _view(request, session, keyring, case_id)


@router.post(
    "/cases/{case_id}/notes",
    status_code=201,
    operation_id="add_case_note",
    responses=CASE_ERRORS,
)
def add_note(
    request: Request, session: DbSession, *, case_id: str, body: NoteIn, keyring: Officer
) -> CaseOut:
    runtime = runtime_of(request)
    transitions.add_note(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        case_id=case_id,
        text=body.text,
    )
    return _view(request, session, keyring, case_id)


@router.put("/cases/{case_id}/identity", operation_id="change_case_identity", responses=CASE_ERRORS)
def change_identity(
    request: Request, session: DbSession, *, case_id: str, body: IdentityChangeIn, keyring: Officer
) -> CaseOut:
    runtime = runtime_of(request)
    case_flows.update_identity(
        session=session,
        principal=keyring.principal,
        secrets=runtime.secrets,
        case_id=case_id,
        identity=body.identity.to_identity(),
        reason=body.reason,
    )
    return _view(request, session, keyring, case_id)


@router.put("/cases/{case_id}/labels", operation_id="change_case_labels", responses=CASE_ERRORS)
def change_labels(
    request: Request, session: DbSession, *, case_id: str, body: LabelsIn, keyring: Officer
) -> CaseOut:
    runtime = runtime_of(request)
    case_service.set_labels_and_assignees(
        session=session,
        principal=keyring.principal,
        secrets=runtime.secrets,
        case_id=case_id,
        labels=body.labels,
        assignee_ids=body.assignee_ids,
    )
    return _view(request, session, keyring, case_id)


@router.put(
    "/cases/{case_id}/protection", operation_id="change_case_protection", responses=CASE_ERRORS
)
def change_protection(
    request: Request, session: DbSession, *, case_id: str, body: ProtectionIn, keyring: Officer
) -> CaseOut:
    runtime = runtime_of(request)
    case_flows.set_protection(
        session=session,
        principal=keyring.principal,
        secrets=runtime.secrets,
        settings=runtime.settings,
        case_id=case_id,
        classification=body.classification,
        release=body.release,
        reason=body.reason,
        basis=_basis(body.basis),
    )
    return _view(request, session, keyring, case_id)


@router.post(
    "/cases/{case_id}/transfer",
    status_code=201,
    operation_id="request_case_transfer",
    responses=CASE_ERRORS,
)
def request_transfer(
    request: Request, session: DbSession, *, case_id: str, body: TransferIn, keyring: Officer
) -> CaseOut:
    runtime = runtime_of(request)
    transfers.request_transfer(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        case_id=case_id,
        to_nation=body.to_nation,
        reason=body.reason,
        basis=_basis(body.basis),
    )
    return _view(request, session, keyring, case_id)


@router.get("/transfers", operation_id="list_incoming_transfers", responses=CASE_ERRORS)
def incoming(request: Request, session: DbSession, keyring: Officer) -> list[TransferOut]:
    runtime = runtime_of(request)
    waiting = transfers.incoming(
        session=session, principal=keyring.principal, secrets=runtime.secrets
    )
    return [TransferOut.model_validate(item) for item in waiting]


@router.post(
    "/transfers/{transfer_id}/accept", operation_id="accept_case_transfer", responses=CASE_ERRORS
)
def accept(request: Request, session: DbSession, transfer_id: str, keyring: Officer) -> CaseOut:
    runtime = runtime_of(request)
    case = case_flows.accept_transfer(
        session=session, keyring=keyring, secrets=runtime.secrets, transfer_id=transfer_id
    )
    case_id = case.id
    return _view(request, session, keyring, case_id)


@router.post(
    "/transfers/{transfer_id}/refuse",
    status_code=204,
    operation_id="refuse_case_transfer",
    responses=CASE_ERRORS,
)
def refuse(
    request: Request, session: DbSession, *, transfer_id: str, body: RefuseIn, keyring: Officer
) -> Response:
    runtime = runtime_of(request)
    transfers.refuse_transfer(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        transfer_id=transfer_id,
        reason=body.reason,
    )
    return Response(status_code=204)


@router.get(
    "/cases/{case_id}/releases", operation_id="list_case_release_bases", responses=CASE_ERRORS
)
def release_bases(
    request: Request, session: DbSession, case_id: str, keyring: Officer
) -> list[ReleaseBasisOut]:
    """Each nation the case went to and on what basis; for the owning desk only."""
    found = case_consent.bases(session=session, keyring=keyring, case_id=case_id)
    return [ReleaseBasisOut.model_validate(view) for view in found]


@router.post(
    "/cases/{case_id}/consents/{consent_id}/withdraw",
    operation_id="withdraw_case_consent",
    responses=CASE_ERRORS,
)
def withdraw_consent(
    request: Request,
    session: DbSession,
    *,
    case_id: str,
    consent_id: str,
    body: ConsentWithdrawIn,
    keyring: Officer,
) -> list[ReleaseBasisOut]:
    """Record the withdrawal; the releases that rested on it are flagged for review."""
    runtime = runtime_of(request)
    case_consent.withdraw(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        case_id=case_id,
        consent_id=consent_id,
        how=body.how,
    )
    found = case_consent.bases(session=session, keyring=keyring, case_id=case_id)
    return [ReleaseBasisOut.model_validate(view) for view in found]


@router.post(
    "/cases/{case_id}/releases/{basis_id}/review",
    operation_id="review_case_release",
    responses=CASE_ERRORS,
)
def review_release(
    request: Request,
    session: DbSession,
    *,
    case_id: str,
    basis_id: str,
    body: ReleaseReviewIn,
    keyring: Officer,
) -> list[ReleaseBasisOut]:
    """A supervisor keeps a flagged release on another basis, or removes the nation."""
    runtime = runtime_of(request)
    case_consent.review(
        session=session,
        principal=keyring.principal,
        secrets=runtime.secrets,
        settings=runtime.settings,
        case_id=case_id,
        basis_id=basis_id,
        decision=body.decision,
        reason=body.reason,
        basis=_basis(body.basis),
    )
    found = case_consent.bases(session=session, keyring=keyring, case_id=case_id)
    return [ReleaseBasisOut.model_validate(view) for view in found]
