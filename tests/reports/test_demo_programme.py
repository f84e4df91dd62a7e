"""`homeward demo --cases N`: N synthetic cases with a year of history, written as the case
services write them, so the programme figures have something to count."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from homeward.cases.models import Case, CaseEvent
from homeward.cases.states import Stage
from homeward.cli import demo as demo_data
from homeward.contact.models import FROM_CONTACT, Message
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.policy import binding

CASES = 120


def test_a_demo_programme_spreads_over_a_year(runtime: Runtime) -> None:
    assert demo_data.seed(runtime, cases=CASES)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: count the demo programme")
        cases = session.scalars(select(Case)).all()
        events = session.scalars(select(CaseEvent)).all()
        letters = session.scalars(
            select(Message.created_at).where(Message.direction == FROM_CONTACT)
        ).all()
    programme = [case for case in cases if case.created_at < utcnow() - timedelta(hours=12)]
    assert len(programme) == CASES  # the demo world's own cases open today
    now = utcnow()
    assert all(now - timedelta(days=367) < case.created_at < now for case in programme)
    assert {case.owner_nation for case in programme} == set(demo_data.DESKS)
    stages = Counter(case.stage for case in programme)
    assert len(stages) >= 8, stages
    assert any(stage in stages for stage in ("withdrawn", "lost_contact", "declined", "deceased"))
    assert {case.sex for case in programme} >= {"M", "F"}
    assert {case.age_band for case in programme} == {"child", "adult"}
    # About as many letters as cases, over the year (the demo world's own few are today's).
    old = [at for at in letters if at < utcnow() - timedelta(days=30)]
    assert len(letters) >= CASES * 0.9
    assert len(old) >= CASES * 0.7
    by_case: dict[str, list[CaseEvent]] = {}
    for event in events:
        by_case.setdefault(event.case_id, []).append(event)
    for case in programme:
        history = sorted(by_case[case.id], key=lambda event: event.at)
        assert history[0].kind == "case:open"
        assert history[0].at == case.created_at
        moves = [event for event in history if event.kind == "case:stage:change"]
        # Each move starts where the one before ended, and the last is where the case is.
        stage = Stage.NEW.value
        for move in moves:
            assert move.from_stage == stage
            stage = move.to_stage or ""
        assert stage == case.stage
        assert case.stage_entered_at == (moves[-1].at if moves else case.created_at)
        if case.age_band == "child":
            assert all(move.to_stage != "in_custody" for move in moves)
