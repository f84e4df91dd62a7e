"""Person reports in the database: the code that adds reports (typed by officers, a case's
claimed identity) and reads one. Decisions on pairs are in decisions.py. Every read of
identity data and every change leaves an audit entry in the caller's transaction; services
flush, never commit.

Registry imports are in imports.py, "who might this be" in search.py."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.audit import service as audit
from homeward.core.db import new_id, utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.identity import index
from homeward.identity.models import (
    Person,
    ReportKey,
    StoredReport,
)
from homeward.linkage.normalise import NormalisedReport, normalise
from homeward.linkage.reports import PersonReport, parse_row
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy import protection as protection_rule
from homeward.policy.labels import Classification, decode_release

REGISTRY, OFFICER, CASE = "registry", "officer", "case"
BATCH = 5000
PARALLEL_FROM = 20_000
REPORT_COLUMNS = (
    "id",
    "person_id",
    "source",
    "record_hash",
    "import_id",
    "created_at",
    "created_by",
    "sealed",
    "owner_nation",
    "classification",
    "release",
)
"""Fewer reports than this are prepared in process: starting workers would cost more."""


@dataclass(frozen=True)
class ReportView:
    """A stored report as an officer sees it."""

    id: str
    person_id: str
    source: str
    owner_nation: str
    classification: int
    release: list[str]
    case_id: str | None
    created_at: datetime
    report: PersonReport


@dataclass(frozen=True)
class Protection:
    classification: int = int(Classification.RESTRICTED)
    release: list[str] = field(default_factory=list)


def view_of(keys: index.Keys, row: StoredReport) -> ReportView:
    report, _normalised = index.open_payload(keys, row.sealed)
    return report_view(row, report)


def report_view(row: StoredReport, report: PersonReport) -> ReportView:
    return ReportView(
        id=row.id,
        person_id=row.person_id,
        source=row.source,
        owner_nation=row.owner_nation,
        classification=row.classification,
        release=decode_release(row.release),
        case_id=row.case_id,
        created_at=row.created_at,
        report=report,
    )


def record_audit(
    session: Session, principal: policy.Principal, action: str, kind: str, record_id: str
) -> None:
    audit.record(
        session=session,
        actor=principal.audit_name,
        action=action,
        resource_type=kind,
        resource_id=record_id,
        nation=principal.nation,
    )


# Adding reports -------------------------------------------------------------------------------


def checked_report(values: dict[str, str]) -> PersonReport:
    """A report typed by an officer, checked like a file's row: the first problem names its
    field."""
    report, problems = parse_row(values)
    if problems:
        raise problems[0]
    names = (report.given_name, report.family_name, report.full_name, report.name_arabic)
    if not any(names) and not report.aliases:
        raise BadInput("family_name", "give at least one name or alias")
    return report


def protection_release(
    session: Session, settings: Settings, principal: policy.Principal, protection: Protection
) -> str:
    return protection_rule.check_protection(
        settings=settings,
        principal=principal,
        desks=accounts_service.coalition(session=session),
        owner=principal.nation,
        classification=protection.classification,
        release=protection.release,
    )


def _new_row(
    keys: index.Keys,
    *,
    report: PersonReport,
    normalised: NormalisedReport,
    source: str,
    owner: str,
    classification: int,
    release: str,
    record: bytes,
    created_by: str | None,
    case_id: str | None = None,
) -> StoredReport:
    now = utcnow()
    return StoredReport(
        id=new_id(),
        person_id=new_id(),
        source=source,
        record_hash=record,
        case_id=case_id,
        created_at=now,
        created_by=created_by,
        sealed=index.seal_payload(keys, report, normalised),
        owner_nation=owner,
        classification=classification,
        release=release,
    )


def _store_one(
    session: Session, keys: index.Keys, row: StoredReport, normalised: NormalisedReport
) -> None:
    session.add(Person(id=row.person_id, created_at=row.created_at))
    session.flush()
    session.add(row)
    session.flush()
    hashes = index.key_hashes(keys, normalised)
    if hashes:
        session.execute(insert(ReportKey), [{"key_hash": h, "report_id": row.id} for h in hashes])


def add_report(
    *,
    session: Session,
    secrets: ServerSecrets,
    settings: Settings,
    principal: policy.Principal,
    report: PersonReport,
    protection: Protection,
) -> ReportView:
    """A report typed by an officer (from a conversation, a call): a new person of its own."""
    policy.require_permission(principal, roles.IDENTITY_IMPORT)
    binding.bind(session, principal)
    release = protection_release(session, settings, principal, protection)
    keys = index.Keys.of(secrets)
    report = replace(report, person_id="")
    normalised = normalise(report)
    row = _new_row(
        keys,
        report=report,
        normalised=normalised,
        source=OFFICER,
        owner=principal.nation,
        classification=protection.classification,
        release=release,
        record=index.record_hash(keys, OFFICER, principal.nation, new_id()),
        created_by=principal.officer_id,
    )
    _store_one(session, keys, row, normalised)
    record_audit(session, principal, "identity:report:create", "person_report", row.id)
    return report_view(row, report)


class CaseRecord(Protocol):
    """What the index reads of a case: which case, and the labels its report carries. A case
    of the case capability is one; identity does not import it."""

    @property
    def id(self) -> str: ...

    @property
    def owner_nation(self) -> str: ...

    @property
    def classification(self) -> int: ...

    @property
    def release(self) -> str: ...


def case_row(session: Session, case_id: str) -> StoredReport | None:
    return session.scalar(select(StoredReport).where(StoredReport.case_id == case_id))


def index_case(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case: CaseRecord,
    report: PersonReport,
) -> ReportView:
    """Add a case's claimed identity (`report`, as `cases.flows` reads it) to the index, or
    bring its report up to date with the case (identity and labels). Only the owning desk does
    this; the caller (`cases.flows`) has fetched the case through the case service, which
    checked the officer may edit it."""
    policy.require_permission(principal, roles.IDENTITY_IMPORT)
    if case.owner_nation != principal.nation:
        raise NotFound("case")
    keys = index.Keys.of(secrets)
    normalised = normalise(report)
    with binding.unfiltered(session, "the case's own report, after the case check above"):
        row = case_row(session, case.id)  # labels may lag the case's (a transfer)
    if row is None:
        row = _new_row(
            keys,
            report=report,
            normalised=normalised,
            source=CASE,
            owner=case.owner_nation,
            classification=case.classification,
            release=case.release,
            record=index.record_hash(keys, CASE, "", case.id),
            created_by=principal.officer_id,
            case_id=case.id,
        )
        _store_one(session, keys, row, normalised)
        record_audit(session, principal, "identity:report:create", "person_report", row.id)
        return report_view(row, report)
    old_report, old_keys = index.open_payload(keys, row.sealed)
    labels = (case.owner_nation, case.classification, case.release)
    if (old_report, old_keys) == (report, normalised) and labels == (
        row.owner_nation,
        row.classification,
        row.release,
    ):
        return report_view(row, report)
    old_hashes = set(index.key_hashes(keys, old_keys))
    new_hashes = set(index.key_hashes(keys, normalised))
    for gone in old_hashes - new_hashes:
        session.execute(
            delete(ReportKey).where(ReportKey.key_hash == gone, ReportKey.report_id == row.id)
        )
    if added := sorted(new_hashes - old_hashes):
        session.execute(insert(ReportKey), [{"key_hash": h, "report_id": row.id} for h in added])
    row.sealed = index.seal_payload(keys, report, normalised)
    row.owner_nation, row.classification, row.release = labels
    session.flush()
    record_audit(session, principal, "identity:report:update", "person_report", row.id)
    return report_view(row, report)


def get_report(
    *, session: Session, secrets: ServerSecrets, principal: policy.Principal, report_id: str
) -> ReportView:
    """One report, if the officer may see it (NotFound as if it did not exist); audited."""
    policy.require_permission(principal, roles.IDENTITY_READ)
    binding.bind(session, principal)
    row = session.get(StoredReport, report_id)
    policy.check(principal, roles.IDENTITY_READ, row, "report")
    assert row is not None  # noqa: S101 - policy.check raised otherwise
    record_audit(session, principal, "identity:report:read", "person_report", row.id)
    return view_of(index.Keys.of(secrets), row)
