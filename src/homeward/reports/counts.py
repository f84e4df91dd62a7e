"""The raw counts behind the figures: aggregate queries over label, stage and time columns.

Nothing here selects a sealed column, a name or a letter's content: letters are counted by
their date and the desk that holds them, cases by their owner, stage, clear statistical
columns (`Case.sex`, `Case.age_band`) and the times of their stage events. Whose records are
counted is the caller's `Scope`: a nation's own view runs with the officer bound to the session,
so the one policy binding filters every query as it filters the case list; the coalition view
runs as counting work (`binding.unfiltered`), which reads these columns and nothing else.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, and_, cast, false, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from homeward.cases.models import Case, CaseEvent
from homeward.cases.states import EXITS, FINAL, PATH, Stage
from homeward.contact.models import FROM_CONTACT, Conversation, Message
from homeward.core.db import utcnow
from homeward.identity.models import IdentityDecision
from homeward.passage.custody_models import CONFIRMED, Handover
from homeward.passage.models import CANCELLED, HandoverPoint, HandoverWindow, PassagePlan

OPENED = "opened"
"""A case's first event (`case:open`, to `new`) is counted as the case opened."""
REACHED = tuple(
    stage.value
    for stage in (
        Stage.NEW,
        Stage.IDENTITY_VERIFIED,
        Stage.CLEARED,
        Stage.HANDED_OVER,
        Stage.REPATRIATED,
        Stage.CLOSED,
        *EXITS,
    )
)
"""The stages whose first entries the figures show, in the funnel's order (`new` as cases
opened): the steps between them (in contact, passage planned, in custody) are not read, two
in five of a programme's stage events."""
TIMED = tuple(stage.value for stage in PATH if stage not in FINAL)
"""The stages a case leaves on its way home: time in each, and stale cases."""


@dataclass(frozen=True)
class Scope:
    start: date
    end: date
    """Exclusive."""
    nation: str | None
    """Only this owner's records (a nation's own view); None for every nation."""

    @property
    def since(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    @property
    def until(self) -> datetime:
        return datetime(self.end.year, self.end.month, self.end.day, tzinfo=UTC)


@dataclass
class Raw:
    """Counts keyed by plain values; `month` is `YYYY-MM`, `day` is `YYYY-MM-DD` (UTC)."""

    reached: Counter[tuple[str, str, str, str, str]] = field(default_factory=Counter)
    """(nation, sex, age band, stage or `opened`, month): cases that first reached the stage."""
    reached_days: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(stage or `opened`, a day of the week: its first), for the weekly trend."""
    letters: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(nation of the desk holding the conversation, month): letters contacts wrote."""
    letter_days: Counter[str] = field(default_factory=Counter)
    stays: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    """(nation, stage): days each case spent in the stage, for stays that ended in the period."""
    stale: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(nation, stage): cases in the stage now for longer than its limit."""
    decisions: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(confirm or reject, day): officers' identity decisions."""
    windows: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    """(point, month): places in the windows opened for booking, and places booked."""
    plans: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(point, month): the nation's own plans holding a place (its own view only)."""
    handovers: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(point, month): handovers both sides confirmed."""


def _as_text(session: Session, column: Any, unit: str) -> Any:
    """A UTC time as `YYYY-MM` or `YYYY-MM-DD` text, on either engine."""
    if session.get_bind().dialect.name == "postgresql":
        pattern = "YYYY-MM" if unit == "month" else "YYYY-MM-DD"
        return func.to_char(func.timezone("UTC", column), pattern)
    return func.strftime("%Y-%m" if unit == "month" else "%Y-%m-%d", column)


def _week(session: Session, column: Any, scope: Scope) -> Any:
    """Whole weeks since the period's start (0 for its first seven days), on either engine."""
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", column - scope.since)
        return func.floor(seconds / (7 * 86400))
    return cast((func.julianday(column) - func.julianday(_sqlite_time(scope.since))) / 7, Integer)


def _days_between(session: Session, later: Any, earlier: Any) -> Any:
    """Days as a float on either engine (PostgreSQL's numeric made a float by the database,
    as Python's float() would: a third of a million Decimals cost more to convert here)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", later - earlier) / 86400, Float)
    return func.julianday(later) - func.julianday(earlier)


def _sqlite_time(moment: datetime) -> str:
    """A UTC time as SQLite holds it (UtcDateTime's storage), for its date functions."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def week_start(scope: Scope, index: int) -> str:
    return (scope.start + timedelta(days=7 * int(index))).isoformat()


def _within(column: Any, scope: Scope) -> Any:
    return and_(column >= scope.since, column < scope.until)


def _owner(scope: Scope, column: Any) -> list[Any]:
    return [] if scope.nation is None else [column == scope.nation]


def collect(
    session: Session,
    scope: Scope,
    stage_limit_days: dict[str, int],
    *,
    own_plans: bool,
    stale: Counter[tuple[str, str]] | None = None,
) -> Raw:
    """Every raw count of one run. The caller has bound the officer (own view) or marked the
    session as counting work (coalition view) before calling. `stale` is the run's own count
    of stale cases where the caller has made it already (the cache's fingerprint holds it)."""
    raw = Raw()
    _tune(session)
    _reached(session, scope, raw)
    _letters(session, scope, raw)
    _stays(session, scope, raw)
    raw.stale = stale if stale is not None else stale_now(session, scope, stage_limit_days)
    _decisions(session, scope, raw)
    _calendar(session, scope, raw, own_plans=own_plans)
    return raw


PG_WORK_MEM = "64MB"
"""Enough for the counts' groups and a year's stays to be hashed and sorted in memory (the
default 4MB spills them to disk)."""


def _tune(session: Session) -> None:
    """On PostgreSQL, for the rest of the run's transaction: no JIT compilation (its set-up
    cost more than it saves on these few plain aggregates: about 80 ms a query measured at
    100,000 cases) and room to group in memory."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text(f"SET LOCAL work_mem = '{PG_WORK_MEM}'"))


def _case_id(session: Session) -> Any:
    """`Case.id` for joining a case's events to it. On SQLite written `+case_file.id`, which
    keeps SQLite from walking the period's events and looking up each one's case (a third of
    a million searches for a year of 100,000 cases): it walks the cases instead, from the
    statistics index that holds what the counts read of them, and each case's events from
    `ix_case_event_stages`, about twice as fast. PostgreSQL hashes the join either way."""
    if session.get_bind().dialect.name == "sqlite":
        return UnaryExpression(
            Case.id.expression, operator=operators.custom_op("+"), type_=Case.id.type
        )
    return Case.id


def _reached(session: Session, scope: Scope, raw: Raw) -> None:
    """A case counts once per stage, in the period its first entry into the stage fell: so
    every breakdown (nation, sex, age band, quarter, week) partitions the same cases, and a
    case re-entering a stage (a plan cancelled, a case re-opened) is not counted twice. Only
    the period's events are read: each says whether it is its case's first entry into its
    stage (`CaseEvent.first_entry`, set when it was written)."""
    month = _as_text(session, CaseEvent.at, "month")
    week = _week(session, CaseEvent.at, scope)
    rows = session.execute(
        select(
            Case.owner_nation,
            Case.sex,
            Case.age_band,
            CaseEvent.to_stage,
            month,
            week,
            func.count(),
        )
        .join(Case, _case_id(session) == CaseEvent.case_id)
        .where(
            CaseEvent.first_entry.is_(True),
            CaseEvent.to_stage.in_(REACHED),
            _within(CaseEvent.at, scope),
            *_owner(scope, Case.owner_nation),
        )
        .group_by(Case.owner_nation, Case.sex, Case.age_band, CaseEvent.to_stage, month, week)
    )
    for nation, sex, band, stage, in_month, in_week, count in rows:
        column = _column(stage)
        raw.reached[(nation, sex or "", band or "", column, in_month)] += int(count)
        raw.reached_days[(column, week_start(scope, in_week))] += int(count)


def _column(stage: str) -> str:
    return OPENED if stage == "new" else stage


def _letters(session: Session, scope: Scope, raw: Raw) -> None:
    """Letters by their date and the desk holding the conversation now: metadata only."""
    month = _as_text(session, Message.created_at, "month")
    week = _week(session, Message.created_at, scope)
    for nation, in_month, in_week, count in session.execute(
        select(Conversation.owner_nation, month, week, func.count())
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.direction == FROM_CONTACT,
            _within(Message.created_at, scope),
            *_owner(scope, Conversation.owner_nation),
        )
        .group_by(Conversation.owner_nation, month, week)
    ):
        raw.letters[(nation, in_month)] += int(count)
        raw.letter_days[week_start(scope, in_week)] += int(count)


def _stays(session: Session, scope: Scope, raw: Raw) -> None:
    """Each stay in a stage that ended in the period: from the case's latest entry into the
    stage (`CaseEvent.from_stage_entered_at`, set when the event was written) to the event
    that moved it on. Only the period's events are read."""
    rows = session.execute(
        select(
            Case.owner_nation,
            CaseEvent.from_stage,
            _days_between(session, CaseEvent.at, CaseEvent.from_stage_entered_at),
        )
        .join(Case, _case_id(session) == CaseEvent.case_id)
        .where(
            CaseEvent.from_stage_entered_at.is_not(None),
            CaseEvent.from_stage.in_(TIMED),
            _within(CaseEvent.at, scope),
            *_owner(scope, Case.owner_nation),
        )
    )
    stays = raw.stays
    for nation, stage, days in rows:  # a year of 100,000 cases: 240,000 stays, kept lean
        found = stays.get((nation, stage))
        if found is None:
            found = stays[(nation, stage)] = []
        found.append(days)


def stale_now(session: Session, scope: Scope, limits: dict[str, int]) -> Counter[tuple[str, str]]:
    """Cases in a stage longer than its limit now (as the case list flags them): counted
    afresh on every run, cached or not, since it moves with the clock and not only with the
    data."""
    found: Counter[tuple[str, str]] = Counter()
    now = utcnow()
    clauses = [
        and_(Case.stage == stage, Case.stage_entered_at < now - timedelta(days=days))
        for stage, days in limits.items()
    ]
    stale = or_(*clauses) if clauses else false()
    for nation, stage, count in session.execute(
        select(Case.owner_nation, Case.stage, func.count(Case.stage))
        .where(stale, *_owner(scope, Case.owner_nation))
        .group_by(Case.owner_nation, Case.stage)
    ):
        found[(nation, stage)] += int(count)
    return found


def _decisions(session: Session, scope: Scope, raw: Raw) -> None:
    """Identity decisions by day, by the deciding officer's nation in a nation's own view."""
    day = _as_text(session, IdentityDecision.decided_at, "day")
    for decision, on_day, count in session.execute(
        select(IdentityDecision.decision, day, func.count())
        .where(
            _within(IdentityDecision.decided_at, scope),
            *_owner(scope, IdentityDecision.nation),
        )
        .group_by(IdentityDecision.decision, day)
    ):
        raw.decisions[(decision, on_day)] += int(count)


def _calendar(session: Session, scope: Scope, raw: Raw, *, own_plans: bool) -> None:
    """Places per point and month: in windows opened for booking and booked (the cell's
    counters, in clear), the nation's own plans holding one, and confirmed handovers."""
    month = _as_text(session, HandoverWindow.starts_at, "month")
    for name, in_month, capacity, booked in session.execute(
        select(
            HandoverPoint.name,
            month,
            func.sum(HandoverWindow.capacity),
            func.sum(HandoverWindow.booked),
        )
        .join(HandoverPoint, HandoverPoint.id == HandoverWindow.point_id)
        .where(_within(HandoverWindow.starts_at, scope))
        .group_by(HandoverPoint.name, month)
    ):
        raw.windows[(name, in_month)] = (int(capacity or 0), int(booked or 0))
    if own_plans:
        plan_month = _as_text(session, PassagePlan.window_starts_at, "month")
        for name, in_month, count in session.execute(
            select(HandoverPoint.name, plan_month, func.count(PassagePlan.id))
            .join(HandoverPoint, HandoverPoint.id == PassagePlan.point_id)
            .where(
                PassagePlan.status != CANCELLED,
                _within(PassagePlan.window_starts_at, scope),
                *_owner(scope, PassagePlan.owner_nation),
            )
            .group_by(HandoverPoint.name, plan_month)
        ):
            raw.plans[(name, in_month)] += int(count)
    done_month = _as_text(session, Handover.updated_at, "month")
    for name, in_month, count in session.execute(
        select(HandoverPoint.name, done_month, func.count(Handover.id))
        .join(HandoverPoint, HandoverPoint.id == Handover.point_id)
        .where(
            Handover.state == CONFIRMED,
            _within(Handover.updated_at, scope),
            *_owner(scope, Handover.owner_nation),
        )
        .group_by(HandoverPoint.name, done_month)
    ):
        raw.handovers[(name, in_month)] += int(count)
