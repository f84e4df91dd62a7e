"""A case's screening assessments follow the case (cases/followers.py).

An assessment carries its case's owner and classification, and the release list screening gave
it (it goes to no other nation), so when the case's protection or owner changes it takes the
new owner and level and keeps its own release list, checked against the new protection. A
transfer seals each assessment's content key (which also opens the reviewer's reasons) to the
receiving desk at the request, and removes the old desk's wraps at acceptance, or the refused
desk's at a refusal.

Registered when any screening module is imported (the package imports this module).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from homeward.accounts.models import DeskKey
from homeward.cases import followers
from homeward.cases.models import Case
from homeward.policy import binding
from homeward.screening.models import ScreeningAssessment, ScreeningAssessmentWrap

WHY = "a case's screening assessments, following a change of the case its officer may make"


def _assessments(session: Session, case: Case) -> list[ScreeningAssessment]:
    # The acting officer was allowed the case change by the case service; the assessments it
    # carries along may still bear labels that officer's filter hides (a transfer's old owner).
    with binding.unfiltered(session, WHY):
        return list(
            session.scalars(
                select(ScreeningAssessment)
                .where(ScreeningAssessment.case_id == case.id)
                .options(selectinload(ScreeningAssessment.wraps))
            )
        )


def relabel(session: Session, case: Case, check: followers.ReleaseCheck) -> None:
    for assessment in _assessments(session, case):
        # The release list stays as screening chose it (none today), checked against the
        # case's new protection like every follower's.
        assessment.owner_nation, assessment.classification, assessment.release = (
            case.owner_nation,
            case.classification,
            check(assessment.release_list),
        )


def share(session: Session, case: Case, held: Mapping[str, bytes], target: DeskKey) -> None:
    for assessment in _assessments(session, case):
        sealed = followers.sealed_again(assessment.wraps, held, target)
        if sealed is not None:
            assessment.wraps.append(
                ScreeningAssessmentWrap(desk_key_id=target.id, sealed_key=sealed)
            )


def unshare(session: Session, case: Case, desk_key_ids: set[str]) -> None:
    for assessment in _assessments(session, case):
        assessment.wraps = [
            wrap for wrap in assessment.wraps if wrap.desk_key_id not in desk_key_ids
        ]


followers.register(
    followers.Follower(name="screening", relabel=relabel, share=share, unshare=unshare)
)
