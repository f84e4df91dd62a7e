"""Need to know over plans, through the one binding: the owning desk reads and changes its
plans; the cell that runs the point reads the plans there and nothing else of the case;
another nation, even one the case is released to, sees a booking only as "booked"; another
cell reads nothing of a point it does not run. The calendar shows each what it may see.
Both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from homeward.audit import service as audit
from homeward.cases import service as case_service
from homeward.core.errors import Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.passage import calendar, plans
from homeward.passage.models import PassagePlan
from homeward.passage.schemas import CalendarWindow, PlanView
from homeward.policy import binding, roles
from tests import helpers
from tests.passage import world


def _open(runtime: Runtime, persona: helpers.Persona, plan_id: str) -> PlanView:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        return plans.open_plan(session=session, keyring=keyring, plan_id=plan_id)


def _calendar(runtime: Runtime, persona: helpers.Persona, point_id: str) -> list[CalendarWindow]:
    with runtime.db.transaction() as session:
        return calendar.calendar(
            session=session,
            principal=world.principal(runtime, persona),
            point_id=point_id,
            first_day=world.day_ahead(),
            days=1,
        )


def _at(windows: list[CalendarWindow], local_start: str) -> CalendarWindow:
    return next(window for window in windows if window.local_start == local_start)


@pytest.fixture
def booked(runtime: Runtime, personas: helpers.Personas) -> tuple[str, str, str]:
    """A point of the IRQ cell with a FRA plan (its case released to DEU) and a DEU plan in
    the 09:00 window: (point, FRA plan, FRA case)."""
    point_id = world.make_point(runtime, personas["coordinator"], capacity=3)
    starts_at = world.window(world.day_ahead(), "09:00")
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    case_id = world.cleared_case(runtime, fra, release=("DEU",))
    plan_id = world.book(
        runtime, fra, case_id, point_id, starts_at, plan_details=world.details("FRA words")
    )
    world.book(runtime, deu, world.cleared_case(runtime, deu, family="Becker"), point_id, starts_at)
    return point_id, plan_id, case_id


def test_the_owner_reads_its_plan_and_the_read_is_audited(
    runtime: Runtime, personas: helpers.Personas, booked: tuple[str, str, str]
) -> None:
    _point_id, plan_id, case_id = booked
    view = _open(runtime, personas["fra_officer"], plan_id)
    assert view.details.bring == "Identity papers, no weapon FRA words"
    assert (view.status, view.approved, view.point_name) == ("booked", False, "Rabia crossing")
    with runtime.db.transaction() as session:
        reads = [
            (entry.action, entry.actor)
            for entry in audit.entries(session=session, resource_id=case_id)
            if entry.action == "passage:plan:read"
        ]
    assert reads == [("passage:plan:read", f"officer:{personas['fra_officer'].officer_id}")]


def test_the_cell_reads_the_plans_at_its_points_and_nothing_else_of_the_case(
    runtime: Runtime, personas: helpers.Personas, booked: tuple[str, str, str]
) -> None:
    point_id, plan_id, case_id = booked
    coordinator = personas["coordinator"]
    assert _open(runtime, coordinator, plan_id).details.instructions.endswith("FRA words")
    with pytest.raises(NotFound), runtime.db.transaction() as session:
        case_service.get_case(
            session=session,
            principal=world.principal(runtime, coordinator),
            case_id=case_id,
            permission=roles.CASE_READ,
        )
    window = _at(_calendar(runtime, coordinator, point_id), "09:00")
    assert (window.booked, window.others, window.free) == (2, 0, 1)
    assert {slot.owner_nation for slot in window.mine} == {"FRA", "DEU"}
    assert all(slot.case_id is None for slot in window.mine)  # the cell learns no case
    with pytest.raises(NotFound), runtime.db.transaction() as session:
        plans.plans_of(
            session=session, principal=world.principal(runtime, coordinator), case_id=case_id
        )


def test_another_cell_reads_nothing_at_a_point_it_does_not_run(
    runtime: Runtime, personas: helpers.Personas, booked: tuple[str, str, str]
) -> None:
    point_id, plan_id, _case_id = booked
    jor = world.second_cell(runtime)
    with pytest.raises(NotFound):
        _open(runtime, jor, plan_id)
    window = _at(_calendar(runtime, jor, point_id), "09:00")
    assert (window.mine, window.others) == ((), 2)
    # Its own point's plans it reads.
    own_point = world.make_point(runtime, jor, name="Al-Qaim crossing")
    fra = personas["fra_officer"]
    other_plan = world.book(
        runtime,
        fra,
        world.cleared_case(runtime, fra, family="Amrani"),
        own_point,
        world.window(world.day_ahead(), "09:00"),
    )
    assert _open(runtime, jor, other_plan).point_name == "Al-Qaim crossing"
    with pytest.raises(NotFound):
        _open(runtime, personas["coordinator"], other_plan)


def test_another_nation_sees_only_booked_even_with_the_case_released_to_it(
    runtime: Runtime, personas: helpers.Personas, booked: tuple[str, str, str]
) -> None:
    point_id, plan_id, case_id = booked
    deu = personas["deu_officer"]
    with pytest.raises(NotFound):
        _open(runtime, deu, plan_id)
    window = _at(_calendar(runtime, deu, point_id), "09:00")
    assert (window.booked, window.others, window.free) == (2, 1, 1)
    assert [slot.owner_nation for slot in window.mine] == ["DEU"]
    fra_window = _at(_calendar(runtime, personas["fra_officer"], point_id), "09:00")
    assert [(slot.plan_id, slot.case_id) for slot in fra_window.mine] == [(plan_id, case_id)]
    assert fra_window.others == 1
    # DEU reads the released case, but neither its plans nor a way to change them.
    with pytest.raises(NotFound), runtime.db.transaction() as session:
        plans.plans_of(session=session, principal=world.principal(runtime, deu), case_id=case_id)
    with pytest.raises(NotFound), runtime.db.transaction() as session:
        plans.cancel(
            session=session,
            principal=world.principal(runtime, deu),
            secrets=runtime.secrets,
            plan_id=plan_id,
            reason="not ours",
        )


def test_the_binding_filters_plan_queries_by_the_case_labels(
    runtime: Runtime, personas: helpers.Personas, booked: tuple[str, str, str]
) -> None:
    """A plan carries its case's labels with the point's cell added: the rows each reader's
    query returns are exactly those labels' readers'."""
    _point_id, plan_id, _case_id = booked

    def visible(persona: helpers.Persona) -> set[str]:
        with runtime.db.transaction() as session:
            binding.bind(session, world.principal(runtime, persona))
            return set(session.scalars(select(PassagePlan.owner_nation)))

    assert visible(personas["fra_officer"]) == {"FRA"}
    assert visible(personas["deu_officer"]) == {"FRA", "DEU"}  # released: the row, no key
    assert visible(personas["coordinator"]) == {"FRA", "DEU"}
    assert visible(personas["administrator"]) == set()
    assert visible(personas["auditor"]) == set()
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the plan's labels")
        plan = session.get(PassagePlan, plan_id)
        assert plan is not None
        assert (plan.owner_nation, plan.release_list) == ("FRA", ["DEU", "IRQ"])


def test_roles_without_the_permission_are_refused(
    runtime: Runtime, personas: helpers.Personas, booked: tuple[str, str, str]
) -> None:
    point_id, plan_id, _case_id = booked
    for key in ("administrator", "auditor"):
        with pytest.raises(Forbidden):
            _open(runtime, personas[key], plan_id)
        with pytest.raises(Forbidden):
            _calendar(runtime, personas[key], point_id)
    with pytest.raises(Forbidden), runtime.db.transaction() as session:
        plans.cancel(
            session=session,
            principal=world.principal(runtime, personas["coordinator"]),
            secrets=runtime.secrets,
            plan_id=plan_id,
            reason="the cell never changes a plan",
        )
