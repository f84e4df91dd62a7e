"""Plans through their service: the two-person rule bound to the content hash, changes that
void it, cancellation that frees the place, and every step a case event and an audit entry.
Both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from homeward.audit import service as audit
from homeward.cases.models import Case, CaseEvent
from homeward.core.errors import BadInput, Forbidden
from homeward.core.runtime import Runtime
from homeward.passage import approvals, plans
from homeward.passage.exceptions import ApprovalRefused
from homeward.passage.models import APPROVED, BOOKED, HandoverWindow, PassagePlan
from homeward.passage.schemas import PlanDetails
from homeward.policy import binding
from tests import helpers
from tests.passage import world


@pytest.fixture
def point_id(runtime: Runtime, personas: helpers.Personas) -> str:
    return world.make_point(runtime, personas["coordinator"], capacity=1)


def _approve(runtime: Runtime, persona: helpers.Persona, plan_id: str) -> None:
    with runtime.db.transaction() as session:
        approvals.approve(
            session=session,
            principal=world.principal(runtime, persona),
            secrets=runtime.secrets,
            plan_id=plan_id,
        )


def _change(
    runtime: Runtime, persona: helpers.Persona, plan_id: str, details: PlanDetails, **where: object
) -> None:
    with runtime.db.transaction() as session:
        plans.change(
            session=session,
            principal=world.principal(runtime, persona),
            secrets=runtime.secrets,
            plan_id=plan_id,
            details=details,
            **where,  # type: ignore[arg-type]
        )


def _cancel(runtime: Runtime, persona: helpers.Persona, plan_id: str, reason: str) -> None:
    with runtime.db.transaction() as session:
        plans.cancel(
            session=session,
            principal=world.principal(runtime, persona),
            secrets=runtime.secrets,
            plan_id=plan_id,
            reason=reason,
        )


def _approved(runtime: Runtime, persona: helpers.Persona, case_id: str) -> str | None:
    """The plan `approved_plan_for` gives for the case, as its owner sees it."""
    principal = world.principal(runtime, persona)
    with runtime.db.transaction() as session:
        binding.bind(session, principal)
        case = session.get(Case, case_id)
        assert case is not None
        plan = approvals.approved_plan_for(session=session, principal=principal, case=case)
        return plan.id if plan is not None else None


def _kinds(runtime: Runtime, case_id: str) -> list[str]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the case's events")
        events = session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at)
        )
        return [kind for kind in events if kind.startswith("passage:")]


def _audited(runtime: Runtime, case_id: str) -> list[str]:
    with runtime.db.transaction() as session:
        return [
            entry.action
            for entry in audit.entries(session=session, resource_id=case_id)
            if entry.action.startswith("passage:")
        ]


def test_a_supervisor_who_did_not_write_it_approves_and_the_case_has_an_approved_plan(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    plan_id = world.book(
        runtime, officer, case_id, point_id, world.window(world.day_ahead(), "09:00")
    )
    assert _approved(runtime, officer, case_id) is None
    _approve(runtime, supervisor, plan_id)
    assert _approved(runtime, officer, case_id) == plan_id
    assert _kinds(runtime, case_id) == ["passage:plan:book", "passage:plan:approve"]
    assert _audited(runtime, case_id) == ["passage:plan:book", "passage:plan:approve"]
    before = world.stored(runtime)
    with pytest.raises(ApprovalRefused, match="already approved"):
        _approve(runtime, world.another_supervisor(runtime), plan_id)
    assert world.stored(runtime).events == before.events


def test_the_author_cannot_approve_and_a_desk_officer_never_approves(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    plan_id = world.book(
        runtime, supervisor, case_id, point_id, world.window(world.day_ahead(), "09:00")
    )
    before = world.stored(runtime)
    with pytest.raises(ApprovalRefused, match=r"fra\.supervisor wrote this plan and cannot also"):
        _approve(runtime, supervisor, plan_id)
    with pytest.raises(Forbidden):
        _approve(runtime, officer, plan_id)
    assert world.stored(runtime) == before
    assert _approved(runtime, officer, case_id) is None
    # Another supervisor of the desk may.
    _approve(runtime, world.another_supervisor(runtime), plan_id)
    assert _approved(runtime, officer, case_id) == plan_id


def test_a_supervisor_who_changed_the_plan_cannot_approve_that_version(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    plan_id = world.book(
        runtime, officer, case_id, point_id, world.window(world.day_ahead(), "09:00")
    )
    _change(runtime, supervisor, plan_id, world.details("with an interpreter"))
    with pytest.raises(ApprovalRefused, match="wrote this plan"):
        _approve(runtime, supervisor, plan_id)


def test_any_change_voids_the_approval_and_says_so(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    day = world.day_ahead()
    plan_id = world.book(runtime, officer, case_id, point_id, world.window(day, "09:00"))
    _approve(runtime, supervisor, plan_id)
    # The same words again are still a new version: the approval does not carry over.
    _change(runtime, officer, plan_id, world.details())
    assert _approved(runtime, officer, case_id) is None
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the approval after the change")
        plan = session.get(PassagePlan, plan_id)
        assert plan is not None
        assert plan.status == BOOKED
        assert [(a.void_reason, a.voided_by) for a in plan.approvals] == [
            (approvals.VOID_CHANGED, personas["fra_officer"].officer_id)
        ]
        assert not approvals.is_approved(plan)
    assert _kinds(runtime, case_id) == [
        "passage:plan:book",
        "passage:plan:approve",
        "passage:plan:approval:void",
        "passage:plan:change",
    ]
    assert _audited(runtime, case_id) == _kinds(runtime, case_id)
    # Approved again, then moved to another window: void again, and the place moves with it.
    _approve(runtime, supervisor, plan_id)
    _change(runtime, officer, plan_id, world.details(), starts_at=world.window(day, "10:00"))
    assert _approved(runtime, officer, case_id) is None
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the counters after the move")
        counters = {row.starts_at: row.booked for row in session.scalars(select(HandoverWindow))}
    assert counters == {world.window(day, "09:00"): 0, world.window(day, "10:00"): 1}


def test_a_plan_changed_outside_the_service_is_not_approved(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    """The approval is bound to the hash: rewriting the sealed details or the window in the
    database, status left as approved, does not leave an approved plan."""
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    day = world.day_ahead()
    plan_id = world.book(runtime, officer, case_id, point_id, world.window(day, "09:00"))
    other_id = world.book(
        runtime,
        officer,
        world.cleared_case(runtime, officer, family="Amrani"),
        point_id,
        world.window(day, "10:00"),
    )
    _approve(runtime, supervisor, plan_id)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: tamper with a plan")
        other_body = session.scalar(select(PassagePlan.body).where(PassagePlan.id == other_id))
        session.execute(
            update(PassagePlan).where(PassagePlan.id == plan_id).values(body=other_body)
        )
    assert _approved(runtime, officer, case_id) is None
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: tamper with a plan")
        session.execute(
            update(PassagePlan)
            .where(PassagePlan.id == plan_id)
            .values(window_starts_at=world.window(day, "11:00"))
        )
        plan = session.get(PassagePlan, plan_id)
        assert plan is not None
        assert plan.status == APPROVED
        assert not approvals.is_approved(plan)


def test_cancelling_needs_a_reason_frees_the_place_and_voids_the_approval(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    starts_at = world.window(world.day_ahead(), "09:00")
    plan_id = world.book(runtime, officer, case_id, point_id, starts_at)
    _approve(runtime, supervisor, plan_id)
    before = world.stored(runtime)
    with pytest.raises(BadInput, match="reason: it is empty"):
        _cancel(runtime, officer, plan_id, "  ")
    assert world.stored(runtime) == before
    _cancel(runtime, officer, plan_id, "He asked for a later date")
    assert world.stored(runtime).booked == 0
    assert _approved(runtime, officer, case_id) is None
    assert _kinds(runtime, case_id)[-2:] == ["passage:plan:approval:void", "passage:plan:cancel"]
    # The place is free for someone else; a cancelled plan neither changes nor is approved.
    world.book(
        runtime, officer, world.cleared_case(runtime, officer, family="Amrani"), point_id, starts_at
    )
    with pytest.raises(BadInput, match="the plan is cancelled"):
        _change(runtime, officer, plan_id, world.details())
    with pytest.raises(ApprovalRefused, match="the plan is cancelled"):
        _approve(runtime, world.another_supervisor(runtime), plan_id)
    with pytest.raises(BadInput, match="already cancelled"):
        _cancel(runtime, officer, plan_id, "twice")


def test_a_change_that_breaks_a_rule_is_refused_and_the_plan_stays(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    day = world.day_ahead()
    plan_id = world.book(runtime, officer, case_id, point_id, world.window(day, "09:00"))
    world.book(
        runtime,
        officer,
        world.cleared_case(runtime, officer, family="Amrani"),
        point_id,
        world.window(day, "10:00"),
    )
    _approve(runtime, supervisor, plan_id)
    before = world.stored(runtime)
    with pytest.raises(BadInput, match="is full"):
        _change(runtime, officer, plan_id, world.details(), starts_at=world.window(day, "10:00"))
    with pytest.raises(BadInput, match="receiving_unit"):
        _change(runtime, officer, plan_id, PlanDetails(receiving_unit=""))
    naive = world.window(day, "11:00").replace(tzinfo=None)
    with pytest.raises(BadInput, match="with its time zone"):
        _change(runtime, officer, plan_id, world.details(), starts_at=naive)
    assert world.stored(runtime) == before
    assert _approved(runtime, officer, case_id) == plan_id


def test_a_plan_of_a_case_no_longer_cleared_is_not_approved(
    runtime: Runtime, personas: helpers.Personas, point_id: str
) -> None:
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, officer)
    plan_id = world.book(
        runtime, officer, case_id, point_id, world.window(world.day_ahead(), "09:00")
    )
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: the man withdrew")
        session.execute(update(Case).where(Case.id == case_id).values(stage="withdrawn"))
    before = world.stored(runtime)
    with pytest.raises(ApprovalRefused, match=r"only a cleared case .* is withdrawn"):
        _approve(runtime, supervisor, plan_id)
    assert world.stored(runtime) == before
