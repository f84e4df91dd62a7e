"""Who may do what with a plan, beyond the binding's label filter: only the owning desk
writes, approves and lists a case's plans; the owning desk and the cell that runs the point
open one (the two keys it is sealed to)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from homeward.cases import service as case_service
from homeward.cases.models import Case
from homeward.cases.states import WORDS, Stage
from homeward.core.errors import BadInput, NotFound
from homeward.core.settings import Settings
from homeward.passage.models import HandoverPoint, PassagePlan
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy.labels import Classification

PLANNABLE = frozenset({Stage.CLEARED, Stage.PASSAGE_PLANNED})
"""A passage is planned for a cleared case (or re-planned once planned)."""


def may_open(principal: policy.Principal, *, owner_nation: str, point: HandoverPoint) -> bool:
    """A plan's details are for the owning desk and for the cell that runs its point (the two
    keys it is sealed to); any other reader, even one the case is released to, sees "booked"."""
    return principal.nation in (owner_nation, point.cell_nation)


def own_case(session: Session, principal: policy.Principal, case_id: str) -> Case:
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # a nation the case is released to reads it, never plans it
    return case


def own_plan(session: Session, principal: policy.Principal, plan_id: str) -> PassagePlan:
    """A plan of this officer's desk (the cell and released nations never change one)."""
    binding.bind(session, principal)
    plan = session.get(PassagePlan, plan_id)
    policy.check(principal, roles.PLAN_READ, plan, "plan")
    assert plan is not None  # noqa: S101 - policy.check raised otherwise
    if plan.owner_nation != principal.nation:
        raise NotFound("plan")
    return plan


def require_cell_may_read(case: Case, settings: Settings, refusal: type[BadInput]) -> None:
    """A plan is released to the cell that receives the person, which may be released nothing
    above `coordination_max_classification`: a case marked higher gets no plan until its level
    is lowered (or the programme raises the setting)."""
    if case.classification > settings.coordination_max_classification:
        level = Classification(case.classification).name
        cap = Classification(settings.coordination_max_classification).name
        raise refusal(
            "case",
            f"{case.reference} is marked {level}; a passage plan goes to the coordination "
            f"cell, which may be released {cap} at most. Lower the case's level first",
        )


def require_plannable(case: Case, refusal: type[BadInput]) -> None:
    """Only a cleared case is booked a window or has its plan approved."""
    if Stage(case.stage) not in PLANNABLE:
        raise refusal(
            "case",
            f"only a cleared case gets a passage plan; {case.reference} is "
            f"{WORDS[Stage(case.stage)]}",
        )
