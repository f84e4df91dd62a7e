"""The figures cache: a run whose data has not changed since the same run was last made is a
lookup, not a count over 100,000 cases.

A row is found by its `key`, everything that decides a run's tables besides the data: the view,
the period, the disclosure rule (or none), the coalition's desks, the stage limits and, for a
nation's own view, the reader's policy scope exactly as the one policy binding filters by it
(role, nation, clearance, caveats), so one reader's counts are never served to a reader who
may see other records. It is served only while its `fingerprint` matches: a digest of cheap
aggregates over every table the counts read (how many rows, the latest change) and of the stale
cases counted afresh for the run, so a case moving, a letter arriving, a label changing, a
decision, a plan or a handover, or a case going stale with the clock makes a new count.

The caller (reports/service.py) makes every policy decision and writes the audit entry first,
cached or not; this module only keeps and finds tables.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from homeward.cases.models import Case, CaseEvent
from homeward.contact.models import Conversation, Message
from homeward.core.db import utcnow
from homeward.identity.models import IdentityDecision
from homeward.passage.custody_models import Handover
from homeward.passage.models import HandoverPoint, HandoverWindow, PassagePlan
from homeward.policy.check import Principal
from homeward.reports.disclosure import Rule
from homeward.reports.models import FiguresCache
from homeward.reports.tables import Chart, Figures, Table

KEEP = timedelta(days=7)
"""Rows not made again for this long are dropped (a period's default moves every day)."""


def _digest(parts: Any) -> str:
    return hashlib.sha256(
        json.dumps(parts, sort_keys=True, default=str, separators=(",", ":")).encode()
    ).hexdigest()


def key(
    *,
    view: str,
    start: str,
    end: str,
    rule: Rule | None,
    reader: Principal | None,
    desks: list[str],
    stage_limits: dict[str, int],
) -> str:
    """`reader` is the officer the binding filters by (a nation's own view), None for the
    coalition's counting work, which reads the same columns of every record for everyone."""
    scope = (
        None
        if reader is None
        else [str(reader.role), reader.nation, int(reader.clearance), sorted(reader.caveats)]
    )
    return _digest(
        {
            "view": view,
            "period": [start, end],
            "rule": None if rule is None else [rule.threshold, rule.base],
            "scope": scope,
            "desks": desks,
            "limits": stage_limits,
        }
    )


def fingerprint(session: Session, stale: Counter[tuple[str, str]]) -> str:
    """The state of everything a run counts, in two small queries over indexes and totals.
    Run as counting work (the caller lifts the filter): it reads counts and times only."""
    case = Case.__table__.c
    conversation = Conversation.__table__.c
    decision, window = IdentityDecision.__table__.c, HandoverWindow.__table__.c
    plan, handover = PassagePlan.__table__.c, Handover.__table__.c
    point = HandoverPoint.__table__.c
    totals = [
        select(func.count()).select_from(Case.__table__),
        select(func.max(case.updated_at)),
        # Statistics filled in without an event (`homeward figures backfill`).
        select(func.sum(func.length(case.sex) + func.length(case.age_band))),
        # Events are only ever added (each moving its case's last change, but for the demo's
        # back-dated ones), and deleted only with their case.
        select(func.count()).select_from(CaseEvent.__table__),
        # A letter arriving moves its conversation's last letter; one deleted, the count.
        select(func.count()).select_from(Message.__table__),
        select(func.max(conversation.routed_at)),
        select(func.max(conversation.last_message_at)),
        select(func.count()).select_from(IdentityDecision.__table__),
        select(func.max(decision.decided_at)),
        select(func.count()).select_from(HandoverWindow.__table__),
        select(func.sum(window.capacity)),
        select(func.sum(window.booked)),
        select(func.max(window.starts_at)),
        select(func.count()).select_from(PassagePlan.__table__),
        select(func.max(plan.updated_at)),
        select(func.count()).select_from(Handover.__table__),
        select(func.max(handover.updated_at)),
    ]
    row = session.execute(select(*(query.scalar_subquery() for query in totals))).one()
    # Who holds each conversation and its labels: a letter counts for its desk now.
    holders = session.execute(
        select(
            conversation.owner_nation,
            conversation.classification,
            conversation.release,
            func.count(),
        )
        .group_by(conversation.owner_nation, conversation.classification, conversation.release)
        .order_by(conversation.owner_nation, conversation.classification, conversation.release)
    ).all()
    points = session.execute(select(point.id, point.name).order_by(point.id)).all()
    return _digest(
        {
            "totals": [str(value) for value in row],
            "holders": [list(found) for found in holders],
            "points": [list(found) for found in points],
            "stale": sorted([*where, count] for where, count in stale.items()),
        }
    )


def lookup(session: Session, row_key: str, stamp: str) -> Figures | None:
    found = session.execute(
        select(FiguresCache.fingerprint, FiguresCache.figures).where(FiguresCache.key == row_key)
    ).first()
    if found is None or found.fingerprint != stamp:
        return None
    return _loads(found.figures)


def store(session: Session, row_key: str, stamp: str, figures: Figures) -> None:
    """Keep (or replace) the row; two runs storing at once both succeed, the later wins."""
    now = utcnow()
    values = {"key": row_key, "fingerprint": stamp, "figures": _dumps(figures), "made_at": now}
    insert = (
        postgresql_insert(FiguresCache)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite_insert(FiguresCache)
    )
    session.execute(
        insert.values(values).on_conflict_do_update(
            index_elements=["key"],
            set_={name: values[name] for name in ("fingerprint", "figures", "made_at")},
        )
    )
    session.execute(delete(FiguresCache).where(FiguresCache.made_at < now - KEEP))


def _dumps(figures: Figures) -> str:
    return json.dumps(
        {
            "view": figures.view,
            "period_start": figures.period_start,
            "period_end": figures.period_end,
            "controlled": figures.controlled,
            "tables": [
                {
                    "key": table.key,
                    "title": table.title,
                    "unit": table.unit,
                    "row_labels": table.row_labels,
                    "column_labels": table.column_labels,
                    "rows": table.rows,
                    "chart": table.chart.value,
                    "notes": table.notes,
                }
                for table in figures.tables
            ],
        }
    )


def _loads(text: str) -> Figures:
    data = json.loads(text)
    return Figures(
        view=data["view"],
        period_start=data["period_start"],
        period_end=data["period_end"],
        controlled=data["controlled"],
        tables=tuple(
            Table(
                key=table["key"],
                title=table["title"],
                unit=table["unit"],
                row_labels=tuple(table["row_labels"]),
                column_labels=tuple(table["column_labels"]),
                rows=tuple(tuple(row) for row in table["rows"]),
                chart=Chart(table["chart"]),
                notes=tuple(table["notes"]),
            )
            for table in data["tables"]
        ),
    )
