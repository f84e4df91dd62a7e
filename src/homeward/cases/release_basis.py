"""The lawful basis of every disclosure of a case to another nation.

A nation added to a case's release list, or sent the case by a transfer, gets one basis record:
the person's consent (when and how it was given), a legal obligation or vital interest, and who
decided, when. A release without one is refused before anything changes. Removing the nation
closes its record (kept, with when and by whom). What describes the person (how consent was
given or withdrawn, the grounds of an obligation or a danger) is tier 1: sealed to the owning
desk like a note, and carried to a receiving desk by a transfer (a follower, below); the kind of
basis is clear, so the page and the counts read it without a key.

The case service and transfers call `required` before they change anything and `record` or
`close` after; withdrawing consent and a supervisor's review are in consent.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from homeward.accounts import service as accounts_service
from homeward.accounts.models import DeskKey
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import followers
from homeward.cases.models import (
    Case,
    CaseConsent,
    CaseConsentWrap,
    CaseReleaseBasis,
    CaseReleaseBasisWrap,
    CaseTransfer,
)
from homeward.core.db import utcnow
from homeward.core.errors import BadInput
from homeward.crypto import sealing
from homeward.policy import binding
from homeward.policy import check as policy

CONSENT, LEGAL_OBLIGATION, VITAL_INTEREST = "consent", "legal_obligation", "vital_interest"
KINDS = {
    CONSENT: "the person's consent",
    LEGAL_OBLIGATION: "a legal obligation",
    VITAL_INTEREST: "vital interest",
}
TEXT_MAX = 2000
TRANSFER_PENDING = "pending"
"""transfers.PENDING (transfers.py imports this module, so the word is repeated here)."""


@dataclass(frozen=True)
class Basis:
    """What an officer gives for nations newly given the case. Consent: either a consent on
    file (`consent_id`) or a new one (`given_on` and `how`). Otherwise `grounds`: which
    obligation, or what danger."""

    kind: str
    given_on: date | None = None
    how: str = ""
    consent_id: str = ""
    grounds: str = ""


def _text(text: str, field: str, missing: str) -> str:
    text = text.strip()
    if not text:
        raise BadInput(field, missing)
    if len(text) > TEXT_MAX:
        raise BadInput(field, f"longer than {TEXT_MAX} characters")
    return text


def _consent_on_file(session: Session, case: Case, consent_id: str) -> CaseConsent:
    consent = session.get(CaseConsent, consent_id)
    if consent is None or consent.case_id != case.id:
        raise BadInput("consent_id", "no consent of this case has this id")
    if consent.withdrawn_at is not None:
        raise BadInput(
            "consent_id", f"this consent was withdrawn on {consent.withdrawn_at:%Y-%m-%d}"
        )
    return consent


def required(
    *, session: Session, case: Case, basis: Basis | None, nations: Sequence[str]
) -> Basis | None:
    """The basis checked for `nations` (newly given the case), before anything is written;
    refused naming what is missing. None when no nation is added."""
    if not nations:
        return None
    named = ", ".join(nations)
    if basis is None or not basis.kind.strip():
        raise BadInput(
            "basis",
            f"say on what basis {named} may read the case: the person's consent, "
            "a legal obligation or vital interest",
        )
    if basis.kind not in KINDS:
        raise BadInput("basis", "choose consent, legal_obligation or vital_interest")
    if basis.kind == CONSENT:
        if basis.consent_id:
            _consent_on_file(session, case, basis.consent_id)
            return basis
        if basis.given_on is None:
            raise BadInput("consent_given_on", "say when the person gave consent")
        if basis.given_on > utcnow().date():
            raise BadInput("consent_given_on", "is in the future")
        how = _text(basis.how, "consent_how", "say how the person gave consent")
        return Basis(kind=CONSENT, given_on=basis.given_on, how=how)
    missing = "name the obligation" if basis.kind == LEGAL_OBLIGATION else "say what danger"
    return Basis(kind=basis.kind, grounds=_text(basis.grounds, "grounds", missing))


def _sealed(desk_keys: Sequence[DeskKey], text: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(ciphertext, (desk key id, the content key sealed to it) per desk key)."""
    content_key = sealing.random_bytes()
    return (
        sealing.encrypt(content_key, text.encode()),
        [(key.id, sealing.seal(key.public_key, content_key)) for key in desk_keys],
    )


def _desk_keys(session: Session, case: Case) -> list[DeskKey]:
    """The owning desk's key and, while a transfer of the case waits for an answer, the key of
    the desk it is addressed to: what is written meanwhile opens for that desk once it accepts,
    as what was written before does (shared at the request); a refusal takes these wraps away
    again with the others (followers.unshare)."""
    desk_key = accounts_service.current_desk_key(session=session, desk_code=case.owner_nation)
    if desk_key is None:
        raise BadInput("desk", "the desk has no key yet")
    keys = [desk_key]
    waiting = session.scalar(
        select(CaseTransfer.to_nation).where(
            CaseTransfer.case_id == case.id, CaseTransfer.status == TRANSFER_PENDING
        )
    )
    if waiting is not None:
        waiting_key = accounts_service.current_desk_key(session=session, desk_code=waiting)
        if waiting_key is not None:
            keys.append(waiting_key)
    return keys


def record(
    *,
    session: Session,
    principal: policy.Principal,
    case: Case,
    nations: Sequence[str],
    basis: Basis | None,
    transfer_id: str | None = None,
) -> list[CaseReleaseBasis]:
    """One open record per nation, on a basis `required` checked. A new consent is recorded
    once and shared by every nation of this decision."""
    if not nations or basis is None:
        return []
    desk_keys = _desk_keys(session, case)
    now = utcnow()
    consent_id = None
    if basis.kind == CONSENT:
        if basis.consent_id:
            consent_id = _consent_on_file(session, case, basis.consent_id).id
        else:
            assert basis.given_on is not None  # noqa: S101 - required() checked it
            how, wrapped = _sealed(desk_keys, basis.how)
            consent = CaseConsent(
                case_id=case.id,
                given_on=basis.given_on,
                how=how,
                recorded_by=principal.officer_id,
                recorded_at=now,
            )
            consent.wraps = [
                CaseConsentWrap(desk_key_id=key_id, sealed_key=sealed) for key_id, sealed in wrapped
            ]
            session.add(consent)
            session.flush()
            consent_id = consent.id
    rows = []
    for nation in nations:
        row = CaseReleaseBasis(
            case_id=case.id,
            nation=nation,
            kind=basis.kind,
            consent_id=consent_id,
            transfer_id=transfer_id,
            decided_by=principal.officer_id,
            decided_at=now,
        )
        if basis.grounds:
            row.grounds, wrapped = _sealed(desk_keys, basis.grounds)
            row.wraps = [
                CaseReleaseBasisWrap(desk_key_id=key_id, sealed_key=sealed)
                for key_id, sealed in wrapped
            ]
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def open_records(session: Session, case: Case) -> list[CaseReleaseBasis]:
    return list(
        session.scalars(
            select(CaseReleaseBasis)
            .where(CaseReleaseBasis.case_id == case.id, CaseReleaseBasis.closed_at.is_(None))
            .order_by(CaseReleaseBasis.decided_at, CaseReleaseBasis.id)
        )
    )


def close(
    *,
    session: Session,
    principal: policy.Principal,
    case: Case,
    nations: Sequence[str] = (),
    records: Sequence[CaseReleaseBasis] = (),
) -> None:
    """Close the open release-list records of `nations` (they left the list), and `records`."""
    now = utcnow()
    chosen = [
        row
        for row in open_records(session, case)
        if (row.nation in nations and row.transfer_id is None) or row in records
    ]
    for row in chosen:
        row.closed_at, row.closed_by = now, principal.officer_id
    session.flush()


def close_transfer(*, session: Session, principal: policy.Principal, transfer_id: str) -> None:
    """A refused transfer disclosed nothing more: its record is closed by the refusing desk."""
    now = utcnow()
    rows = session.scalars(
        select(CaseReleaseBasis).where(
            CaseReleaseBasis.transfer_id == transfer_id, CaseReleaseBasis.closed_at.is_(None)
        )
    ).all()
    for row in rows:
        row.closed_at, row.closed_by = now, principal.officer_id
    session.flush()


@dataclass(frozen=True)
class ConsentView:
    id: str
    given_on: date
    how: str | None
    """None when this officer's desk keys do not open it."""
    recorded_by: str
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawal_how: str | None


@dataclass(frozen=True)
class BasisView:
    id: str
    nation: str
    kind: str
    words: str
    by_transfer: bool
    decided_by: str
    decided_at: datetime
    grounds: str | None
    consent: ConsentView | None
    flagged_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None


def _opened(
    held: Mapping[str, bytes], wraps: Sequence[followers.Wrap], *texts: bytes | None
) -> list[str | None]:
    wrap = next((wrap for wrap in wraps if wrap.desk_key_id in held), None)
    if wrap is None:
        return [None for _ in texts]
    key = sealing.unseal(held[wrap.desk_key_id], wrap.sealed_key)
    return [sealing.decrypt(key, text).decode() if text is not None else None for text in texts]


def views(*, session: Session, keyring: Keyring, case: Case) -> list[BasisView]:
    """Every basis record of the case, open ones first, with what this officer's desk keys
    open; the read of sealed details is audited."""
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    rows = session.scalars(
        select(CaseReleaseBasis)
        .where(CaseReleaseBasis.case_id == case.id)
        .options(selectinload(CaseReleaseBasis.wraps))
        .order_by(CaseReleaseBasis.decided_at, CaseReleaseBasis.id)
    ).all()
    consents: dict[str, ConsentView] = {}
    for consent in session.scalars(
        select(CaseConsent)
        .where(CaseConsent.case_id == case.id)
        .options(selectinload(CaseConsent.wraps))
    ):
        how, withdrawal = _opened(held, consent.wraps, consent.how, consent.withdrawal_how)
        consents[consent.id] = ConsentView(
            consent.id,
            consent.given_on,
            how,
            consent.recorded_by,
            consent.recorded_at,
            consent.withdrawn_at,
            consent.withdrawn_by,
            withdrawal,
        )
    found = []
    for row in rows:
        (grounds,) = _opened(held, row.wraps, row.grounds)
        found.append(
            BasisView(
                row.id,
                row.nation,
                row.kind,
                KINDS.get(row.kind, row.kind),
                row.transfer_id is not None,
                row.decided_by,
                row.decided_at,
                grounds,
                consents.get(row.consent_id) if row.consent_id else None,
                row.flagged_at,
                row.closed_at,
                row.closed_by,
            )
        )
    if rows or consents:
        audit.record(
            session=session,
            actor=keyring.principal.audit_name,
            action="case:release:read",
            resource_type="case",
            resource_id=case.id,
            nation=case.owner_nation,
        )
    found.sort(key=lambda view: view.closed_at is not None)
    return found


def flagged_cases(*, session: Session, principal: policy.Principal) -> list[tuple[str, str]]:
    """(id, reference) of this desk's cases with a release waiting for review (its consent
    was withdrawn), oldest flag first."""
    binding.bind(session, principal)
    rows = session.execute(
        select(Case.id, Case.reference, func.min(CaseReleaseBasis.flagged_at))
        .join(Case, Case.id == CaseReleaseBasis.case_id)
        .where(
            Case.owner_nation == principal.nation,
            CaseReleaseBasis.flagged_at.is_not(None),
            CaseReleaseBasis.closed_at.is_(None),
        )
        .group_by(Case.id, Case.reference)
        .order_by(func.min(CaseReleaseBasis.flagged_at))
        .limit(50)
    )
    return [(case_id, reference) for case_id, reference, _flagged in rows]


# Following the case (followers.py): the sealed details go with a transfer, like notes.


def _records(session: Session, case: Case) -> tuple[list[CaseConsent], list[CaseReleaseBasis]]:
    consents = session.scalars(
        select(CaseConsent)
        .where(CaseConsent.case_id == case.id)
        .options(selectinload(CaseConsent.wraps))
    ).all()
    bases = session.scalars(
        select(CaseReleaseBasis)
        .where(CaseReleaseBasis.case_id == case.id, CaseReleaseBasis.grounds.is_not(None))
        .options(selectinload(CaseReleaseBasis.wraps))
    ).all()
    return list(consents), list(bases)


def _relabel(session: Session, case: Case, check: followers.ReleaseCheck) -> None:
    """Nothing to relabel: the records are read only through their case, by its owner."""


def _share(session: Session, case: Case, held: Mapping[str, bytes], target: DeskKey) -> None:
    consents, bases = _records(session, case)
    for consent in consents:
        sealed = followers.sealed_again(consent.wraps, held, target)
        if sealed is not None:
            consent.wraps.append(CaseConsentWrap(desk_key_id=target.id, sealed_key=sealed))
    for row in bases:
        sealed = followers.sealed_again(row.wraps, held, target)
        if sealed is not None:
            row.wraps.append(CaseReleaseBasisWrap(desk_key_id=target.id, sealed_key=sealed))


def _unshare(session: Session, case: Case, desk_key_ids: set[str]) -> None:
    consents, bases = _records(session, case)
    for consent in consents:
        consent.wraps = [w for w in consent.wraps if w.desk_key_id not in desk_key_ids]
    for row in bases:
        row.wraps = [w for w in row.wraps if w.desk_key_id not in desk_key_ids]


def event_detail(nations: Sequence[str], basis: Basis | None) -> dict[str, object]:
    """What the case event says of a basis (tier 2): the nations and the kind, never the how."""
    if not nations or basis is None:
        return {}
    return {"basis": {"nations": list(nations), "kind": basis.kind}}


followers.register(
    followers.Follower(name="release_basis", relabel=_relabel, share=_share, unshare=_unshare)
)
