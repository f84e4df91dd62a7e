"""A child's own path: whose case is a child's (date of birth, else an age estimate, in doubt a
child), the stage set for children as data (no stage leads into custody), and the guard that
refuses it with the reason, by hand and through the custody step alike. Both engines for the
stored parts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from homeward.cases import children
from homeward.cases import service as case_service
from homeward.cases.child_models import AgeEstimate
from homeward.cases.exceptions import TransitionNotAllowed
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.cases.states import (
    CHILD_NEVER,
    CHILD_TRANSITIONS,
    THROUGH_CUSTODY,
    TRANSITIONS,
    Stage,
)
from homeward.cases.transitions import transition
from homeward.core.errors import BadInput, NotFound
from homeward.core.runtime import Runtime
from homeward.passage import custody
from homeward.policy import binding
from tests import helpers
from tests.households import world
from tests.passage import handover_world as hw


def _reachable(start: Stage, moves: dict[tuple[Stage, Stage], object]) -> set[Stage]:
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for source, target in moves:
            if source == here and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.mark.parametrize("start", list(Stage))
def test_no_stage_of_a_child_leads_into_custody(start: Stage) -> None:
    assert {Stage.IN_CUSTODY} == CHILD_NEVER
    assert not _reachable(start, dict(CHILD_TRANSITIONS)) & CHILD_NEVER - {start}
    # The adult set does reach it: the children's set really is the narrower one.
    assert any(target in CHILD_NEVER for _source, target in TRANSITIONS)


TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("born", "child"),
    [
        ("2008-12-08", True),  # 18 tomorrow
        ("2008-12-07", False),  # 18 today
        ("2008-12", True),  # a month alone: its last day, in doubt a child
        ("2008-11", False),
        ("2008", True),  # a year alone: the 31st of December
        ("~2008", True),
        ("2007", False),
        ("1993", False),
        ("2016-02-29", True),
    ],
)
def test_age_by_date_of_birth(born: str, child: bool) -> None:
    age = children.age_of(born, None, TODAY)
    assert age is not None
    assert age.child is child
    assert born in age.because


def test_age_by_estimate_grows_with_time() -> None:
    estimate = AgeEstimate(years=16, basis="medical", recorded_at=datetime(2025, 6, 1, tzinfo=UTC))
    assert children.age_of("", estimate, date(2027, 5, 31)) == children.Age(
        True, "estimated 16 years old on 2025-06-01 (a medical or dental assessment)"
    )
    later = children.age_of("", estimate, date(2027, 6, 1))
    assert later is not None
    assert not later.child
    assert children.age_of("", None, TODAY) is None


def _estimate(
    runtime: Runtime, persona: helpers.Persona, case_id: str, years: object, basis: str
) -> None:
    with runtime.db.transaction() as session:
        children.record_estimate(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            years=years,  # type: ignore[arg-type]
            basis=basis,
        )


def test_an_age_estimate_is_recorded_and_bad_ones_are_named(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    unknown = world.open_case(runtime, fra, born="", release=("DEU",))
    adult = world.open_case(runtime, fra)
    before = world.stored(runtime)
    for years, basis, field in (
        (-1, "medical", "years"),
        (121, "medical", "years"),
        (True, "medical", "years"),
        ("15", "medical", "years"),
        (15, "guess", "basis"),
    ):
        with pytest.raises(BadInput) as refused:
            _estimate(runtime, fra, unknown, years, basis)
        assert refused.value.field == field
    with pytest.raises(BadInput, match="has a date of birth"):
        _estimate(runtime, fra, adult, 15, "observed")
    with pytest.raises(NotFound):
        _estimate(runtime, deu, unknown, 15, "observed")  # released to DEU: still FRA's to say
    assert world.stored(runtime) == before
    _estimate(runtime, fra, unknown, 15, "observed")
    assert world.event_kinds(runtime, unknown)[-1] == "case:age:estimate"
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the case's age")
        case = session.get(Case, unknown)
        assert case is not None
        age = children.age(session, runtime.secrets, case)
    assert age is not None
    assert age.child


def _born(runtime: Runtime, case_id: str, born: str) -> None:
    """The claimed identity's date of birth, set as an identity change would."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: a date of birth")
        case = session.get(Case, case_id)
        assert case is not None
        identity = case_service.identity_of(runtime.secrets, case)
        identity.date_of_birth = born
        case.identity_sealed = ClaimedIdentity(**vars(identity)).seal(runtime.secrets)


@pytest.mark.parametrize("how", ["estimate", "date of birth"])
def test_a_child_is_never_put_in_custody(
    runtime: Runtime, personas: helpers.Personas, how: str
) -> None:
    fra = personas["fra_officer"]
    r = hw.handed_over(runtime, personas)
    hw.record(runtime, fra, r, hw.entry(r))
    if how == "estimate":
        _born(runtime, r.case_id, "")
        world.estimate(runtime, fra, r.case_id, 14)
    else:
        _born(runtime, r.case_id, str(date.today().year - 12))
    before = world.stored(runtime)
    keyring = helpers.keyring(runtime, fra)
    with (
        pytest.raises(TransitionNotAllowed, match=r"child's case .* never in custody"),
        runtime.db.transaction() as session,
    ):
        custody.enter_custody(
            session=session, keyring=keyring, secrets=runtime.secrets, case_id=r.case_id
        )
    with (
        pytest.raises(TransitionNotAllowed, match="child-protection actor"),
        runtime.db.transaction() as session,
    ):
        transition(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            case_id=r.case_id,
            to_stage="in_custody",
            note="by hand",
            via=THROUGH_CUSTODY,
        )
    assert world.stored(runtime) == before
    assert hw.stage(runtime, r.case_id) == "handed_over"
    # The same case as an adult's (born long ago) goes into custody as before.
    _born(runtime, r.case_id, "1990")
    with runtime.db.transaction() as session:
        custody.enter_custody(
            session=session, keyring=keyring, secrets=runtime.secrets, case_id=r.case_id
        )
    assert hw.stage(runtime, r.case_id) == "in_custody"


def test_an_estimate_over_18_does_not_stop_custody(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    case_id = world.open_case(runtime, fra, born="")
    world.estimate(runtime, fra, case_id, 25)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: a case handed over")
        session.execute(update(Case).where(Case.id == case_id).values(stage="handed_over"))
    with runtime.db.transaction() as session:
        transition(
            session=session,
            keyring=helpers.keyring(runtime, fra),
            secrets=runtime.secrets,
            case_id=case_id,
            to_stage="in_custody",
            note="Received",
            via=THROUGH_CUSTODY,
        )
    assert hw.stage(runtime, case_id) == "in_custody"
