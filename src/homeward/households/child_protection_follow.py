"""A child's handovers to child protection follow their case (cases/followers.py).

A handover carries its case's labels with the coordination cell added to the release list (it
hands the child over). When the case's protection changes it takes the new labels; a handover
still waiting or disputed needs the cell, so a level above what the cell may be released is
refused for its case; a settled one takes the new level and, where the cell may no longer read
it, leaves the cell's release list. A transfer seals every content key (the handover's and each
side's word) to the receiving desk at the request and removes the old desk's wraps at
acceptance, or the refused desk's at a refusal.

Registered when any households module is imported (the package imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from homeward.accounts.models import DeskKey
from homeward.cases import followers
from homeward.cases.models import Case
from homeward.core.errors import BadInput
from homeward.households.child_protection_models import (
    DISPUTED,
    PENDING,
    ChildProtectionConfirmation,
    ChildProtectionConfirmationWrap,
    ChildProtectionHandover,
    ChildProtectionWrap,
)
from homeward.policy import binding
from homeward.policy.labels import Classification

WHY = "a case's child-protection handovers, following a change of the case"


def _handovers(session: Session, case: Case) -> list[ChildProtectionHandover]:
    # The acting officer was allowed the case change; the records it carries may bear labels
    # that officer's filter hides (a transfer's old owner).
    with binding.unfiltered(session, WHY):
        return list(
            session.scalars(
                select(ChildProtectionHandover)
                .where(ChildProtectionHandover.case_id == case.id)
                .options(
                    selectinload(ChildProtectionHandover.wraps),
                    selectinload(ChildProtectionHandover.confirmations).selectinload(
                        ChildProtectionConfirmation.wraps
                    ),
                )
            )
        )


def relabel(session: Session, case: Case, check: followers.ReleaseCheck) -> None:
    for found in _handovers(session, case):
        try:
            release = check([*case.release_list, found.cell_nation])
        except BadInput as refused:
            if found.state in (PENDING, DISPUTED):
                level = Classification(case.classification).name
                raise BadInput(
                    "classification",
                    "a handover of this child to child protection is waiting and the "
                    "coordination cell, which hands the child over, must read it: it may not "
                    f"be released {level} records. Settle the handover first, or keep the level",
                ) from refused
            release = case.release  # settled: the cell keeps no sight of a level above its own
        found.owner_nation, found.classification, found.release = (
            case.owner_nation,
            case.classification,
            release,
        )


def share(session: Session, case: Case, held: Mapping[str, bytes], target: DeskKey) -> None:
    for found in _handovers(session, case):
        sealed = followers.sealed_again(found.wraps, held, target)
        if sealed is not None:
            found.wraps.append(ChildProtectionWrap(desk_key_id=target.id, sealed_key=sealed))
        for confirmation in found.confirmations:
            sealed = followers.sealed_again(confirmation.wraps, held, target)
            if sealed is not None:
                confirmation.wraps.append(
                    ChildProtectionConfirmationWrap(desk_key_id=target.id, sealed_key=sealed)
                )


def unshare(session: Session, case: Case, desk_key_ids: set[str]) -> None:
    for found in _handovers(session, case):
        found.wraps = [wrap for wrap in found.wraps if wrap.desk_key_id not in desk_key_ids]
        for confirmation in found.confirmations:
            confirmation.wraps = [
                wrap for wrap in confirmation.wraps if wrap.desk_key_id not in desk_key_ids
            ]


followers.register(
    followers.Follower(
        name="households-child-protection", relabel=relabel, share=share, unshare=unshare
    )
)
