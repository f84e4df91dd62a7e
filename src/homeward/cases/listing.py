"""Listing and exporting cases: filters, sorting, paging, counts per stage, stale flags.

Every query here touches the case table with the officer bound to the session, so the policy
filter (policy.binding) is attached to each of them: a list never shows what opening the case
would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from homeward.audit import service as audit
from homeward.cases.identity import name_token, name_words
from homeward.cases.models import Case, CaseAssignee, CaseLabel, CaseNameToken
from homeward.cases.service import identity_of
from homeward.cases.states import Stage
from homeward.core.db import utcnow
from homeward.core.errors import BadInput
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.policy import binding, roles
from homeward.policy import check as policy

PAGE_SIZE = 50
EXPORT_MAX_ROWS = 10_000
SORTS: dict[str, Any] = {
    "updated": Case.updated_at.desc(),
    "oldest-in-stage": Case.stage_entered_at.asc(),
    "reference": Case.reference.asc(),
    "stage": Case.stage.asc(),
}


@dataclass
class CaseQuery:
    stage: str | None = None
    nation: str | None = None
    label: str | None = None
    assignee: str | None = None
    text: str | None = None
    stale_only: bool = False
    sort: str = "updated"
    page: int = 1


@dataclass(frozen=True)
class CaseRow:
    id: str
    reference: str
    owner_nation: str
    stage: str
    display_name: str
    stage_entered_at: datetime
    updated_at: datetime
    classification: int
    stale: bool
    labels: list[str]


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    counts: dict[str, int]
    stale_total: int


def is_stale(case: Case, settings: Settings, now: datetime) -> bool:
    limit = settings.stage_limit_days.get(case.stage)
    return limit is not None and case.stage_entered_at < now - timedelta(days=limit)


def _stale_clause(settings: Settings, now: datetime) -> Any:
    clauses = [
        and_(Case.stage == stage, Case.stage_entered_at < now - timedelta(days=days))
        for stage, days in settings.stage_limit_days.items()
    ]
    return or_(*clauses) if clauses else false()


def _filters(
    query: CaseQuery, secrets: ServerSecrets, settings: Settings, now: datetime
) -> list[Any]:
    where: list[Any] = []
    if query.stage:
        if query.stage not in {stage.value for stage in Stage}:
            raise BadInput("stage", f"unknown stage {query.stage!r}")
        where.append(Case.stage == query.stage)
    if query.nation:
        where.append(Case.owner_nation == query.nation.strip().upper())
    if query.label:
        where.append(
            Case.id.in_(
                select(CaseLabel.case_id).where(CaseLabel.label == query.label.strip().lower())
            )
        )
    if query.assignee:
        where.append(
            Case.id.in_(
                select(CaseAssignee.case_id).where(CaseAssignee.officer_id == query.assignee)
            )
        )
    for word in name_words(query.text or "")[:8]:
        token = name_token(secrets, word)
        where.append(Case.id.in_(select(CaseNameToken.case_id).where(CaseNameToken.token == token)))
    if query.stale_only:
        where.append(_stale_clause(settings, now))
    return where


def list_cases(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    settings: Settings,
    query: CaseQuery,
) -> CasePage:
    """One page of the cases this officer may read, with counts per stage and stale cases.
    The policy filter is attached by policy.binding to every one of these queries."""
    policy.require_permission(principal, roles.CASE_LIST)
    if query.page < 1:
        raise BadInput("page", "must be 1 or more")
    if query.sort not in SORTS:
        raise BadInput("sort", f"one of {', '.join(SORTS)}")
    binding.bind(session, principal)
    now = utcnow()
    where = _filters(query, secrets, settings, now)
    total = int(session.scalar(select(func.count(Case.id)).where(*where)) or 0)
    cases = list(
        session.scalars(
            select(Case)
            .where(*where)
            .order_by(SORTS[query.sort], Case.id)
            .limit(PAGE_SIZE)
            .offset((query.page - 1) * PAGE_SIZE)
        )
    )
    without_stage = where
    if query.stage:
        without_stage = _filters(
            CaseQuery(**{**query.__dict__, "stage": None}), secrets, settings, now
        )
    counts = {
        stage: int(count)
        for stage, count in session.execute(
            select(Case.stage, func.count(Case.id)).where(*without_stage).group_by(Case.stage)
        )
    }
    stale_total = int(
        session.scalar(
            select(func.count(Case.id)).where(*without_stage, _stale_clause(settings, now))
        )
        or 0
    )
    rows = _rows(session, cases, secrets, settings, now)
    return CasePage(rows=rows, total=total, page=query.page, counts=counts, stale_total=stale_total)


def _rows(
    session: Session, cases: list[Case], secrets: ServerSecrets, settings: Settings, now: datetime
) -> list[CaseRow]:
    labels: dict[str, list[str]] = {}
    for start in range(0, len(cases), 500):  # bounded IN lists, whatever the engine
        batch = [case.id for case in cases[start : start + 500]]
        for case_id, label in session.execute(
            select(CaseLabel.case_id, CaseLabel.label)
            .where(CaseLabel.case_id.in_(batch))
            .order_by(CaseLabel.label)
        ):
            labels.setdefault(case_id, []).append(label)
    return [
        CaseRow(
            id=case.id,
            reference=case.reference,
            owner_nation=case.owner_nation,
            stage=case.stage,
            display_name=identity_of(secrets, case).display_name,
            stage_entered_at=case.stage_entered_at,
            updated_at=case.updated_at,
            classification=case.classification,
            stale=is_stale(case, settings, now),
            labels=labels.get(case.id, []),
        )
        for case in cases
    ]


def count_stale(*, session: Session, principal: policy.Principal, settings: Settings) -> int:
    """For the desk's start page: readable cases that sat in their stage too long."""
    policy.require_permission(principal, roles.CASE_LIST)
    binding.bind(session, principal)
    stale = _stale_clause(settings, utcnow())
    return int(session.scalar(select(func.count(Case.id)).where(stale)) or 0)


@dataclass(frozen=True)
class CaseExport:
    rows: list[CaseRow]
    total: int
    """How many cases matched; `rows` holds at most the export limit of them."""


def export_cases(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    settings: Settings,
    query: CaseQuery,
    limit: int = EXPORT_MAX_ROWS,
) -> CaseExport:
    """The whole filtered list rather than one page, through the same filters and the same
    bound policy filter as list_cases, so an export never holds a case the list would hide.
    Names leave the system here: the export is one audit entry with its number of rows, and a
    keyed digest of which cases were in it."""
    policy.require_permission(principal, roles.CASE_EXPORT)
    if query.sort not in SORTS:
        raise BadInput("sort", f"one of {', '.join(SORTS)}")
    binding.bind(session, principal)
    now = utcnow()
    where = _filters(query, secrets, settings, now)
    total = int(session.scalar(select(func.count(Case.id)).where(*where)) or 0)
    cases = list(
        session.scalars(
            select(Case).where(*where).order_by(SORTS[query.sort], Case.id).limit(limit)
        )
    )
    rows = _rows(session, cases, secrets, settings, now)
    ids = "\n".join(row.id for row in rows).encode()
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="case:export",
        resource_type="case_list",
        resource_id=f"{len(rows)} rows",
        nation=principal.nation,
        detail_digest=sealing.keyed_hash(secrets.subkey("hw-audit-detail"), ids, "hw-case-export"),
    )
    return CaseExport(rows=rows, total=total)
