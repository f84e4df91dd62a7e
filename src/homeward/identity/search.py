"""Who might this be: the persons a report may be, found through the blocking-key index,
scored in process by the linkage model, best first, with the evidence field by field. Only
reports the officer may see are searched; every search is audited."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.audit import service as audit
from homeward.core.errors import BadInput
from homeward.crypto.keys import ServerSecrets
from homeward.identity import index
from homeward.identity.models import (
    IdentityDecision,
    StoredReport,
)
from homeward.identity.service import ReportView, case_row, report_view
from homeward.linkage.features import features
from homeward.linkage.model import LinkageModel, PairScore
from homeward.linkage.normalise import NormalisedReport, normalise
from homeward.linkage.reports import PersonReport
from homeward.policy import binding, roles
from homeward.policy import check as policy


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
    """Keys with a date, a document or an address shared by too many reports to search."""
    skipped_name_keys: int = 0
    """Name keys without a date ("muhmd") shared by too many reports to search."""


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
        index.query_hashes(keys, normalised),
        principal=principal,
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
        view = report_view(row, report)
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
    query_view = report_view(query, index.open_payload(keys, query.sealed)[0]) if query else None
    return Candidates(
        query_view, candidates, len(rows), found.skipped_keys, found.skipped_name_keys
    )


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


def who_might_this_case_be(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case_id: str,
    report: PersonReport,
    limit: int = 5,
    model: LinkageModel | None = None,
) -> Candidates:
    """The persons a case's claimed identity (`report`, as `cases.flows` reads it) might be,
    against every report the officer may see; the case's own person and the persons rejected
    for it left out. The caller has checked that the officer may read the case, and audits
    the search with `record_case_search` once the case's read is recorded."""
    policy.require_permission(principal, roles.IDENTITY_READ)
    keys = index.Keys.of(secrets)
    row = case_row(session, case_id)
    return _search(session, keys, principal, normalise(report), query=row, limit=limit, model=model)


def record_case_search(
    *, session: Session, principal: policy.Principal, case_id: str, nation: str, found: Candidates
) -> None:
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="identity:search",
        resource_type="case",
        resource_id=case_id,
        nation=nation,
        detail_digest=_digest(c.report.id for c in found.candidates),
    )
