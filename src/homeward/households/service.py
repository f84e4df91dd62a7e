"""Households: the owning desk of a case links it to another case it can see, and unlinks it
with a reason; whoever reads a case sees the members whose cases they may also open.

The only code that changes links. Each change is a case event and an audit entry on both cases,
in the same transaction. A link is two rows (models.py); both are written and removed together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from homeward.cases import children
from homeward.cases import service as case_service
from homeward.cases.models import Case
from homeward.core.db import new_id, utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.crypto.keys import ServerSecrets
from homeward.households import best_interests, child_protection
from homeward.households.models import BASES, INVERSE, RELATIONSHIPS, HouseholdLink
from homeward.policy import binding, roles
from homeward.policy import check as policy

REASON_MAX_CHARS = 2000
REFERENCE_MAX_CHARS = 20


@dataclass(frozen=True)
class Member:
    """A member as the household card shows it: never a name, only what the case list shows."""

    link_id: str
    case_id: str
    reference: str
    stage: str
    relation: str
    basis: str
    recorded_at: datetime


def _own_case(session: Session, principal: policy.Principal, case_id: str) -> Case:
    """A case of this officer's desk, for linking (NotFound as if absent otherwise)."""
    policy.require_permission(principal, roles.HOUSEHOLD_LINK)
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # a nation it was released to reads the household, never edits it
    return case


def household(*, session: Session, principal: policy.Principal, case_id: str) -> list[Member]:
    """The members of the case's household this officer may see, in the order they were linked.
    The binding filters the link rows (member's labels) and both joined cases."""
    policy.require_permission(principal, roles.HOUSEHOLD_READ)
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    anchor, member = aliased(Case), aliased(Case)
    rows = session.execute(
        select(HouseholdLink, member.reference, member.stage)
        .join(anchor, anchor.id == HouseholdLink.case_id)
        .join(member, member.id == HouseholdLink.member_case_id)
        .where(HouseholdLink.case_id == case.id)
        .order_by(HouseholdLink.recorded_at, HouseholdLink.id)
    )
    return [
        Member(
            link.link_id,
            link.member_case_id,
            reference,
            stage,
            link.relation,
            link.basis,
            link.recorded_at,
        )
        for link, reference, stage in rows
    ]


def may_link(principal: policy.Principal, owner_nation: str) -> bool:
    """Whether the case page offers the link form (the owning desk, a role that links)."""
    return owner_nation == principal.nation and roles.may(principal.role, roles.HOUSEHOLD_LINK)


def link(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    case_id: str,
    member_reference: str,
    relation: str,
    basis: str,
) -> str:
    """Link the desk's case to the case named by its reference, as `relation` (what the member
    is to this case) known by `basis`. Returns the link's id. Refusals name the field."""
    case = _own_case(session, principal, case_id)
    if relation not in RELATIONSHIPS:
        raise BadInput("relation", f"{relation!r} is not one of: {', '.join(RELATIONSHIPS)}")
    if basis not in BASES:
        raise BadInput("basis", f"{basis!r} is not one of: {', '.join(BASES)}")
    reference = member_reference.strip().upper()
    if not reference or len(reference) > REFERENCE_MAX_CHARS:
        raise BadInput("member", "give the reference of the member's case, such as FRA-3F9A21C4")
    try:
        member = case_service.get_case_by_reference(
            session=session, principal=principal, reference=reference, permission=roles.CASE_READ
        )
    except NotFound:
        raise BadInput("member", f"no case {reference} that you can open") from None
    if member.id == case.id:
        raise BadInput("member", "a case cannot be linked to itself")
    existing = session.scalar(
        select(HouseholdLink.id).where(
            HouseholdLink.case_id == case.id, HouseholdLink.member_case_id == member.id
        )
    )
    if existing is not None:
        raise BadInput("member", f"{member.reference} is already in this household")
    link_id, now = new_id(), utcnow()
    for side, other, what in ((case, member, relation), (member, case, INVERSE[relation])):
        session.add(
            HouseholdLink(
                link_id=link_id,
                case_id=side.id,
                member_case_id=other.id,
                relation=what,
                basis=basis,
                recorded_by=principal.officer_id,
                recorded_at=now,
                owner_nation=other.owner_nation,
                classification=other.classification,
                release=other.release,
            )
        )
        case_service.record_event(
            session=session,
            secrets=secrets,
            principal=principal,
            case=side,
            kind="household:link",
            detail={"link": link_id, "member": other.reference, "relation": what, "basis": basis},
        )
    session.flush()
    return link_id


def unlink(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    case_id: str,
    link_id: str,
    reason: str,
) -> None:
    """Remove a link of the desk's case (both sides), saying why."""
    case = _own_case(session, principal, case_id)
    why = reason.strip()
    sides = list(session.scalars(select(HouseholdLink).where(HouseholdLink.link_id == link_id)))
    if not any(side.case_id == case.id for side in sides):
        raise NotFound("household link")
    if not why:
        raise BadInput("reason", "say why the link is removed")
    if len(why) > REASON_MAX_CHARS:
        raise BadInput("reason", f"longer than {REASON_MAX_CHARS} characters")
    # The member's side carries this case's labels, the case's side the member's: the officer
    # sees both (the filter showed the case's side), and both go.
    with binding.unfiltered(session, "both sides of a link the officer may remove"):
        every_side = list(
            session.scalars(select(HouseholdLink).where(HouseholdLink.link_id == link_id))
        )
        cases = {side.case_id: session.get(Case, side.case_id) for side in every_side}
    for side in every_side:
        found = cases[side.case_id]
        if found is not None:
            case_service.record_event(
                session=session,
                secrets=secrets,
                principal=principal,
                case=found,
                kind="household:unlink",
                detail={"link": link_id, "reason": why},
            )
        session.delete(side)
    session.flush()


@dataclass(frozen=True)
class Card:
    """What the case page shows of the household and, for a child, the child's path."""

    members: list[Member]
    may_link: bool
    age: children.Age | None
    """Only for the owning desk (the basis of an estimate is the desk's record)."""
    assessments: list[tuple[str, datetime]]
    """Best-interests assessments of a child's case: (id, when), for the owning desk."""
    may_assess: bool
    protection: child_protection.Summary | None = None
    """A child's handover to child protection, for the owning desk (nothing sealed opened)."""
    may_protect: bool = False
    """Whether the desk may record a new handover to child protection now."""
    why_not_protect: str = ""


def card(
    *, session: Session, principal: policy.Principal, secrets: ServerSecrets, case_id: str
) -> Card | None:
    """The case page's household card; None where the role reads no household."""
    if not roles.may(principal.role, roles.HOUSEHOLD_READ):
        return None
    members = household(session=session, principal=principal, case_id=case_id)
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    owner = case.owner_nation == principal.nation
    age = children.age(session, secrets, case) if owner else None
    child = age is not None and age.child
    assessments = []
    if child and roles.may(principal.role, roles.BEST_INTERESTS_READ):
        assessments = [
            (found.id, found.assessed_at)
            for found in best_interests.of_case(
                session=session, principal=principal, case_id=case_id
            )
        ]
    protection, why_not = (
        child_protection.summary(session=session, principal=principal, case=case)
        if child
        else (None, "")
    )
    return Card(
        members=members,
        may_link=may_link(principal, case.owner_nation),
        age=age,
        assessments=assessments,
        may_assess=child and owner and roles.may(principal.role, roles.BEST_INTERESTS_WRITE),
        protection=protection,
        may_protect=child and owner and not why_not,
        why_not_protect=why_not,
    )
