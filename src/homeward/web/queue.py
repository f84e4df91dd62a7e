"""The supervisor's queue: everything waiting for a second officer of the desk, oldest first.

Three kinds, each kept by its own capability and filtered there by the one policy binding
before it is sorted: close requests (approvals), submitted screening assessments (screening's
review clears a case), and passage plans waiting for approval (passage). This module only
merges the three lists and names the officers; it builds no query. Shared by the officer page
and the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.approvals import service as approvals
from homeward.cases.states import WORDS, Stage
from homeward.passage import flows as passage_flows
from homeward.policy import roles
from homeward.policy.check import Principal
from homeward.screening import service as screening

CLOSE, REVIEW, PLAN = "close", "review", "plan"


@dataclass(frozen=True)
class Item:
    """One thing waiting: on which case, what is asked, by whom, since when."""

    kind: str
    """`close` (a close request), `review` (a screening assessment), `plan` (a passage plan)."""
    target_id: str
    """The approval, the assessment or the plan."""
    case_id: str
    reference: str
    stage: str
    asked: str
    asked_by: str
    since: datetime

    @property
    def stage_words(self) -> str:
        return WORDS[Stage(self.stage)]


def may_see(principal: Principal) -> bool:
    """Only a supervisor has a queue (it answers the requests in it)."""
    return roles.may(principal.role, roles.APPROVAL_DECIDE)


def queue(*, session: Session, principal: Principal) -> list[Item]:
    """Everything this supervisor may answer, oldest first; Forbidden for any other role."""
    items = [
        Item(
            CLOSE,
            row.id,
            row.case_id,
            row.reference,
            row.stage,
            row.asked,
            row.requested_by,
            row.requested_at,
        )
        for row in approvals.waiting(session=session, principal=principal)
    ]
    items += [
        Item(
            REVIEW,
            row.id,
            row.case_id,
            row.reference,
            row.stage,
            "review the screening assessment (eligible or refer clears the case)",
            row.author_id,
            row.submitted_at,
        )
        for row in screening.waiting_for_review(session=session, principal=principal)
    ]
    items += [
        Item(
            PLAN,
            row.plan_id,
            row.case_id,
            row.reference,
            row.stage,
            f"approve the passage plan: {row.point_name}, "
            f"{row.window_starts_at:%Y-%m-%d %H:%M} UTC",
            ",".join(row.written_by),
            row.waiting_since or row.window_starts_at,
        )
        for row in passage_flows.to_approve(session=session, principal=principal)
    ]
    names = _names(session, {officer for item in items for officer in item.asked_by.split(",")})
    named = [
        Item(
            item.kind,
            item.target_id,
            item.case_id,
            item.reference,
            item.stage,
            item.asked,
            ", ".join(names.get(o, "a former officer") for o in item.asked_by.split(",") if o),
            item.since,
        )
        for item in items
    ]
    return sorted(named, key=lambda item: (item.since, item.reference))


def _names(session: Session, officer_ids: set[str]) -> dict[str, str]:
    names = {}
    for officer_id in officer_ids - {""}:
        officer = accounts_service.get_officer(session=session, officer_id=officer_id)
        if officer is not None:
            names[officer_id] = officer.username
    return names
