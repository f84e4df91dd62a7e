"""Debrief reports under /api/v1/debrief: the reports an officer may open, writing one on a case
of the desk, opening one (audited), widening and narrowing its release, sanitising it, and the
STIX 2.1 exchange (export signed, import checked). The same services and policy as the pages
and the command line; a refusal names the field or the bundle's fault."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.cases import release_basis
from homeward.cases.schemas import BasisIn
from homeward.debrief import releases, stix
from homeward.debrief import service as debrief
from homeward.debrief.schemas import (
    ENTRIES_MAX,
    ENTRY_NAME_MAX,
    ENTRY_TEXT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Entry,
    ReportDraft,
    Sanitising,
)
from homeward.web.api.deps import ERRORS, Officer
from homeward.web.deps import DbSession, runtime_of

router = APIRouter(prefix="/api/v1/debrief", tags=["debrief"])
Level = Annotated[int, Field(ge=0, le=3)]
Nations = Annotated[list[Annotated[str, Field(max_length=3)]], Field(max_length=20)]
Words = Annotated[list[Annotated[str, Field(max_length=32)]], Field(max_length=20)]
Reason = Annotated[str, Field(max_length=2000)]


class EntryIO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=ENTRY_NAME_MAX)
    description: str = Field(default="", max_length=ENTRY_TEXT_MAX)
    country: str = Field(default="", max_length=2, description="A place's country (IQ, SY)")


Section = Annotated[list[EntryIO], Field(max_length=ENTRIES_MAX)]


class SectionsIO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    people: Section = []
    places: Section = []
    events: Section = []
    organisations: Section = []
    methods: Section = []


class LevelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    people: Level | None = None
    places: Level | None = None
    events: Level | None = None
    organisations: Level | None = None
    methods: Level | None = None


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=TITLE_MAX)
    session_on: date
    subject: str = Field(max_length=ENTRY_NAME_MAX, description="The debriefed person")
    sections: SectionsIO = SectionsIO()
    text: str = Field(default="", max_length=TEXT_MAX)
    classification: Level = 1
    release: Nations = []
    caveats: Words = []
    reader_roles: Words | None = None
    section_levels: LevelsIn = LevelsIn()
    subject_released: bool = False
    basis: BasisIn | None = None


class ReleaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nations: Nations
    reason: Reason
    basis: BasisIn | None = None


class NarrowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nations: Nations
    reason: Reason


class SanitiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    classification: Level
    release: Nations
    reason: Reason
    caveats: Words | None = None
    drop: Words = []
    text: str | None = Field(default=None, max_length=TEXT_MAX)
    subject_released: bool = False
    basis: BasisIn | None = None


class SummaryOut(BaseModel):
    id: str
    case_id: str | None
    title: str
    session_on: date
    debriefer: str
    owner_nation: str
    classification: int
    release: list[str]
    caveats: list[str]
    reader_roles: list[str]
    origin: str
    source_id: str | None
    created_at: datetime


class ReleaseOut(BaseModel):
    action: str
    nations: list[str]
    basis_kind: str | None
    reason: str
    decided_by: str
    decided_at: datetime


class ReportOut(SummaryOut):
    subject: str | None
    sections: SectionsIO
    section_levels: dict[str, int]
    text: str
    withheld: list[str]
    releases: list[ReleaseOut]


class BundleIO(BaseModel):
    """A STIX 2.1 bundle with the Ed25519 signature of the nation that owns its report."""

    bundle: dict[str, Any]
    signer: str = Field(max_length=3)
    signature: str = Field(max_length=256)


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


def _entries(section: list[EntryIO]) -> list[Entry]:
    return [Entry(e.name, e.description, e.country) for e in section]


def _sections(body: SectionsIO) -> dict[str, list[Entry]]:
    return {name: _entries(getattr(body, name)) for name in SectionsIO.model_fields}


def _report(session: Session, request: Request, keyring: Keyring, report_id: str) -> ReportOut:
    opened = debrief.open_report(
        session=session, keyring=keyring, secrets=runtime_of(request).secrets, report_id=report_id
    )
    return ReportOut(
        **vars(opened.summary),
        subject=opened.subject,
        sections=SectionsIO(
            **{
                name: [EntryIO(**vars(entry)) for entry in entries]
                for name, entries in opened.sections.items()
            }
        ),
        section_levels=opened.section_levels,
        text=opened.text,
        withheld=opened.withheld,
        releases=[ReleaseOut(**vars(view)) for view in opened.releases],
    )


@router.get("/reports", operation_id="list_debriefs", responses=ERRORS)
def list_reports(
    request: Request,
    session: DbSession,
    keyring: Officer,
    *,
    case_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=debrief.PAGE_MAX)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[SummaryOut]:
    """The reports this officer may open (of one case when named), newest session first, a
    page at a time; nothing else is listed."""
    found = debrief.reports(
        session=session,
        secrets=runtime_of(request).secrets,
        principal=keyring.principal,
        case_id=case_id,
        limit=limit,
        offset=offset,
    )
    return [SummaryOut(**vars(report)) for report in found]


@router.post(
    "/cases/{case_id}/reports", status_code=201, operation_id="write_debrief", responses=ERRORS
)
def write_report(
    request: Request, session: DbSession, case_id: str, body: ReportIn, keyring: Officer
) -> ReportOut:
    runtime = runtime_of(request)
    levels = {k: v for k, v in body.section_levels.model_dump().items() if v is not None}
    report = debrief.write(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        case_id=case_id,
        draft=ReportDraft(
            title=body.title,
            session_on=body.session_on,
            subject=body.subject,
            sections=_sections(body.sections),
            text=body.text,
            classification=body.classification,
            release=list(body.release),
            caveats=list(body.caveats),
            reader_roles=None if body.reader_roles is None else list(body.reader_roles),
            section_levels=levels,
            subject_released=body.subject_released,
            basis=_basis(body.basis),
        ),
    )
    return _report(session, request, keyring, report.id)


@router.get("/reports/{report_id}", operation_id="open_debrief", responses=ERRORS)
def open_report(
    request: Request, session: DbSession, report_id: str, keyring: Officer
) -> ReportOut:
    """The report, each read in the audit log; the subject only where the release says so."""
    return _report(session, request, keyring, report_id)


@router.post("/reports/{report_id}/release", operation_id="widen_debrief", responses=ERRORS)
def widen(
    request: Request, session: DbSession, report_id: str, body: ReleaseIn, keyring: Officer
) -> ReportOut:
    """A supervisor of the owning nation releases the report to more nations, on a basis."""
    runtime = runtime_of(request)
    releases.widen(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        report_id=report_id,
        nations=list(body.nations),
        reason=body.reason,
        basis=_basis(body.basis),
    )
    return _report(session, request, keyring, report_id)


@router.post("/reports/{report_id}/narrow", operation_id="narrow_debrief", responses=ERRORS)
def narrow(
    request: Request, session: DbSession, report_id: str, body: NarrowIn, keyring: Officer
) -> ReportOut:
    releases.narrow(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        report_id=report_id,
        nations=list(body.nations),
        reason=body.reason,
    )
    return _report(session, request, keyring, report_id)


@router.post(
    "/reports/{report_id}/sanitise",
    status_code=201,
    operation_id="sanitise_debrief",
    responses=ERRORS,
)
def sanitise(
    request: Request, session: DbSession, report_id: str, body: SanitiseIn, keyring: Officer
) -> ReportOut:
    """A new report at a lower level or a wider release, linked to this one (left unchanged)."""
    runtime = runtime_of(request)
    derived = debrief.sanitise(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        report_id=report_id,
        data=Sanitising(
            classification=body.classification,
            release=list(body.release),
            reason=body.reason,
            caveats=None if body.caveats is None else list(body.caveats),
            drop=list(body.drop),
            text=body.text,
            subject_released=body.subject_released,
            basis=_basis(body.basis),
        ),
    )
    return _report(session, request, keyring, derived.id)


@router.get("/reports/{report_id}/stix", operation_id="export_debrief", responses=ERRORS)
def export(request: Request, session: DbSession, report_id: str, keyring: Officer) -> BundleIO:
    """The report as a signed STIX 2.1 bundle (audited)."""
    runtime = runtime_of(request)
    signed = stix.export_report(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        report_id=report_id,
    )
    return BundleIO(**signed.document())


@router.post(
    "/cases/{case_id}/stix", status_code=201, operation_id="import_debrief", responses=ERRORS
)
def import_(
    request: Request, session: DbSession, case_id: str, body: BundleIO, keyring: Officer
) -> ReportOut:
    """A partner's signed bundle as a report owned by its signer, on a case of this desk."""
    runtime = runtime_of(request)
    report = stix.import_bundle(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        case_id=case_id,
        signed=stix.SignedBundle(body.bundle, body.signer, body.signature),
    )
    return _report(session, request, keyring, report.id)
