"""A case's approvals follow the case (cases/followers.py).

An approval carries its case's owner and classification and goes to no other nation (its
release list stays empty), so when the case's protection or owner changes it takes the new
owner and level. A transfer seals each approval's content key (both comments) to the
receiving desk at the request, and removes the old desk's wraps at acceptance, or the refused
desk's at a refusal.

Registered when any approvals module is imported (the package imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from homeward.accounts.models import DeskKey
from homeward.approvals.models import Approval, ApprovalWrap
from homeward.cases import followers
from homeward.cases.models import Case
from homeward.policy import binding

WHY = "a case's approvals, following a change of the case its officer may make"


def _approvals(session: Session, case: Case) -> list[Approval]:
    # The acting officer was allowed the case change by the case service; the approvals it
    # carries along may still bear labels that officer's filter hides (a transfer's old owner).
    with binding.unfiltered(session, WHY):
        return list(
            session.scalars(
                select(Approval)
                .where(Approval.case_id == case.id)
                .options(selectinload(Approval.wraps))
            )
        )


def relabel(session: Session, case: Case, check: followers.ReleaseCheck) -> None:
    for approval in _approvals(session, case):
        # The release list stays empty (an approval goes to no other nation), checked
        # against the case's new protection like every follower's.
        approval.owner_nation, approval.classification, approval.release = (
            case.owner_nation,
            case.classification,
            check(approval.release_list),
        )


def share(session: Session, case: Case, held: Mapping[str, bytes], target: DeskKey) -> None:
    for approval in _approvals(session, case):
        sealed = followers.sealed_again(approval.wraps, held, target)
        if sealed is not None:
            approval.wraps.append(ApprovalWrap(desk_key_id=target.id, sealed_key=sealed))


def unshare(session: Session, case: Case, desk_key_ids: set[str]) -> None:
    for approval in _approvals(session, case):
        approval.wraps = [wrap for wrap in approval.wraps if wrap.desk_key_id not in desk_key_ids]


followers.register(
    followers.Follower(name="approvals", relabel=relabel, share=share, unshare=unshare)
)
