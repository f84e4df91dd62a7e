"""A case's passage records follow the case (cases/followers.py).

Plans and their handovers carry the case's labels with the cell that runs the point added to
the release list (it receives the person); custody entries carry the case's labels as they are.
When the case's protection changes they take the new labels. A plan still under way (not
cancelled, not yet handed over) needs the cell, so a level above what the cell may be
released is refused for its case; a settled or cancelled plan takes the new level and, where
the cell may no longer read it, leaves the cell's release list. A transfer seals every content
key to the receiving desk at the request and removes the old desk's wraps at acceptance.

Registered when any passage module is imported (the package imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from homeward.accounts.models import DeskKey
from homeward.cases import followers
from homeward.cases.models import Case
from homeward.core.errors import BadInput
from homeward.passage.custody_models import (
    CONFIRMED,
    CustodyEntry,
    CustodyEntryWrap,
    Handover,
    HandoverConfirmation,
    HandoverConfirmationWrap,
)
from homeward.passage.models import CANCELLED, PassagePlan, PassagePlanWrap
from homeward.policy import binding
from homeward.policy.labels import Classification

WHY = "a case's passage records, following a change of the case its officer may make"


def _plans(session: Session, case: Case) -> list[PassagePlan]:
    # The acting officer was allowed the case change by the case service; the records it
    # carries along may still bear labels that officer's filter hides (a transfer's old owner).
    with binding.unfiltered(session, WHY):
        return list(
            session.scalars(
                select(PassagePlan)
                .where(PassagePlan.case_id == case.id)
                .options(selectinload(PassagePlan.point), selectinload(PassagePlan.wraps))
            )
        )


def _handovers(session: Session, case: Case) -> dict[str, Handover]:
    with binding.unfiltered(session, WHY):
        rows = session.scalars(
            select(Handover)
            .where(Handover.case_id == case.id)
            .options(selectinload(Handover.confirmations).selectinload(HandoverConfirmation.wraps))
        )
        return {handover.plan_id: handover for handover in rows}


def _entries(session: Session, case: Case) -> list[CustodyEntry]:
    with binding.unfiltered(session, WHY):
        return list(
            session.scalars(
                select(CustodyEntry)
                .where(CustodyEntry.case_id == case.id)
                .options(selectinload(CustodyEntry.wraps))
            )
        )


def _under_way(plan: PassagePlan, handover: Handover | None) -> bool:
    """Not cancelled, and not yet handed over (a missed or disputed handover is re-booked or
    settled with the cell)."""
    return plan.status != CANCELLED and (handover is None or handover.state != CONFIRMED)


def relabel(session: Session, case: Case, check: followers.ReleaseCheck) -> None:
    handovers = _handovers(session, case)
    for plan in _plans(session, case):
        handover = handovers.get(plan.id)
        try:
            release = check([*case.release_list, plan.point.cell_nation])
        except BadInput as refused:
            if _under_way(plan, handover):
                level = Classification(case.classification).name
                raise BadInput(
                    "classification",
                    f"a passage plan of this case is under way and the coordination cell, "
                    f"which receives him, must read it: it may not be released {level} "
                    f"records. Cancel the plan first, or keep the level",
                ) from refused
            release = case.release  # settled: the cell keeps no sight of a level above its own
        plan.owner_nation, plan.classification, plan.release = (
            case.owner_nation,
            case.classification,
            release,
        )
        if handover is not None:
            handover.owner_nation, handover.classification, handover.release = (
                case.owner_nation,
                case.classification,
                release,
            )
    for entry in _entries(session, case):
        entry.owner_nation, entry.classification, entry.release = (
            case.owner_nation,
            case.classification,
            case.release,
        )


def share(session: Session, case: Case, held: Mapping[str, bytes], target: DeskKey) -> None:
    handovers = _handovers(session, case)
    for plan in _plans(session, case):
        sealed = followers.sealed_again(plan.wraps, held, target)
        if sealed is not None:
            plan.wraps.append(PassagePlanWrap(desk_key_id=target.id, sealed_key=sealed))
        handover = handovers.get(plan.id)
        for confirmation in handover.confirmations if handover is not None else []:
            sealed = followers.sealed_again(confirmation.wraps, held, target)
            if sealed is not None:
                confirmation.wraps.append(
                    HandoverConfirmationWrap(desk_key_id=target.id, sealed_key=sealed)
                )
    for entry in _entries(session, case):
        sealed = followers.sealed_again(entry.wraps, held, target)
        if sealed is not None:
            entry.wraps.append(CustodyEntryWrap(desk_key_id=target.id, sealed_key=sealed))


def unshare(session: Session, case: Case, desk_key_ids: set[str]) -> None:
    handovers = _handovers(session, case)
    for plan in _plans(session, case):
        plan.wraps = [wrap for wrap in plan.wraps if wrap.desk_key_id not in desk_key_ids]
        handover = handovers.get(plan.id)
        for confirmation in handover.confirmations if handover is not None else []:
            confirmation.wraps = [
                wrap for wrap in confirmation.wraps if wrap.desk_key_id not in desk_key_ids
            ]
    for entry in _entries(session, case):
        entry.wraps = [wrap for wrap in entry.wraps if wrap.desk_key_id not in desk_key_ids]


followers.register(
    followers.Follower(name="passage", relabel=relabel, share=share, unshare=unshare)
)
