"""A child's handover to a child-protection actor, as data and through the service: recorded by
the owning desk for a child's case only, from any open stage before handed over; confirmed by
the owning desk and the coordination cell, never by one officer for both; both yes hands the
child over (the only way a child's case gets there), one yes and one no is disputed, both no
settles it; the child's arrival home makes the case repatriated; a child is still never put in
custody. Every refusal names why and stores nothing. Both engines for the stored parts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from homeward.accounts.models import Officer
from homeward.cases.exceptions import TransitionNotAllowed
from homeward.cases.states import (
    CHILD_BEFORE_HANDOVER,
    CHILD_NEVER,
    CHILD_TRANSITIONS,
    THROUGH_APPROVAL,
    THROUGH_CHILD_ARRIVAL,
    THROUGH_CHILD_PROTECTION,
    THROUGH_CUSTODY,
    THROUGH_HANDOVER,
    TRANSITIONS,
    Stage,
)
from homeward.cases.transitions import transition
from homeward.core.db import utcnow
from homeward.core.errors import BadInput
from homeward.core.runtime import Runtime
from homeward.households import child_protection as cp
from homeward.households.child_protection_models import CONFIRMED, DISPUTED, NOT_HAPPENED, PENDING
from homeward.policy import binding
from homeward.policy.check import Principal
from homeward.policy.roles import Role
from tests import helpers
from tests.households import child_protection_world as cw
from tests.households import world


def _reachable(start: Stage) -> set[Stage]:
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        for source, target in CHILD_TRANSITIONS:
            if source == here and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_childrens_stage_set_as_data() -> None:
    for stage in CHILD_BEFORE_HANDOVER:
        rule = CHILD_TRANSITIONS[(stage, Stage.HANDED_OVER)]
        assert rule.only_through == THROUGH_CHILD_PROTECTION, stage
    assert CHILD_BEFORE_HANDOVER == (
        Stage.NEW,
        Stage.IN_CONTACT,
        Stage.IDENTITY_VERIFIED,
        Stage.CLEARED,
        Stage.PASSAGE_PLANNED,
    )
    # A child is never handed over by an adult's handover (which leads to custody) ...
    assert all(rule.only_through != THROUGH_HANDOVER for rule in CHILD_TRANSITIONS.values())
    # ... and finishes: handed over, repatriated on arrival, closed by an approved request.
    assert CHILD_TRANSITIONS[(Stage.HANDED_OVER, Stage.REPATRIATED)].only_through == (
        THROUGH_CHILD_ARRIVAL
    )
    assert CHILD_TRANSITIONS[(Stage.REPATRIATED, Stage.CLOSED)].only_through == THROUGH_APPROVAL
    assert Stage.CLOSED in _reachable(Stage.NEW)
    assert not _reachable(Stage.NEW) & CHILD_NEVER
    # An adult's stage set is unchanged: no shortcut to handed over.
    assert (Stage.NEW, Stage.HANDED_OVER) not in TRANSITIONS
    assert (Stage.HANDED_OVER, Stage.REPATRIATED) not in TRANSITIONS


@pytest.mark.parametrize("start", [stage.value for stage in CHILD_BEFORE_HANDOVER])
def test_both_confirmations_hand_the_child_over_from_any_open_stage(
    runtime: Runtime, personas: helpers.Personas, start: str
) -> None:
    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    case_id = cw.child(runtime, fra)
    cw.set_stage(runtime, case_id, start)
    handover_id = cw.record(runtime, fra, case_id)
    path = cw.of_case(runtime, fra, case_id)
    assert path.current is not None
    assert path.current.missing == ["the owning desk", "the coordination cell"]
    assert not path.may_record
    assert cw.confirm(runtime, coordinator, handover_id, cw.happened()) == PENDING
    assert cw.stage(runtime, case_id) == start
    assert cw.of_case(runtime, fra, case_id).current.missing == ["the owning desk"]  # type: ignore[union-attr]
    assert cw.confirm(runtime, fra, handover_id, cw.happened()) == CONFIRMED
    assert cw.stage(runtime, case_id) == "handed_over"
    kinds = world.event_kinds(runtime, case_id)
    assert kinds[-4:] == [
        "child:protection:record",
        "child:protection:confirm",
        "child:protection:confirm",
        "case:stage:change",
    ]


def test_the_arrival_home_makes_the_case_repatriated(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    case_id = cw.child(runtime, fra)
    handover_id = cw.record(runtime, fra, case_id)

    def arrive(
        at: datetime | None, note: str = "Received by the Paris child welfare service"
    ) -> None:
        with runtime.db.transaction() as session:
            cp.record_arrival(
                session=session,
                keyring=helpers.keyring(runtime, fra),
                secrets=runtime.secrets,
                case_id=case_id,
                arrived_at=at,
                note=note,
            )

    before = cw.stored(runtime)
    with pytest.raises(BadInput, match="once both sides have confirmed"):
        arrive(datetime.now(UTC))
    assert cw.stored(runtime) == before
    cw.confirm(runtime, coordinator, handover_id, cw.happened())
    cw.confirm(runtime, fra, handover_id, cw.happened())
    assert cw.of_case(runtime, fra, case_id).current.may_record_arrival  # type: ignore[union-attr]
    before = cw.stored(runtime)
    for at, note, field in (
        (None, "x", "arrived_at"),
        (datetime(2026, 12, 7, 10, 0), "x", "arrived_at"),  # no time zone
        (datetime.now(UTC) + timedelta(hours=1), "x", "arrived_at"),
        (datetime.now(UTC) - timedelta(days=30), "x", "arrived_at"),
        (datetime.now(UTC), "  ", "note"),
    ):
        with pytest.raises(BadInput) as refused:
            arrive(at, note)
        assert refused.value.field == field
        assert cw.stored(runtime) == before
    arrive(datetime.now(UTC) - timedelta(minutes=1))
    assert cw.stage(runtime, case_id) == "repatriated"
    view = cw.of_case(runtime, fra, case_id).current
    assert view is not None
    assert view.arrived_at is not None
    assert "closed" in view.next_step


def test_a_case_that_is_not_a_childs_or_not_open_is_refused_with_the_reason(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    adult = world.open_case(runtime, fra)
    unknown = world.open_case(runtime, fra, born="")
    child = cw.child(runtime, fra)
    handed = cw.child(runtime, fra)
    cw.set_stage(runtime, handed, "handed_over")
    withdrawn = cw.child(runtime, fra)
    cw.set_stage(runtime, withdrawn, "withdrawn")
    now = utcnow()
    before = cw.stored(runtime)
    for case_id, details, field, words in (
        (adult, cw.organisation(), "case", "not a child's case (born 1993"),
        (unknown, cw.organisation(), "case", "record the age first"),
        (handed, cw.organisation(), "case", "the case is handed over"),
        (withdrawn, cw.organisation(), "case", "re-opens the case first"),
        (child, cw.organisation("  "), "organisation", "needed"),
        (child, cw.organisation("x" * 201), "organisation", "longer than"),
        (child, cw.organisation(contact="x" * 201), "contact", "longer than"),
        (child, cw.organisation(place="x" * 201), "place", "longer than"),
        (child, cp.Organisation("UNICEF", None), "planned_at", "say when"),
        (child, cw.organisation(planned_at=datetime(2026, 12, 8, 9)), "planned_at", "time zone"),
        (child, cw.organisation(planned_at=now + timedelta(days=400)), "planned_at", "a year"),
        (child, cw.organisation(planned_at=now - timedelta(days=400)), "planned_at", "ago"),
    ):
        with pytest.raises(BadInput) as refused:
            cw.record(runtime, fra, case_id, details)
        assert refused.value.field == field, words
        assert words in str(refused.value)
        assert cw.stored(runtime) == before
    world.estimate(runtime, fra, unknown, 12)  # a child by an age estimate
    cw.record(runtime, fra, unknown)
    before = cw.stored(runtime)
    with pytest.raises(BadInput, match="already recorded and waiting"):
        cw.record(runtime, fra, unknown)
    assert cw.stored(runtime) == before


def test_one_yes_and_one_no_is_disputed_until_a_side_revises(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    case_id = cw.child(runtime, fra)
    handover_id = cw.record(runtime, fra, case_id)
    cw.confirm(runtime, coordinator, handover_id, cw.happened())
    before = cw.stored(runtime)
    with pytest.raises(BadInput, match="has confirmed already"):
        cw.confirm(runtime, coordinator, handover_id, cw.did_not())
    with pytest.raises(BadInput) as refused:
        cw.confirm(runtime, fra, handover_id, cp.Word(happened=False, note=" "))
    assert refused.value.field == "note"
    with pytest.raises(BadInput) as refused:
        cw.confirm(runtime, fra, handover_id, cp.Word(happened=True, received_by="Ms. Haddad"))
    assert refused.value.field == "happened_at"
    with pytest.raises(BadInput) as refused:
        cw.confirm(runtime, fra, handover_id, cw.happened(received_by=""))
    assert refused.value.field == "received_by"
    assert cw.stored(runtime) == before
    assert cw.confirm(runtime, fra, handover_id, cw.did_not()) == DISPUTED
    assert world.event_kinds(runtime, case_id)[-1] == "child:protection:dispute"
    assert cw.stage(runtime, case_id) == "new"
    path = cw.of_case(runtime, fra, case_id)
    assert path.current is not None
    assert path.current.may_confirm
    assert "disagree" in path.current.next_step
    assert cw.confirm(runtime, fra, handover_id, cw.happened()) == CONFIRMED
    assert world.event_kinds(runtime, case_id)[-2:] == [
        "child:protection:revise",
        "case:stage:change",
    ]
    assert cw.stage(runtime, case_id) == "handed_over"
    view = cw.of_case(runtime, fra, case_id).current
    assert view is not None
    assert view.sides["desk"].revisions == 1


def test_both_no_settles_it_and_a_new_handover_may_be_recorded(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    case_id = cw.child(runtime, fra)
    handover_id = cw.record(runtime, fra, case_id)
    cw.confirm(runtime, coordinator, handover_id, cw.did_not())
    assert cw.confirm(runtime, fra, handover_id, cw.did_not()) == NOT_HAPPENED
    before = cw.stored(runtime)
    with pytest.raises(BadInput, match="already settled"):
        cw.confirm(runtime, personas["fra_supervisor"], handover_id, cw.happened())
    assert cw.stored(runtime) == before
    path = cw.of_case(runtime, fra, case_id)
    assert path.may_record
    assert path.current is None
    assert [view.id for view in path.earlier] == [handover_id]
    again = cw.record(
        runtime, fra, case_id, cw.organisation("Direction de la protection de l'enfance")
    )
    assert again != handover_id


def test_the_same_officer_cannot_confirm_for_both_sides(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """The cell's coordinator confirms, is then posted to the French desk, and tries to give the
    desk's word too: refused, nothing stored."""
    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    case_id = cw.child(runtime, fra)
    handover_id = cw.record(runtime, fra, case_id)
    cw.confirm(runtime, coordinator, handover_id, cw.happened())
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: an officer posted to another desk")
        session.execute(
            update(Officer)
            .where(Officer.id == coordinator.officer_id)
            .values(nation="FRA", role=Role.DESK_OFFICER.value)
        )
    posted = Principal(coordinator.officer_id, coordinator.username, Role.DESK_OFFICER, "FRA", 3)
    before = cw.stored(runtime)
    with pytest.raises(BadInput, match="cannot also confirm") as refused:
        cw.confirm(runtime, posted, handover_id, cw.happened())
    assert refused.value.field == "officer"
    assert cw.stored(runtime) == before
    assert cw.stage(runtime, case_id) == "new"


def test_a_child_is_still_never_put_in_custody_nor_handed_over_by_an_adults_handover(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    case_id = cw.child(runtime, fra)
    handover_id = cw.record(runtime, fra, case_id)
    cw.confirm(runtime, coordinator, handover_id, cw.happened())
    cw.confirm(runtime, fra, handover_id, cw.happened())
    keyring = helpers.keyring(runtime, fra)

    def move(to: str, via: str) -> None:
        with runtime.db.transaction() as session:
            transition(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                case_id=case_id,
                to_stage=to,
                note="by hand",
                via=via,
            )

    before = cw.stored(runtime)
    with pytest.raises(TransitionNotAllowed, match=r"child's case .* never in custody"):
        move("in_custody", THROUGH_CUSTODY)
    with pytest.raises(TransitionNotAllowed, match="recorded by the owning desk"):
        move("repatriated", "")
    assert cw.stored(runtime) == before
    other = cw.child(runtime, fra)
    cw.set_stage(runtime, other, "passage_planned")
    keyring = helpers.keyring(runtime, fra)
    case_id = other
    with pytest.raises(TransitionNotAllowed, match="child-protection handover"):
        move("handed_over", THROUGH_HANDOVER)
    assert cw.stage(runtime, other) == "passage_planned"


def test_a_case_that_is_no_longer_a_childs_is_not_handed_over_this_way(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """The date of birth is corrected after the handover was recorded: a yes is refused with the
    reason (the cell is not told the date), a no is taken."""
    from tests.households.test_children import _born

    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    case_id = cw.child(runtime, fra)
    handover_id = cw.record(runtime, fra, case_id)
    _born(runtime, case_id, "1990")
    before = cw.stored(runtime)
    with pytest.raises(BadInput, match="no longer a child's: ") as refused:
        cw.confirm(runtime, coordinator, handover_id, cw.happened())
    assert "1990" not in str(refused.value)
    with pytest.raises(BadInput, match=r"no longer a child's \(born 1990"):
        cw.confirm(runtime, fra, handover_id, cw.happened())
    assert cw.stored(runtime) == before
    cw.confirm(runtime, coordinator, handover_id, cw.did_not())
    assert cw.confirm(runtime, fra, handover_id, cw.did_not()) == NOT_HAPPENED
    assert cw.stage(runtime, case_id) == "new"
