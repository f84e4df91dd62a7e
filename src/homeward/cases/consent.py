"""Withdrawing consent, and a supervisor's review of the releases that rested on it.

Withdrawal is recorded beside the consent (when, how, by whom; the how sealed to the desk like
the consent itself), and flags every open release that rested on it. A supervisor of the owning
desk then keeps each flagged release on another basis, or removes the nation (through the case
flow, so the release list, the followers and the identity index change together); a transfer
already made cannot be undone, so removing closes its record. Each step is a case event and an
audit entry in the request's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.cases import flows as case_flows
from homeward.cases import release_basis
from homeward.cases import service as case_service
from homeward.cases.models import Case, CaseConsent, CaseReleaseBasis
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.policy import check as policy
from homeward.policy import roles

KEEP, REMOVE = "keep", "remove"


def _own_case(session: Session, principal: policy.Principal, case_id: str) -> Case:
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_EDIT
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # a nation it was released to reads it, never decides its releases
    return case


@dataclass(frozen=True)
class ReleaseCard:
    """The case page's release card: every basis record, and what this officer may do."""

    bases: list[release_basis.BasisView]
    consents: list[release_basis.ConsentView]
    """Consents on file and not withdrawn: what a new release or a review may rest on."""
    may_withdraw: bool
    may_review: bool

    @property
    def flagged(self) -> list[release_basis.BasisView]:
        return [b for b in self.bases if b.flagged_at is not None and b.closed_at is None]


def card(*, session: Session, keyring: Keyring, case: Case) -> ReleaseCard | None:
    """For the owning desk only (None otherwise): the bases describe the person."""
    principal = keyring.principal
    if case.owner_nation != principal.nation or not roles.may(principal.role, roles.CASE_EDIT):
        return None
    bases = release_basis.views(session=session, keyring=keyring, case=case)
    consents = {b.consent.id: b.consent for b in bases if b.consent is not None}
    return ReleaseCard(
        bases=bases,
        consents=[c for c in consents.values() if c.withdrawn_at is None],
        may_withdraw=True,
        may_review=roles.may(principal.role, roles.CASE_RELEASE_REVIEW),
    )


def bases(*, session: Session, keyring: Keyring, case_id: str) -> list[release_basis.BasisView]:
    """Every basis record of a case, for its owning desk (others: not found)."""
    case = _own_case(session, keyring.principal, case_id)
    return release_basis.views(session=session, keyring=keyring, case=case)


def withdraw(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    case_id: str,
    consent_id: str,
    how: str,
) -> list[CaseReleaseBasis]:
    """Record the withdrawal and flag each open release that rested on the consent; returns
    the flagged records."""
    principal = keyring.principal
    case = _own_case(session, principal, case_id)
    consent = session.get(CaseConsent, consent_id)
    if consent is None or consent.case_id != case.id:
        raise BadInput("consent_id", "no consent of this case has this id")
    if consent.withdrawn_at is not None:
        raise BadInput(
            "consent_id", f"this consent was already withdrawn on {consent.withdrawn_at:%Y-%m-%d}"
        )
    text = how.strip()
    if not text:
        raise BadInput("how", "say how the person withdrew consent")
    if len(text) > release_basis.TEXT_MAX:
        raise BadInput("how", f"longer than {release_basis.TEXT_MAX} characters")
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    wrap = next((w for w in consent.wraps if w.desk_key_id in held), None)
    if wrap is None:
        raise Forbidden("you hold none of the desk keys this consent is sealed to")
    content_key = sealing.unseal(held[wrap.desk_key_id], wrap.sealed_key)
    now = utcnow()
    consent.withdrawn_at, consent.withdrawn_by = now, principal.officer_id
    consent.withdrawal_how = sealing.encrypt(content_key, text.encode())
    flagged = list(
        session.scalars(
            select(CaseReleaseBasis).where(
                CaseReleaseBasis.consent_id == consent.id, CaseReleaseBasis.closed_at.is_(None)
            )
        )
    )
    for row in flagged:
        row.flagged_at = now
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:consent:withdraw",
        detail={"consent": consent.id, "flagged": [row.nation for row in flagged]},
    )
    session.flush()
    return flagged


def review(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
    basis_id: str,
    decision: str,
    reason: str,
    basis: release_basis.Basis | None = None,
) -> None:
    """A supervisor's answer to a flagged release: keep it on `basis`, or remove the nation."""
    policy.require_permission(principal, roles.CASE_RELEASE_REVIEW)
    case = _own_case(session, principal, case_id)
    row = session.get(CaseReleaseBasis, basis_id)
    if row is None or row.case_id != case.id:
        raise BadInput("basis_id", "no release of this case has this id")
    if row.flagged_at is None or row.closed_at is not None:
        raise BadInput("basis_id", f"the release to {row.nation} is not waiting for review")
    why = reason.strip()
    if not why or len(why) > release_basis.TEXT_MAX:
        raise BadInput("reason", f"say why, in at most {release_basis.TEXT_MAX} characters")
    if decision == KEEP:
        checked = release_basis.required(
            session=session, case=case, basis=basis, nations=[row.nation]
        )
        release_basis.close(session=session, principal=principal, case=case, records=[row])
        release_basis.record(
            session=session,
            principal=principal,
            case=case,
            nations=[row.nation],
            basis=checked,
            transfer_id=row.transfer_id,
        )
    elif decision == REMOVE:
        if row.transfer_id is None and row.nation in case.release_list:
            case_flows.set_protection(
                session=session,
                principal=principal,
                secrets=secrets,
                settings=settings,
                case_id=case.id,
                classification=case.classification,
                release=[n for n in case.release_list if n != row.nation],
                reason=why,
                basis=None,
            )
        release_basis.close(session=session, principal=principal, case=case, records=[row])
    else:
        raise BadInput("decision", "choose keep (on another basis) or remove")
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:release:review",
        detail={
            "nation": row.nation,
            "decision": decision,
            "reason": why,
            **release_basis.event_detail([row.nation], basis if decision == KEEP else None),
        },
    )
    session.flush()
