"""The marks each stage event carries from the moment it is written (`CaseEvent.first_entry`,
`CaseEvent.from_stage_entered_at`) are what programme figures used to work out per event with
correlated queries over the case's history: checked against those queries, kept here as the
reference, over random programmes walked through the transition service with re-entries (a
plan cancelled sending a case back to cleared and planned again, exits re-opened by a
supervisor), over the demo programme's back-dated events, and over events re-dated afterwards
(`mark_stages_again`)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.models import CaseEvent
from homeward.cases.states import FINAL, TRANSITIONS, Stage
from homeward.cli import demo as demo_data
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.policy.roles import Role
from tests import helpers
from tests.reports import world

Marks = dict[str, tuple[bool, datetime | None]]


def reference(session: Session) -> Marks:
    """Per event, as reports/counts.py computed them before the marks: the first entry is the
    event with no earlier one of its case into its stage (ties in time by id); a stay's start
    is the case's latest entry into the stage it leaves, not after the event."""
    earlier = aliased(CaseEvent)
    first = and_(
        CaseEvent.to_stage.is_not(None),
        ~exists().where(
            earlier.case_id == CaseEvent.case_id,
            earlier.to_stage == CaseEvent.to_stage,
            or_(
                earlier.at < CaseEvent.at,
                and_(earlier.at == CaseEvent.at, earlier.id < CaseEvent.id),
            ),
        ),
    )
    entry = aliased(CaseEvent)
    entered = (
        select(func.max(entry.at))
        .where(
            entry.case_id == CaseEvent.case_id,
            entry.to_stage == CaseEvent.from_stage,
            entry.at <= CaseEvent.at,
        )
        .scalar_subquery()
    )
    found: Marks = {}
    for event_id, is_first, since, from_stage, to_stage in session.execute(
        select(CaseEvent.id, first, entered, CaseEvent.from_stage, CaseEvent.to_stage)
    ):
        moved = from_stage is not None and to_stage is not None
        found[event_id] = (bool(is_first), since if moved else None)
    return found


def stored(session: Session) -> Marks:
    return {
        event_id: (bool(first), since)
        for event_id, first, since in session.execute(
            select(CaseEvent.id, CaseEvent.first_entry, CaseEvent.from_stage_entered_at)
        )
    }


def _compare(runtime: Runtime) -> Marks:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the events' marks")
        expected, found = reference(session), stored(session)
    assert found == expected
    return found


PLAN_CANCELLED = [
    Stage.IN_CONTACT,
    Stage.IDENTITY_VERIFIED,
    Stage.CLEARED,
    Stage.PASSAGE_PLANNED,
    Stage.CLEARED,  # the plan cancelled: back to cleared
    Stage.PASSAGE_PLANNED,
    Stage.CLEARED,
    Stage.PASSAGE_PLANNED,
    Stage.HANDED_OVER,
]


def _walk(runtime: Runtime, personas: helpers.Personas, rng: random.Random, steps: int) -> None:
    """One case whose plan is cancelled twice on its way, and cases moved at random along
    every move the stage rules allow an adult's case (exits re-opened by a supervisor among
    them), until final. A move only another step makes is passed as that step passes it."""
    officer = helpers.keyring(runtime, personas["fra_officer"])
    supervisor = helpers.keyring(runtime, personas["fra_supervisor"])

    def moved(case_id: str, stage: Stage, target: Stage) -> None:
        rule = TRANSITIONS[(stage, target)]
        by_officer = Role.DESK_OFFICER in rule.roles
        with runtime.db.transaction() as session:
            transitions.transition(
                session=session,
                keyring=officer if by_officer else supervisor,
                secrets=runtime.secrets,
                case_id=case_id,
                to_stage=target.value,
                note="Synthetic: a move of the test.",
                verified_by=personas["fra_supervisor"].username if by_officer else "",
                via=rule.only_through,
            )

    case_id = world.open_case(runtime, officer, sex="M", born="1988")
    stage = Stage.NEW
    for target in PLAN_CANCELLED:
        moved(case_id, stage, target)
        stage = target
    for _ in range(6):
        case_id = world.open_case(runtime, officer, sex="F", born="1990")
        stage = Stage.NEW
        for _step in range(steps):
            moves = [target for source, target in TRANSITIONS if source == stage]
            if stage in FINAL or not moves:
                break
            target = rng.choice(moves)
            moved(case_id, stage, target)
            stage = target


def test_marks_written_with_the_events_equal_the_reference(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    rng = random.Random(16)  # noqa: S311 - synthetic moves, not secrets
    _walk(runtime, personas, rng, steps=14)
    # The walks must have re-entered stages, or the test proves little.
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: re-entries")
        repeated = session.execute(
            select(CaseEvent.case_id, CaseEvent.to_stage, func.count())
            .where(CaseEvent.to_stage.is_not(None))
            .group_by(CaseEvent.case_id, CaseEvent.to_stage)
            .having(func.count() > 1)
        ).all()
    stages = {stage for _case, stage, _count in repeated}
    assert {"cleared", "in_contact"} <= stages, stages
    marks = _compare(runtime)
    assert any(not first for first, _since in marks.values())
    assert sum(since is not None for _first, since in marks.values()) > 20


def test_the_demo_programme_marks_its_back_dated_events(runtime: Runtime) -> None:
    assert demo_data.seed(runtime, cases=25)
    marks = _compare(runtime)
    assert sum(first for first, _since in marks.values()) >= 25


def test_events_re_dated_are_marked_again(runtime: Runtime, personas: helpers.Personas) -> None:
    """Withdrawn, re-opened, withdrawn again; then the events put in another order (the second
    withdrawal first) and marked again: the marks follow the new order."""
    officer = helpers.keyring(runtime, personas["fra_officer"])
    supervisor = helpers.keyring(runtime, personas["fra_supervisor"])
    case_id = world.open_case(runtime, officer, sex="M", born="1980")
    world.move(runtime, officer, case_id, "in_contact")
    world.move(runtime, officer, case_id, "withdrawn", note="Synthetic: he stopped.")
    world.move(runtime, supervisor, case_id, "in_contact", note="Synthetic: he wrote again.")
    world.move(runtime, officer, case_id, "withdrawn", note="Synthetic: he stopped again.")
    _compare(runtime)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: re-dating the events")
        events = list(
            session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at)
            )
        )
        start = events[0].at - timedelta(days=100)
        for index, event in enumerate(reversed(events[1:]), start=1):
            session.execute(
                update(CaseEvent)
                .where(CaseEvent.id == event.id)
                .values(at=start + timedelta(days=index))
            )
        session.execute(update(CaseEvent).where(CaseEvent.id == events[0].id).values(at=start))
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: stale marks")
        assert stored(session) != reference(session)  # the marks written then no longer hold
        case_service.mark_stages_again(session=session, case_ids=[case_id])
    marks = _compare(runtime)
    assert sum(first for first, _since in marks.values()) == 3  # new, in contact, withdrawn
