"""Listing and exporting cases: filters, sorting, paging, counts per stage, stale flags.

Every query here touches the case table with the officer bound to the session, so the policy
filter (policy.binding) is attached to each of them: a list never shows what opening the case
would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, false, func, literal, or_, select
from sqlalchemy.orm import Session

from homeward.audit import service as audit
from homeward.cases.identity import name_token, name_words
from homeward.cases.models import Case, CaseAssignee, CaseLabel, CaseNameToken
from homeward.cases.schemas import CaseFilter
from homeward.cases.service import identity_of
from homeward.cases.states import FINAL, Stage
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
READ_ONCE_SORTS: dict[str, tuple[Any, bool]] = {
    "updated": (Case.updated_at, True),
    "oldest-in-stage": (Case.stage_entered_at, False),
}
"""Sorts by a time, which Python orders exactly as the database does (text sorts stay with the
database's collation): (column, descending)."""
READ_ONCE_MAX = 20_000


@dataclass
class CaseQuery:
    """What the list and the export search for; adapters build it from their `CaseFilter`
    (`of`), so both read the same filters."""

    stage: str | None = None
    nation: str | None = None
    label: str | None = None
    assignee: str | None = None
    text: str | None = None
    stale_only: bool = False
    sort: str = "updated"
    page: int = 1

    @classmethod
    def of(cls, filters: CaseFilter, page: int = 1) -> CaseQuery:
        return cls(
            stage=filters.stage or None,
            nation=filters.nation or None,
            label=filters.label or None,
            assignee=filters.assignee or None,
            text=filters.q or None,
            stale_only=filters.stale,
            sort=filters.sort,
            page=page,
        )


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


def _stage_filter(query: CaseQuery) -> list[Any]:
    if not query.stage:
        return []
    if query.stage not in {stage.value for stage in Stage}:
        raise BadInput("stage", f"unknown stage {query.stage!r}")
    return [Case.stage == query.stage]


def _filters_but_stage(
    query: CaseQuery, secrets: ServerSecrets, settings: Settings, now: datetime
) -> list[Any]:
    where: list[Any] = []
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


def _filters(
    query: CaseQuery, secrets: ServerSecrets, settings: Settings, now: datetime
) -> list[Any]:
    return [*_stage_filter(query), *_filters_but_stage(query, secrets, settings, now)]


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
    by_stage = _stage_filter(query)
    without_stage = _filters_but_stage(query, secrets, settings, now)
    stale = _stale_clause(settings, now)
    selective = query.label or query.assignee or query.stale_only or name_words(query.text or "")
    read = _read_once(session, query, without_stage, stale) if selective else None
    if read is not None:
        counts, stale_total, cases = read
    else:
        counts, stale_total = _counts(session, without_stage, stale)
        cases = list(
            session.scalars(
                select(Case)
                .where(*by_stage, *without_stage)
                .order_by(SORTS[query.sort], Case.id)
                .limit(PAGE_SIZE)
                .offset((query.page - 1) * PAGE_SIZE)
            )
        )
    total = counts.get(query.stage, 0) if query.stage else sum(counts.values())
    rows = _rows(session, cases, secrets, settings, now)
    return CasePage(rows=rows, total=total, page=query.page, counts=counts, stale_total=stale_total)


def _counts(session: Session, without_stage: list[Any], stale: Any) -> tuple[dict[str, int], int]:
    """Counts per stage and stale cases in one pass over the readable cases (the total is the
    count of the chosen stage, or of all), rather than a pass for each."""
    counts: dict[str, int] = {}
    stale_total = 0
    for stage, count, stale_count in session.execute(
        select(Case.stage, func.count(Case.stage), func.sum(case((stale, 1), else_=0)))
        .where(*without_stage)
        .group_by(Case.stage)
    ):
        counts[stage] = int(count)
        stale_total += int(stale_count or 0)
    return counts, stale_total


def _read_once(
    session: Session, query: CaseQuery, without_stage: list[Any], stale: Any
) -> tuple[dict[str, int], int, list[Case]] | None:
    """A label, an assignee, a name or stale-only leaves few cases: read their keys once and
    take the counts, the stale cases and the page from that read, then load the page's 50.
    Asking the database twice made it find those cases twice, and its planners walk the sort
    index past thousands of other cases to fill a page of scattered matches. None when the
    sort is by text or the cases are too many: the caller asks the database as usual."""
    if query.sort not in READ_ONCE_SORTS:
        return None
    column, descending = READ_ONCE_SORTS[query.sort]
    found = session.execute(
        select(Case.id, Case.stage, column, case((stale, 1), else_=0))
        .where(*without_stage)
        # In the SQL text, not a parameter: PostgreSQL plans a prepared statement's repeats
        # for any LIMIT, guesses a small one, and picks a nested loop ten times slower.
        .limit(literal(READ_ONCE_MAX + 1, literal_execute=True))
    ).all()
    if len(found) > READ_ONCE_MAX:
        return None
    counts: dict[str, int] = {}
    stale_total = 0
    for _id, stage, _key, is_stale in found:
        counts[stage] = counts.get(stage, 0) + 1
        stale_total += int(is_stale)
    chosen = [row for row in found if not query.stage or row[1] == query.stage]
    # The database's order: the time, then the id ascending (sorts are stable, also reversed).
    chosen.sort(key=lambda row: row[0])
    chosen.sort(key=lambda row: row[2], reverse=descending)
    start = (query.page - 1) * PAGE_SIZE
    ids = [row[0] for row in chosen[start : start + PAGE_SIZE]]
    loaded = (
        {item.id: item for item in session.scalars(select(Case).where(Case.id.in_(ids)))}
        if ids
        else {}
    )
    return counts, stale_total, [loaded[case_id] for case_id in ids if case_id in loaded]


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
    # count(stage) rather than count(id): the same number (stage is never null), read from the
    # (stage, stage_entered_at, ...) index alone. Not count(*): a column of Case is what
    # attaches the policy filter.
    return int(session.scalar(select(func.count(Case.stage)).where(stale)) or 0)


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


SHORTLIST = 5


@dataclass(frozen=True)
class Shortlist:
    """A start page's few cases of one kind, oldest in their stage first, and how many."""

    total: int
    rows: list[CaseRow]


def _shortlist(
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    settings: Settings,
    where: list[Any],
) -> Shortlist:
    policy.require_permission(principal, roles.CASE_LIST)
    binding.bind(session, principal)
    total = int(session.scalar(select(func.count(Case.stage)).where(*where)) or 0)
    cases = list(
        session.scalars(
            select(Case).where(*where).order_by(Case.stage_entered_at, Case.id).limit(SHORTLIST)
        )
    )
    return Shortlist(total, _rows(session, cases, secrets, settings, utcnow()))


def stale_shortlist(
    *, session: Session, principal: policy.Principal, secrets: ServerSecrets, settings: Settings
) -> Shortlist:
    """Readable cases that sat in their stage too long."""
    where = [_stale_clause(settings, utcnow())]
    return _shortlist(session, principal, secrets, settings, where)


def assigned_shortlist(
    *, session: Session, principal: policy.Principal, secrets: ServerSecrets, settings: Settings
) -> Shortlist:
    """Cases this officer is assigned to, still on their path or in an exit."""
    mine = select(CaseAssignee.case_id).where(CaseAssignee.officer_id == principal.officer_id)
    where = [Case.id.in_(mine), Case.stage.not_in([stage.value for stage in FINAL])]
    return _shortlist(session, principal, secrets, settings, where)
