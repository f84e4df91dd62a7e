"""The custody chain: from the handover on, every change of who holds the person is one entry
(held by, received from, from, to, a coarse place, the reason, who confirmed it), recorded by
the owning desk and sealed to it. The chain has no gaps: an entry starts exactly where the last
link ended, in time and in holder (the first link is the handover itself: the receiving unit's
word on when and who received), or it is refused with the gap named and nothing stored.
`in_custody` needs the first entry; `repatriated` needs an arrival confirmed by the home
nation's desk. Each entry is a case event and an audit entry in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import sealed, transitions
from homeward.cases import service as case_service
from homeward.cases.models import Case
from homeward.cases.states import THROUGH_ARRIVAL, THROUGH_CUSTODY, Stage
from homeward.core.db import utcnow
from homeward.core.errors import BadInput
from homeward.crypto.keys import ServerSecrets
from homeward.passage import access, handovers
from homeward.passage.custody_models import (
    ARRIVAL,
    CELL,
    CONFIRMED,
    CUSTODY_KINDS,
    CustodyEntry,
    CustodyEntryWrap,
    Handover,
)
from homeward.passage.schemas import COORDINATES, text
from homeward.policy import binding, roles
from homeward.policy import check as policy

CUSTODY_VIA = THROUGH_CUSTODY
ARRIVAL_VIA = THROUGH_ARRIVAL
"""What moves a case to `in_custody` and to `repatriated` (`only_through` in cases/states.py)."""
KIND_WORDS = {
    "screening_facility": "screening facility",
    "home_nation_officers": "transfer to the home nation's officers",
    "journey_home": "the flight or crossing home",
    ARRIVAL: "arrival",
}
HOLDER_MAX, PLACE_MAX, REASON_MAX = 120, 80, 2000
RECORDABLE = frozenset({Stage.HANDED_OVER, Stage.IN_CUSTODY})


class CustodyRefused(BadInput):
    """The entry would break the chain (a gap, an overlap, a holder out of nowhere), or the
    case has no chain to extend."""


@dataclass
class CustodyData:
    """One link as the desk enters it; times with their zone."""

    kind: str
    held_by: str
    received_from: str
    place: str
    starts_at: datetime
    reason: str
    ends_at: datetime | None = None


@dataclass(frozen=True)
class Link:
    """Where the chain stands: who holds him, since and until when (None: holds him now)."""

    holder: str
    starts_at: datetime
    ends_at: datetime | None
    entry: CustodyEntry | None
    """None for the handover itself, the chain's first link."""


@dataclass(frozen=True)
class EntryView:
    position: int
    kind: str
    held_by: str
    received_from: str
    place: str
    reason: str
    starts_at: datetime
    ends_at: datetime | None
    confirmed_by: str
    confirmed_nation: str


@dataclass(frozen=True)
class ChainView:
    case_id: str
    reference: str
    stage: str
    handover: Link | None
    entries: list[EntryView]
    ended: bool
    """An arrival closed the chain."""
    may_enter_custody: bool
    may_repatriate: bool


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _when(value: datetime | None, field_name: str, now: datetime) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise CustodyRefused(field_name, "give the time with its time zone")
    at = value.astimezone(UTC)
    if at > now:
        raise CustodyRefused(field_name, "the time is in the future")
    return at


def _stamp(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _checked(data: CustodyData, now: datetime) -> tuple[dict[str, str], datetime, datetime | None]:
    if data.kind not in CUSTODY_KINDS:
        raise CustodyRefused("kind", f"one of: {', '.join(KIND_WORDS.values())}")
    content = {
        "held_by": text(data.held_by, "held_by", HOLDER_MAX, required=True),
        "received_from": text(data.received_from, "received_from", HOLDER_MAX, required=True),
        "place": text(data.place, "place", PLACE_MAX, required=True),
        "reason": text(data.reason, "reason", REASON_MAX, required=True),
    }
    if COORDINATES.search(content["place"]):
        raise CustodyRefused("place", "a town or district, never coordinates")
    starts_at = _when(data.starts_at, "starts_at", now)
    assert starts_at is not None  # noqa: S101 - a datetime in, a datetime out
    ends_at = _when(data.ends_at, "ends_at", now)
    if ends_at is not None and ends_at <= starts_at:
        raise CustodyRefused("ends_at", "the end is not after the start")
    if data.kind == ARRIVAL and ends_at is not None:
        raise CustodyRefused("ends_at", "an arrival ends the chain: leave its end empty")
    return content, starts_at, ends_at


def _entries(session: Session, case: Case) -> list[CustodyEntry]:
    return list(
        session.scalars(
            select(CustodyEntry)
            .where(CustodyEntry.case_id == case.id)
            .order_by(CustodyEntry.position)
        )
    )


def _handover_link(session: Session, keyring: Keyring, handover: Handover) -> Link:
    """The receiving unit's word: who received him and when, the chain's first link."""
    word = handovers.live(handover)[CELL]
    content = sealed.open_body(session, keyring, word.body, word.wraps)
    return Link(
        holder=str(content["received_by"]),
        starts_at=datetime.fromisoformat(str(content["happened_at"])),
        ends_at=None,
        entry=None,
    )


def _last_link(
    session: Session, keyring: Keyring, handover: Handover, entries: list[CustodyEntry]
) -> Link:
    if not entries:
        link = _handover_link(session, keyring, handover)
        # The handover is an instant: the first holder takes over exactly then.
        return Link(link.holder, link.starts_at, link.starts_at, None)
    last = entries[-1]
    content = sealed.open_body(session, keyring, last.body, last.wraps)
    return Link(str(content["held_by"]), last.starts_at, last.ends_at, last)


def _refuse_gap(link: Link, content: dict[str, str], starts_at: datetime) -> None:
    """The new entry starts where the last link ends: same instant, same holder."""
    what = "the handover" if link.entry is None else f"entry {link.entry.position}"
    if link.ends_at is not None and starts_at != link.ends_at:
        broken = "have a gap" if starts_at > link.ends_at else "overlap"
        raise CustodyRefused(
            "starts_at",
            f"the chain would {broken}: {what} ends at {_stamp(link.ends_at)}, and this "
            f"entry starts at {_stamp(starts_at)}; it must start exactly then",
        )
    if link.ends_at is None and starts_at <= link.starts_at:
        raise CustodyRefused(
            "starts_at",
            f"the chain would overlap: {what} began at {_stamp(link.starts_at)}; this entry "
            "must start after it",
        )
    if not _same(content["received_from"], link.holder):
        raise CustodyRefused(
            "received_from",
            f"the chain would have a gap: after {what} he is held by {link.holder}, but this "
            f"entry says he was received from {content['received_from']}",
        )


def record(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    case_id: str,
    data: CustodyData,
    now: datetime | None = None,
) -> CustodyEntry:
    """Append one link to the case's chain, or refuse with the gap named (nothing stored).
    An open last link (no end given) is closed by the next one's start."""
    principal = keyring.principal
    policy.require_permission(principal, roles.CASE_EDIT)
    now = now or utcnow()
    case = access.own_case(session, principal, case_id)
    if Stage(case.stage) not in RECORDABLE:
        raise CustodyRefused(
            "case", "custody is recorded from the handover until the person is home"
        )
    handover = handovers.confirmed_handover(session=session, principal=principal, case=case)
    session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    entries = _entries(session, case)
    if entries and entries[-1].kind == ARRIVAL:
        raise CustodyRefused("kind", "the chain ended with the arrival: he is home")
    content, starts_at, ends_at = _checked(data, now)
    link = _last_link(session, keyring, handover, entries)
    _refuse_gap(link, content, starts_at)
    if link.entry is not None and link.ends_at is None:
        link.entry.ends_at = starts_at
    owners = sealed.owner_desks(session, owner_nation=case.owner_nation, case_id=case.id)
    keys = sealed.desk_keys(session, owners)
    body, wraps = sealed.seal(content, keys)
    entry = CustodyEntry(
        case_id=case.id,
        handover_id=handover.id,
        position=len(entries) + 1,
        kind=data.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        body=body,
        confirmed_by=principal.officer_id,
        confirmed_nation=principal.nation,
        owner_nation=case.owner_nation,
        classification=case.classification,
        release=case.release,
        created_at=now,
        wraps=[CustodyEntryWrap(desk_key_id=k, sealed_key=s) for k, s in wraps],
    )
    session.add(entry)
    session.flush()
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="passage:custody:record",
        detail={"entry": entry.id, "position": entry.position, "kind": entry.kind},
    )
    session.flush()
    return entry


def _may_enter_custody(entries: list[CustodyEntry]) -> bool:
    return bool(entries)


def _may_repatriate(case: Case, entries: list[CustodyEntry]) -> bool:
    return any(e.kind == ARRIVAL and e.confirmed_nation == case.owner_nation for e in entries)


def open_chain(*, session: Session, keyring: Keyring, case_id: str) -> ChainView:
    """The chain opened for the owning desk, from the handover to the last link; one audit
    entry for the read of its sealed detail."""
    principal = keyring.principal
    case = access.own_case(session, principal, case_id)
    binding.bind(session, principal)
    handover = session.scalars(
        select(Handover).where(Handover.case_id == case.id, Handover.state == CONFIRMED)
    ).first()
    entries = _entries(session, case)
    views = []
    for entry in entries:
        content = sealed.open_body(session, keyring, entry.body, entry.wraps)
        officer = accounts_service.get_officer(session=session, officer_id=entry.confirmed_by)
        views.append(
            EntryView(
                position=entry.position,
                kind=entry.kind,
                held_by=str(content["held_by"]),
                received_from=str(content["received_from"]),
                place=str(content["place"]),
                reason=str(content["reason"]),
                starts_at=entry.starts_at,
                ends_at=entry.ends_at,
                confirmed_by=officer.username if officer else "",
                confirmed_nation=entry.confirmed_nation,
            )
        )
    link = _handover_link(session, keyring, handover) if handover else None
    if link or views:
        audit.record(
            session=session,
            actor=principal.audit_name,
            action="passage:custody:read",
            resource_type="case",
            resource_id=case.id,
            nation=case.owner_nation,
        )
    stage = Stage(case.stage)
    return ChainView(
        case_id=case.id,
        reference=case.reference,
        stage=stage.value,
        handover=link,
        entries=views,
        ended=bool(entries) and entries[-1].kind == ARRIVAL,
        may_enter_custody=stage is Stage.HANDED_OVER and _may_enter_custody(entries),
        may_repatriate=stage is Stage.IN_CUSTODY and _may_repatriate(case, entries),
    )


def _move(
    session: Session, keyring: Keyring, secrets: ServerSecrets, case: Case, *, to: Stage, via: str
) -> Case:
    return transitions.transition(
        session=session,
        keyring=keyring,
        secrets=secrets,
        case_id=case.id,
        to_stage=to.value,
        note=f"the custody chain allows it: {via}",
        via=via,
    )


def enter_custody(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, case_id: str
) -> Case:
    """`handed_over` -> `in_custody`, only once the chain has its first entry."""
    principal = keyring.principal
    policy.require_permission(principal, roles.CASE_TRANSITION)
    case = access.own_case(session, principal, case_id)
    if not _may_enter_custody(_entries(session, case)):
        raise CustodyRefused("stage", "in custody needs the custody chain's first entry")
    return _move(session, keyring, secrets, case, to=Stage.IN_CUSTODY, via=CUSTODY_VIA)


def repatriate(*, session: Session, keyring: Keyring, secrets: ServerSecrets, case_id: str) -> Case:
    """`in_custody` -> `repatriated`, only with an arrival confirmed by the home nation's desk."""
    principal = keyring.principal
    policy.require_permission(principal, roles.CASE_TRANSITION)
    case = access.own_case(session, principal, case_id)
    if not _may_repatriate(case, _entries(session, case)):
        raise CustodyRefused(
            "stage", "repatriated needs an arrival confirmed by the home nation's desk"
        )
    return _move(session, keyring, secrets, case, to=Stage.REPATRIATED, via=ARRIVAL_VIA)
