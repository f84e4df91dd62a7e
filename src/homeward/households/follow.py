"""Household links and best-interests assessments follow their case (cases/followers.py).

A link row carries its *member's* case labels, so when that case's protection or owner changes
every row showing it takes the new labels (the release list is the case's own: a link is shown
exactly where the member's case is). A best-interests assessment takes its case's owner and
level and keeps its own (empty) release list, checked against the new protection; a transfer
seals its content key to the receiving desk at the request and removes the old desk's wraps at
acceptance, or the refused desk's at a refusal. Links hold nothing sealed.

Registered when any households module is imported (the package imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from homeward.accounts.models import DeskKey
from homeward.cases import followers
from homeward.cases.models import Case
from homeward.households.models import BestInterests, BestInterestsWrap, HouseholdLink
from homeward.policy import binding

WHY = "a case's household links and best-interests records, following a change of the case"


def _links(session: Session, case: Case) -> list[HouseholdLink]:
    # The acting officer was allowed the case change; rows showing the case may sit in
    # households of cases that officer cannot see, and they must follow too.
    with binding.unfiltered(session, WHY):
        return list(
            session.scalars(select(HouseholdLink).where(HouseholdLink.member_case_id == case.id))
        )


def _assessments(session: Session, case: Case) -> list[BestInterests]:
    with binding.unfiltered(session, WHY):
        return list(
            session.scalars(
                select(BestInterests)
                .where(BestInterests.case_id == case.id)
                .options(selectinload(BestInterests.wraps))
            )
        )


def relabel(session: Session, case: Case, check: followers.ReleaseCheck) -> None:
    for link in _links(session, case):
        link.owner_nation, link.classification, link.release = (
            case.owner_nation,
            case.classification,
            case.release,
        )
    for assessment in _assessments(session, case):
        assessment.owner_nation, assessment.classification, assessment.release = (
            case.owner_nation,
            case.classification,
            check(assessment.release_list),
        )


def share(session: Session, case: Case, held: Mapping[str, bytes], target: DeskKey) -> None:
    for assessment in _assessments(session, case):
        sealed = followers.sealed_again(assessment.wraps, held, target)
        if sealed is not None:
            assessment.wraps.append(BestInterestsWrap(desk_key_id=target.id, sealed_key=sealed))


def unshare(session: Session, case: Case, desk_key_ids: set[str]) -> None:
    for assessment in _assessments(session, case):
        assessment.wraps = [
            wrap for wrap in assessment.wraps if wrap.desk_key_id not in desk_key_ids
        ]


followers.register(
    followers.Follower(name="households", relabel=relabel, share=share, unshare=unshare)
)
