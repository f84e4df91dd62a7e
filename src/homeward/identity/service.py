"""Person reports in the database and "who might this be": the only code that adds reports
(registry imports, reports typed by officers, a case's claimed identity) and that searches
them. Decisions on pairs are in decisions.py. Every read of identity data and every change
leaves an audit entry in the caller's transaction; services flush, never commit.

For the benchmark: `who_might_this_be(session=..., secrets=..., principal=..., report=...)`
is the online query, and `import_reports(...)` the bulk loader (about a million reports in a
few minutes: keys are derived in worker processes and rows written in batches)."""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from multiprocessing import get_context

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from homeward.audit import service as audit
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.core.db import new_id, utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.identity import bulk, index
from homeward.identity.db_models import (
    IdentityDecision,
    IdentityImport,
    Person,
    ReportKey,
    StoredReport,
)
from homeward.identity.features import features
from homeward.identity.model import LinkageModel, PairScore
from homeward.identity.normalise import NormalisedReport, normalise
from homeward.identity.reports import PersonReport, ReportsRefused, parse_row
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy.labels import Classification, decode_release

binding.protect(StoredReport, roles.IDENTITY_READ)

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
class Candidate:
    """One person who might be the query: the best-scoring of their reports and its evidence."""

    person_id: str
    report: ReportView
    score: PairScore
    other_reports: list[ReportView] = field(default_factory=list)

    @property
    def probability(self) -> float:
        return self.score.probability


@dataclass(frozen=True)
class Candidates:
    query: ReportView | None
    """The stored report searched for, if the query is stored (a case added to the index)."""
    candidates: list[Candidate]
    looked_at: int
    """Reports decrypted and scored."""
    skipped_keys: int


@dataclass(frozen=True)
class Protection:
    classification: int = int(Classification.RESTRICTED)
    release: list[str] = field(default_factory=list)


def view_of(keys: index.Keys, row: StoredReport) -> ReportView:
    report, _normalised = index.open_payload(keys, row.sealed)
    return _view(row, report)


def _view(row: StoredReport, report: PersonReport) -> ReportView:
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


def _audit(
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


def _protection(
    session: Session, settings: Settings, principal: policy.Principal, protection: Protection
) -> str:
    return case_service.check_protection(
        session=session,
        settings=settings,
        principal=principal,
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
    release = _protection(session, settings, principal, protection)
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
    _audit(session, principal, "identity:report:create", "person_report", row.id)
    return _view(row, report)


def case_report(report_id: str, identity: ClaimedIdentity) -> PersonReport:
    """A case's claimed identity in the exchange format."""
    return PersonReport(
        record_id=report_id,
        given_name=identity.given_names,
        family_name=identity.family_name,
        aliases=tuple(identity.aliases),
        dob=identity.date_of_birth,
        place_of_birth=identity.place_of_birth,
        nationality=tuple(identity.nationalities),
    )


def _case_row(session: Session, case_id: str) -> StoredReport | None:
    return session.scalar(select(StoredReport).where(StoredReport.case_id == case_id))


def index_case(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case_id: str,
) -> ReportView:
    """Add a case's claimed identity to the index, or bring its report up to date with the
    case (identity and labels). Only the owning desk does this."""
    policy.require_permission(principal, roles.IDENTITY_IMPORT)
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_EDIT
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")
    keys = index.Keys.of(secrets)
    report = case_report(case.reference, case_service.identity_of(secrets, case))
    normalised = normalise(report)
    row = _case_row(session, case.id)
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
        _audit(session, principal, "identity:report:create", "person_report", row.id)
        return _view(row, report)
    old_report, old_keys = index.open_payload(keys, row.sealed)
    labels = (case.owner_nation, case.classification, case.release)
    if (old_report, old_keys) == (report, normalised) and labels == (
        row.owner_nation,
        row.classification,
        row.release,
    ):
        return _view(row, report)
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
    _audit(session, principal, "identity:report:update", "person_report", row.id)
    return _view(row, report)


# Bulk import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    import_id: str
    imported: int


@dataclass(frozen=True)
class _Prepared:
    sealed: bytes
    hashes: list[bytes]


def _prepare(task: tuple[index.Keys, list[PersonReport]]) -> list[_Prepared]:
    """Keys, index hashes and the sealed payload of a chunk (in a worker process at scale)."""
    keys, reports = task
    prepared = []
    for report in reports:
        normalised = normalise(report)
        prepared.append(
            _Prepared(
                index.seal_payload(keys, report, normalised), index.key_hashes(keys, normalised)
            )
        )
    return prepared


def _chunks(items: Sequence[PersonReport], size: int) -> Iterator[list[PersonReport]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _prepared_batches(
    keys: index.Keys, reports: Sequence[PersonReport], workers: int
) -> Iterator[list[_Prepared]]:
    """Batches in input order; at most two batches per worker in flight, so memory stays flat."""
    if workers <= 1 or len(reports) < PARALLEL_FROM:
        for chunk in _chunks(reports, BATCH):
            yield _prepare((keys, chunk))
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("forkserver")) as pool:
        pending = []
        for chunk in _chunks(reports, BATCH):
            pending.append(pool.submit(_prepare, (keys, chunk)))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def _refuse_duplicates(
    session: Session, reports: Sequence[PersonReport], records: list[bytes]
) -> None:
    """Each record once in the file and once in the index; lines as in the file (1 = header)."""
    problems: list[str] = []
    first: dict[bytes, int] = {}
    for position, (report, record) in enumerate(zip(reports, records, strict=True)):
        line = position + 2
        if record in first:
            problems.append(
                f"line {line}, record_id: {report.record_id!r} already on line {first[record]}"
            )
        else:
            first[record] = line
    table = StoredReport.__table__
    for start in range(0, len(records), 1000):
        chunk = records[start : start + 1000]
        for (existing,) in session.execute(
            select(table.c.record_hash).where(table.c.record_hash.in_(chunk))
        ):
            line = first[bytes(existing)]
            problems.append(
                f"line {line}, record_id: {reports[line - 2].record_id!r} is already imported"
            )
    if problems:
        raise ReportsRefused(sorted(problems, key=lambda text: int(text.split()[1].rstrip(","))))


def import_reports(
    *,
    session: Session,
    secrets: ServerSecrets,
    settings: Settings,
    principal: policy.Principal,
    reports: Sequence[PersonReport],
    protection: Protection,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> ImportResult:
    """A national registry, already validated (`reports.read_reports`), all or nothing: each
    report becomes a new person of its own, owned by the officer's nation. Record ids already
    imported are refused by line, and nothing is stored. `workers` processes derive the keys
    (default: one per CPU for large files)."""
    policy.require_permission(principal, roles.IDENTITY_IMPORT)
    binding.bind(session, principal)
    release = _protection(session, settings, principal, protection)
    if not reports:
        raise BadInput("file", "has no report in it")
    keys = index.Keys.of(secrets)
    owner = principal.nation
    records = [index.record_hash(keys, REGISTRY, owner, report.record_id) for report in reports]
    _refuse_duplicates(session, reports, records)
    imported = IdentityImport(
        nation=owner, officer_id=principal.officer_id or None, created_at=utcnow()
    )
    session.add(imported)
    session.flush()
    clean = [replace(report, person_id="") for report in reports]
    position = 0
    stamp = bulk.timestamp(session, utcnow())
    with bulk.large_cache(session):
        for batch in _prepared_batches(keys, clean, workers or os.cpu_count() or 1):
            persons: list[tuple[object, ...]] = []
            rows: list[tuple[object, ...]] = []
            key_rows: list[tuple[object, ...]] = []
            for prepared in batch:
                report_id, person_id = new_id(), new_id()
                persons.append((person_id, stamp))
                rows.append(
                    (
                        report_id,
                        person_id,
                        REGISTRY,
                        records[position],
                        imported.id,
                        stamp,
                        principal.officer_id or None,
                        prepared.sealed,
                        owner,
                        protection.classification,
                        release,
                    )
                )
                key_rows.extend((h, report_id) for h in prepared.hashes)
                position += 1
            bulk.write(session, "person", ("id", "created_at"), persons)
            bulk.write(session, "person_report", REPORT_COLUMNS, rows)
            key_rows.sort()
            bulk.write(session, "person_report_key", ("key_hash", "report_id"), key_rows)
            if progress is not None:
                progress(len(batch))
    imported.report_count = position
    session.flush()
    _audit(session, principal, "identity:import", "identity_import", imported.id)
    return ImportResult(imported.id, position)


# Reading and searching ------------------------------------------------------------------------


def get_report(
    *, session: Session, secrets: ServerSecrets, principal: policy.Principal, report_id: str
) -> ReportView:
    """One report, if the officer may see it (NotFound as if it did not exist); audited."""
    policy.require_permission(principal, roles.IDENTITY_READ)
    binding.bind(session, principal)
    row = session.get(StoredReport, report_id)
    policy.check(principal, roles.IDENTITY_READ, row, "report")
    assert row is not None  # noqa: S101 - policy.check raised otherwise
    _audit(session, principal, "identity:report:read", "person_report", row.id)
    return view_of(index.Keys.of(secrets), row)


def _rejected_persons(session: Session, person_id: str) -> set[str]:
    """Persons an officer said this person is not: never proposed again."""
    reports, decisions = StoredReport.__table__, IdentityDecision.__table__
    own = select(reports.c.id).where(reports.c.person_id == person_id)
    pairs = session.execute(
        select(decisions.c.left_report_id, decisions.c.right_report_id).where(
            decisions.c.decision == "reject",
            decisions.c.left_report_id.in_(own) | decisions.c.right_report_id.in_(own),
        )
    ).all()
    if not pairs:
        return set()
    mine = set(session.scalars(own))
    others = {report_id for pair in pairs for report_id in pair} - mine
    return set(session.scalars(select(reports.c.person_id).where(reports.c.id.in_(others))))


def _digest(ids: Iterable[str]) -> bytes:
    return hashlib.sha256(",".join(sorted(ids)).encode()).digest()


def _search(
    session: Session,
    keys: index.Keys,
    principal: policy.Principal,
    normalised: NormalisedReport,
    *,
    query: StoredReport | None,
    limit: int,
    model: LinkageModel | None,
) -> Candidates:
    if not 1 <= limit <= 50:
        raise BadInput("limit", "between 1 and 50")
    binding.bind(session, principal)
    excluded: set[str] = set()
    if query is not None:
        excluded = {query.person_id, *_rejected_persons(session, query.person_id)}
    found = index.lookup(
        session,
        index.key_hashes(keys, normalised),
        exclude=[query.id] if query is not None else [],
    )
    rows = (
        list(session.scalars(select(StoredReport).where(StoredReport.id.in_(found.report_ids))))
        if found.report_ids
        else []
    )
    scorer = (model or index.linkage_model()) if rows else None
    query_row = features(normalised)
    best: dict[str, tuple[PairScore, ReportView]] = {}
    others: dict[str, list[ReportView]] = {}
    for row in rows:
        if row.person_id in excluded:
            continue
        report, candidate_keys = index.open_payload(keys, row.sealed)
        assert scorer is not None  # noqa: S101 - loaded above whenever there are rows
        score = scorer.score_rows(query_row, features(candidate_keys))
        view = _view(row, report)
        kept = best.get(row.person_id)
        if kept is None or score.match_weight > kept[0].match_weight:
            if kept is not None:
                others.setdefault(row.person_id, []).append(kept[1])
            best[row.person_id] = (score, view)
        else:
            others.setdefault(row.person_id, []).append(view)
    ranked = sorted(best.items(), key=lambda item: (-_finite(item[1][0].match_weight), item[0]))
    candidates = [
        Candidate(person_id, view, score, others.get(person_id, []))
        for person_id, (score, view) in ranked[:limit]
    ]
    query_view = _view(query, index.open_payload(keys, query.sealed)[0]) if query else None
    return Candidates(query_view, candidates, len(rows), found.skipped_keys)


def _finite(value: float) -> float:
    return value if math.isfinite(value) else math.copysign(1e9, value)


def who_might_this_be(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    report: PersonReport | NormalisedReport,
    limit: int = 5,
    model: LinkageModel | None = None,
) -> Candidates:
    """The persons a report (stored or not) might be, best first, with the evidence field by
    field; only reports the officer may see are searched. Audited as one read."""
    policy.require_permission(principal, roles.IDENTITY_READ)
    keys = index.Keys.of(secrets)
    normalised = report if isinstance(report, NormalisedReport) else normalise(report)
    found = _search(session, keys, principal, normalised, query=None, limit=limit, model=model)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="identity:search",
        resource_type="person_report",
        resource_id="unsaved",
        nation=principal.nation,
        detail_digest=_digest(c.report.id for c in found.candidates),
    )
    return found


@dataclass(frozen=True)
class CaseCandidates:
    case_id: str
    reference: str
    owner_nation: str
    identity: ClaimedIdentity
    found: Candidates

    @property
    def indexed(self) -> bool:
        return self.found.query is not None


def case_candidates(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case_id: str,
    limit: int = 5,
    model: LinkageModel | None = None,
) -> CaseCandidates:
    """ "Who might this be" for a case: its claimed identity as it stands now, against every
    report the officer may see; its own person and the persons rejected for it left out."""
    policy.require_permission(principal, roles.IDENTITY_READ)
    case: Case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    identity = case_service.identity_of(secrets, case)
    keys = index.Keys.of(secrets)
    normalised = normalise(case_report(case.reference, identity))
    row = _case_row(session, case.id)
    found = _search(session, keys, principal, normalised, query=row, limit=limit, model=model)
    case_service.record_read(session=session, principal=principal, case=case)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="identity:search",
        resource_type="case",
        resource_id=case.id,
        nation=case.owner_nation,
        detail_digest=_digest(c.report.id for c in found.candidates),
    )
    return CaseCandidates(case.id, case.reference, case.owner_nation, identity, found)
