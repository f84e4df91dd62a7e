"""A handover confirmed twice: the rules shared by an adult's handover at a point
(passage/handovers.py) and a child's handover to a child-protection organisation
(households/child_protection.py). Two sides, the owning desk and a cell, each say independently
whether it happened; both yes confirms it and moves the case on, one yes and one no is
`disputed` until a side revises its word, both no settles it as not having happened. No officer
confirms for both sides.

Here, below both capabilities, because passage and households may not import each other. What
differs (which record, who is a side, the words shown, what is sealed to whom) stays with each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.models import DeskKey
from homeward.accounts.service import Keyring
from homeward.cases import sealed, transitions
from homeward.cases import service as case_service
from homeward.cases.models import Case
from homeward.cases.states import WORDS, Stage
from homeward.core.errors import BadInput
from homeward.crypto.keys import ServerSecrets
from homeward.policy import binding
from homeward.policy import check as policy
from homeward.policy.roles import Role

PENDING, CONFIRMED, DISPUTED, NOT_HAPPENED = "pending", "confirmed", "disputed", "not_happened"
DESK, CELL = "desk", "cell"
STATE_WORDS = {
    PENDING: "waiting for a confirmation",
    CONFIRMED: "handed over: both sides confirmed",
    DISPUTED: "disputed: one side says it happened, the other says not",
    NOT_HAPPENED: "did not happen: both sides say so",
}


class Confirmation(Protocol):
    """One side's stored word (a row of each capability's confirmation table)."""

    side: str
    officer_id: str
    happened: bool
    confirmed_at: datetime
    superseded_at: datetime | None


C = TypeVar("C", bound=Confirmation)


class Confirmed(Protocol[C]):
    """A handover with its words (each capability's handover table)."""

    state: str
    updated_at: datetime
    confirmations: list[C]


@dataclass
class Word:
    """One side's word: when and who received when it happened; a note why when not."""

    happened: bool
    happened_at: datetime | None = None
    received_by: str = ""
    note: str = ""


@dataclass(frozen=True)
class Kind:
    """What differs between the two handovers confirmed twice, given once by each."""

    event: str
    """How its case events begin: "passage:handover" gives "passage:handover:confirm"."""
    side_words: Mapping[str, str]
    refused: type[BadInput]
    """Raised for a word the handover, the case or the officer does not allow."""
    stage_field: str
    """The field named when the case is no longer waiting for the handover."""
    what: str
    """What a side's time is of, after "say when": "the handover happened"."""
    bad_time: type[BadInput]
    """Raised for a missing or wrong time."""
    received_max: int
    note_max: int
    empty: str
    """How an empty required field is refused."""
    confirmation: Callable[..., Any]
    """The row of one side's word; `wrap`, the row of its content key sealed to a desk key."""
    wrap: Callable[..., Any]
    handed_over: str
    """The note on the move to `handed_over` when both said it happened."""
    via: str


@dataclass(frozen=True)
class SideView:
    side: str
    officer: str
    happened: bool
    happened_at: datetime | None
    received_by: str
    note: str
    confirmed_at: datetime
    revisions: int
    """Earlier words of this side, superseded."""


def clean(value: str, name: str, limit: int, *, required: bool, empty: str) -> str:
    """The text stripped; refused when required and empty, or too long."""
    cleaned = value.strip()
    if required and not cleaned:
        raise BadInput(name, empty)
    if len(cleaned) > limit:
        raise BadInput(name, f"longer than {limit} characters")
    return cleaned


def moment(
    value: datetime | None, name: str, what: str, refused: type[BadInput] = BadInput
) -> datetime:
    """A time given with its zone, in UTC."""
    if value is None:
        raise refused(name, f"say when {what}")
    if value.tzinfo is None:
        raise refused(name, "give the time with its time zone")
    return value.astimezone(UTC)


def word_content(
    kind: Kind, word: Word, *, now: datetime, earliest: datetime, too_early: str
) -> dict[str, str | bool | None]:
    """What a side's word says beyond yes or no, checked, ready to seal."""
    note = clean(word.note, "note", kind.note_max, required=not word.happened, empty=kind.empty)
    if not word.happened:
        return {"happened": False, "happened_at": None, "received_by": "", "note": note}
    at = moment(word.happened_at, "happened_at", kind.what, kind.bad_time)
    if at > now:
        raise kind.bad_time("happened_at", "the time is in the future")
    if at < earliest:
        raise kind.bad_time("happened_at", too_early)
    received_by = clean(
        word.received_by, "received_by", kind.received_max, required=True, empty=kind.empty
    )
    return {"happened": True, "happened_at": at.isoformat(), "received_by": received_by,
            "note": note}  # fmt: skip


def live(found: Confirmed[C] | None) -> dict[str, C]:
    """Each side's standing word (a revised one is superseded)."""
    if found is None:
        return {}
    return {c.side: c for c in found.confirmations if c.superseded_at is None}


def state_of(words: Mapping[str, Confirmation]) -> str:
    """Pending until both sides spoke; then confirmed, not happened, or disputed."""
    if len(words) < 2:
        return PENDING
    said = {word.happened for word in words.values()}
    if said == {True}:
        return CONFIRMED
    return NOT_HAPPENED if said == {False} else DISPUTED


def refuse(
    kind: Kind,
    *,
    principal: policy.Principal,
    side: str,
    state: str,
    confirmations: Sequence[Confirmation],
    case: Case,
    waiting: bool,
) -> None:
    """Refuse a word on a settled handover, on a case no longer waiting for it (only the desk
    is told the case's stage), a second word of a side while the two agree, and a word of an
    officer who spoke for the other side."""
    if state in (CONFIRMED, NOT_HAPPENED):
        raise kind.refused("handover", f"already settled: {STATE_WORDS[state]}")
    if not waiting:
        detail = f"; it is {WORDS[Stage(case.stage)]}" if side == DESK else ""
        raise kind.refused(kind.stage_field, f"the case is not waiting for this handover{detail}")
    standing = {c.side for c in confirmations if c.superseded_at is None}
    if side in standing and state != DISPUTED:
        raise kind.refused(
            "handover",
            f"{kind.side_words[side]} has confirmed already; a side revises its word only when "
            "the two sides disagree",
        )
    if any(c.officer_id == principal.officer_id and c.side != side for c in confirmations):
        other = CELL if side == DESK else DESK
        raise kind.refused(
            "officer",
            f"{principal.username} confirmed for {kind.side_words[other]} and cannot also confirm "
            f"for {kind.side_words[side]}; another officer must",
        )


def take_word(
    kind: Kind,
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case: Case,
    found: Confirmed[C],
    side: str,
    content: dict[str, str | bool | None],
    keys: list[DeskKey],
    now: datetime,
    ref: dict[str, str],
) -> None:
    """Store a side's word, its content sealed to `keys` (superseding the side's earlier word),
    set the state and record it on the case: `confirm` or `revise`, and `dispute` when the sides
    disagree. When both said it happened, the case moves to `handed_over`."""
    happened = bool(content["happened"])
    body, wraps = sealed.seal(content, keys)
    revising = live(found).get(side)
    if revising is not None:
        revising.superseded_at = now
    found.confirmations.append(
        kind.confirmation(
            side=side,
            officer_id=principal.officer_id,
            happened=happened,
            body=body,
            confirmed_at=now,
            wraps=[kind.wrap(desk_key_id=k, sealed_key=s) for k, s in wraps],
        )
    )
    standing: dict[str, C] = live(found)
    found.state, found.updated_at = state_of(standing), now
    session.flush()
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind=f"{kind.event}:revise" if revising else f"{kind.event}:confirm",
        detail={**ref, "side": side, "happened": happened, "state": found.state},
    )
    if found.state == DISPUTED:
        case_service.record_event(
            session=session,
            secrets=secrets,
            principal=principal,
            case=case,
            kind=f"{kind.event}:dispute",
            detail=ref,
        )
    if found.state == CONFIRMED:
        move_for_desk(
            session=session,
            principal=principal,
            secrets=secrets,
            case=case,
            target=Stage.HANDED_OVER,
            note=kind.handed_over,
            via=kind.via,
        )


def move_for_desk(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    case: Case,
    target: Stage,
    note: str,
    via: str,
) -> None:
    """Move the case through the case service. The second word may be the cell's, whose
    officer cannot move a case: the move is then made on the desk's behalf, in that officer's
    name (the event says who confirmed last). The binding is restored afterwards."""
    acting = principal
    if principal.nation != case.owner_nation:
        acting = policy.Principal(
            officer_id=principal.officer_id,
            username=principal.username,
            role=Role.DESK_OFFICER,
            nation=case.owner_nation,
            clearance=case.classification,
        )
    try:
        transitions.transition(
            session=session,
            keyring=Keyring(principal=acting, private_key=b""),
            secrets=secrets,
            case_id=case.id,
            to_stage=target.value,
            note=note,
            via=via,
        )
    finally:
        binding.bind(session, principal)


def side_view(
    session: Session, confirmation: Confirmation, said: dict[str, Any], history: Sequence[C]
) -> SideView:
    """A side's standing word as shown, `said` being its sealed content opened."""
    officer = accounts_service.get_officer(session=session, officer_id=confirmation.officer_id)
    at = said.get("happened_at")
    return SideView(
        side=confirmation.side,
        officer=officer.username if officer else "",
        happened=bool(said["happened"]),
        happened_at=datetime.fromisoformat(at) if at else None,
        received_by=str(said["received_by"]),
        note=str(said["note"]),
        confirmed_at=confirmation.confirmed_at,
        revisions=len([c for c in history if c.side == confirmation.side and c.superseded_at]),
    )


def may_confirm(my_side: str | None, state: str, sides: Mapping[str, SideView]) -> bool:
    """A side gives its word once, and again only while the two disagree."""
    return my_side is not None and (
        (state == PENDING and my_side not in sides) or state == DISPUTED
    )
