"""Identity under /api/v1: "who might this be" for a case or for a report typed in, reports
added one by one or as a registry file, and officers' decisions on pairs. Thin: each route
calls one identity service in one transaction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from homeward.cases import flows as case_flows
from homeward.identity import decisions
from homeward.identity import imports as identity_imports
from homeward.identity import search as identity_search
from homeward.identity import service as identity_service
from homeward.identity.schemas import (
    CandidatesOut,
    CaseDecisionIn,
    DecisionIn,
    DecisionOut,
    ImportIn,
    ImportOut,
    ReportIn,
    ReportOut,
    SearchIn,
)
from homeward.linkage import reports as reports_file
from homeward.web.api.deps import ERRORS, Officer, Problem
from homeward.web.deps import DbSession, runtime_of

router = APIRouter(prefix="/api/v1", tags=["identity"])
IDENTITY_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    400: {"model": Problem, "description": "Bad input; the message names the field (and line)"},
    409: {"model": Problem, "description": "The pair was already decided, or is one person"},
}
CASE_IDENTITY = "/cases/{case_id}/identity"


def _decided(made: decisions.Decided) -> DecisionOut:
    return DecisionOut(
        id=made.id,
        decision=made.decision,
        left_report_id=made.left_report_id,
        right_report_id=made.right_report_id,
        person_id=made.person_id,
    )


@router.get(
    CASE_IDENTITY + "/candidates",
    operation_id="case_identity_candidates",
    responses=IDENTITY_ERRORS,
)
def case_candidates(
    request: Request,
    session: DbSession,
    case_id: str,
    keyring: Officer,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> CandidatesOut:
    """Who might this case's person be: persons ranked by match probability, with the evidence
    field by field. Only reports the officer may see are searched; audited."""
    runtime = runtime_of(request)
    found = case_flows.case_candidates(
        session=session,
        secrets=runtime.secrets,
        principal=keyring.principal,
        case_id=case_id,
        limit=limit,
    )
    return CandidatesOut.of(found.found)


@router.put(
    CASE_IDENTITY + "/report", operation_id="index_case_identity", responses=IDENTITY_ERRORS
)
def index_case(request: Request, session: DbSession, case_id: str, keyring: Officer) -> ReportOut:
    """Add the case's claimed identity to the index (or bring its report up to date)."""
    runtime = runtime_of(request)
    view = case_flows.index_case(
        session=session, secrets=runtime.secrets, principal=keyring.principal, case_id=case_id
    )
    return ReportOut.of(view)


@router.post(
    CASE_IDENTITY + "/decisions",
    status_code=201,
    operation_id="decide_case_identity",
    responses=IDENTITY_ERRORS,
)
def decide_for_case(
    request: Request, session: DbSession, case_id: str, body: CaseDecisionIn, keyring: Officer
) -> DecisionOut:
    """Confirm or reject that a proposed report is this case's person; a case event."""
    runtime = runtime_of(request)
    made = case_flows.decide_for_case(
        session=session,
        secrets=runtime.secrets,
        principal=keyring.principal,
        case_id=case_id,
        report_id=body.report_id,
        decision=body.decision,
        reason=body.reason,
    )
    return _decided(made)


@router.post("/identity/search", operation_id="search_identity", responses=IDENTITY_ERRORS)
def search(request: Request, session: DbSession, body: SearchIn, keyring: Officer) -> CandidatesOut:
    """Who might this be, for a report typed in and not stored."""
    report = identity_service.checked_report(body.report.as_row("query"))
    runtime = runtime_of(request)
    found = identity_search.who_might_this_be(
        session=session,
        secrets=runtime.secrets,
        principal=keyring.principal,
        report=report,
        limit=body.limit,
    )
    return CandidatesOut.of(found)


@router.post(
    "/identity/reports",
    status_code=201,
    operation_id="add_identity_report",
    responses=IDENTITY_ERRORS,
)
def add_report(request: Request, session: DbSession, body: ReportIn, keyring: Officer) -> ReportOut:
    """A report typed by an officer, owned by the officer's nation: a new person."""
    report = identity_service.checked_report(body.report.as_row("typed"))
    runtime = runtime_of(request)
    view = identity_service.add_report(
        session=session,
        secrets=runtime.secrets,
        settings=runtime.settings,
        principal=keyring.principal,
        report=report,
        protection=identity_service.Protection(body.classification, body.release),
    )
    return ReportOut.of(view)


@router.post(
    "/identity/imports",
    status_code=201,
    operation_id="import_identity_registry",
    responses=IDENTITY_ERRORS,
)
def import_registry(
    request: Request, session: DbSession, body: ImportIn, keyring: Officer
) -> ImportOut:
    """A registry in the exchange format, all or nothing: every bad row is named by line and
    field, and nothing is imported while one is."""
    reports = reports_file.read_csv(body.csv)
    runtime = runtime_of(request)
    result = identity_imports.import_reports(
        session=session,
        secrets=runtime.secrets,
        settings=runtime.settings,
        principal=keyring.principal,
        reports=reports,
        protection=identity_service.Protection(body.classification, body.release),
        workers=1,
    )
    return ImportOut(import_id=result.import_id, imported=result.imported)


@router.post(
    "/identity/decisions",
    status_code=201,
    operation_id="decide_identity",
    responses=IDENTITY_ERRORS,
)
def decide(request: Request, session: DbSession, body: DecisionIn, keyring: Officer) -> DecisionOut:
    """Confirm or reject that two reports are one person (the officer's nation owns one)."""
    runtime = runtime_of(request)
    made = case_flows.decide(
        session=session,
        secrets=runtime.secrets,
        principal=keyring.principal,
        report_id=body.report_id,
        other_report_id=body.other_report_id,
        decision=body.decision,
        reason=body.reason,
    )
    return _decided(made)
