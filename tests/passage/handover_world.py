"""The handover and custody tests' world: an approved plan of a FRA case at a point of the IRQ
cell, its case at `passage_planned` and a clock past the window's start; each side's word; what
is stored (to show a refusal stored nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from homeward.audit.models import AuditEvent
from homeward.cases.models import Case, CaseEvent
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.passage import approvals, custody, handovers
from homeward.passage.custody_models import CustodyEntry, Handover, HandoverConfirmation
from homeward.passage.models import PassagePlan
from homeward.policy import binding
from tests import helpers
from tests.passage import world

UNIT = "Reception unit 4"


@dataclass(frozen=True)
class Ready:
    """An approved plan whose window has come: `now` is inside it, `at` is when he was received."""

    point_id: str
    plan_id: str
    case_id: str
    now: datetime
    at: datetime


def ready(
    runtime: Runtime,
    personas: helpers.Personas,
    *,
    release: tuple[str, ...] = (),
    point_id: str | None = None,
) -> Ready:
    point_id = point_id or world.make_point(runtime, personas["coordinator"])
    case_id = world.cleared_case(runtime, personas["fra_officer"], release=release)
    starts_at = world.window(world.day_ahead(), "09:00")
    plan_id = world.book(runtime, personas["fra_officer"], case_id, point_id, starts_at)
    with runtime.db.transaction() as session:
        approvals.approve(
            session=session,
            principal=world.principal(runtime, personas["fra_supervisor"]),
            secrets=runtime.secrets,
            plan_id=plan_id,
        )
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: the approved plan's case is planned")
        session.execute(update(Case).where(Case.id == case_id).values(stage="passage_planned"))
    return Ready(
        point_id,
        plan_id,
        case_id,
        starts_at + timedelta(minutes=30),
        starts_at + timedelta(minutes=10),
    )


def happened(r: Ready, *, received_by: str = UNIT, note: str = "") -> handovers.HandoverWord:
    return handovers.HandoverWord(
        happened=True, happened_at=r.at, received_by=received_by, note=note
    )


def did_not(note: str = "Nobody came to the gate") -> handovers.HandoverWord:
    return handovers.HandoverWord(happened=False, note=note)


def confirm(
    runtime: Runtime,
    persona: helpers.Persona,
    r: Ready,
    word: handovers.HandoverWord,
) -> str:
    with runtime.db.transaction() as session:
        return handovers.confirm(
            session=session,
            principal=world.principal(runtime, persona),
            secrets=runtime.secrets,
            plan_id=r.plan_id,
            word=word,
            now=r.now,
        ).state


def handed_over(
    runtime: Runtime, personas: helpers.Personas, *, release: tuple[str, ...] = ()
) -> Ready:
    r = ready(runtime, personas, release=release)
    confirm(runtime, personas["coordinator"], r, happened(r))
    confirm(runtime, personas["fra_officer"], r, happened(r))
    return r


def entry(
    r: Ready,
    *,
    kind: str = "screening_facility",
    held_by: str = "Screening facility 2",
    received_from: str = UNIT,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    place: str = "Mosul",
    reason: str = "Screening before transfer",
) -> custody.CustodyData:
    return custody.CustodyData(
        kind=kind,
        held_by=held_by,
        received_from=received_from,
        place=place,
        starts_at=starts_at or r.at,
        ends_at=ends_at,
        reason=reason,
    )


def record(
    runtime: Runtime, persona: helpers.Persona, r: Ready, data: custody.CustodyData
) -> CustodyEntry:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        return custody.record(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            case_id=r.case_id,
            data=data,
            now=r.now + timedelta(days=3),
        )


def stage(runtime: Runtime, case_id: str) -> str:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the case's stage")
        return str(session.scalar(select(Case.stage).where(Case.id == case_id)))


def event_kinds(runtime: Runtime, case_id: str) -> list[str]:
    with runtime.db.transaction() as session:
        return list(
            session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at)
            )
        )


@dataclass(frozen=True)
class Stored:
    handovers: int
    confirmations: int
    entries: int
    open_entries: int
    events: int
    audit_entries: int
    stage: str


def stored(runtime: Runtime, case_id: str) -> Stored:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: count what is stored")

        def count(model: object, *where: object) -> int:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]

        return Stored(
            handovers=count(Handover),
            confirmations=count(HandoverConfirmation),
            entries=count(CustodyEntry),
            open_entries=count(CustodyEntry, CustodyEntry.ends_at.is_(None)),
            events=count(CaseEvent),
            audit_entries=count(AuditEvent),
            stage=str(session.scalar(select(Case.stage).where(Case.id == case_id))),
        )


def window_has_come(runtime: Runtime, r: Ready) -> Ready:
    """Time passes: the approved plan's window began two hours ago (its approval bound again to
    the plan as it now stands, as when the supervisor approved it). Returns the clock as it is
    now, and a time of handover an hour and a half ago."""
    now = utcnow().replace(second=0, microsecond=0)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: the window has come")
        session.execute(
            update(PassagePlan)
            .where(PassagePlan.id == r.plan_id)
            .values(
                window_starts_at=now - timedelta(hours=2),
                window_ends_at=now - timedelta(hours=1),
                created_at=now - timedelta(days=2),
            )
        )
        plan = session.scalars(select(PassagePlan).where(PassagePlan.id == r.plan_id)).one()
        session.refresh(plan)
        approval = approvals.live_approval(plan)
        assert approval is not None
        approval.content_hash = approvals.content_hash(plan)
    return Ready(r.point_id, r.plan_id, r.case_id, utcnow(), now - timedelta(minutes=90))
