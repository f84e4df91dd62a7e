"""Case changes that reach another capability: a case's claimed identity is searched by "who
might this be" from the moment the case exists, and its report follows the case's identity,
protection and owner. Web and the CLI call these; the case service itself knows nothing of
identity, so the two capabilities do not import each other. Like services, flows add and
flush; the caller commits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.cases import service as case_service
from homeward.cases import transfers
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.core.errors import NotFound
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.identity import decisions
from homeward.identity import service as identity_service
from homeward.policy import check as policy
from homeward.policy import roles


def _keep_in_index(
    *, session: Session, secrets: ServerSecrets, principal: policy.Principal, case: Case
) -> None:
    """Only the owning desk, and a role that may add reports, writes the case's report."""
    if case.owner_nation == principal.nation and roles.may(principal.role, roles.IDENTITY_IMPORT):
        identity_service.index_case(
            session=session,
            secrets=secrets,
            principal=principal,
            case=case,
            identity=case_service.identity_of(secrets, case),
        )


def open_case(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    data: case_service.CaseOpen,
) -> Case:
    case = case_service.open_case(
        session=session, keyring=keyring, secrets=secrets, settings=settings, data=data
    )
    _keep_in_index(session=session, secrets=secrets, principal=keyring.principal, case=case)
    return case


def update_identity(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    case_id: str,
    identity: ClaimedIdentity,
    reason: str,
) -> Case:
    case = case_service.update_identity(
        session=session,
        principal=principal,
        secrets=secrets,
        case_id=case_id,
        identity=identity,
        reason=reason,
    )
    _keep_in_index(session=session, secrets=secrets, principal=principal, case=case)
    return case


def set_protection(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
    classification: int,
    release: list[str],
    reason: str,
) -> Case:
    case = case_service.set_protection(
        session=session,
        principal=principal,
        secrets=secrets,
        settings=settings,
        case_id=case_id,
        classification=classification,
        release=release,
        reason=reason,
    )
    _keep_in_index(session=session, secrets=secrets, principal=principal, case=case)
    return case


def accept_transfer(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, transfer_id: str
) -> Case:
    case = transfers.accept_transfer(
        session=session, keyring=keyring, secrets=secrets, transfer_id=transfer_id
    )
    _keep_in_index(session=session, secrets=secrets, principal=keyring.principal, case=case)
    return case


def index_case(
    *, session: Session, secrets: ServerSecrets, principal: policy.Principal, case_id: str
) -> identity_service.ReportView:
    """Add a case to the index on demand (a case opened before the index existed), or bring
    its report up to date; only the owning desk does this."""
    policy.require_permission(principal, roles.IDENTITY_IMPORT)
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_EDIT
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")
    return identity_service.index_case(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        identity=case_service.identity_of(secrets, case),
    )


def decide_for_case(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case_id: str,
    report_id: str,
    decision: str,
    reason: str = "",
    probability: float | None = None,
) -> decisions.Decided:
    """A decision between a case and a report proposed for it; the case is added to the index
    first if it is not in it yet (only its owning desk decides)."""
    policy.require_permission(principal, roles.IDENTITY_DECIDE)
    decisions.check_case_decision(decision=decision, reason=reason, report_id=report_id)
    own = index_case(session=session, secrets=secrets, principal=principal, case_id=case_id)
    return decisions.decide(
        session=session,
        secrets=secrets,
        principal=principal,
        report_id=own.id,
        other_report_id=report_id,
        decision=decision,
        reason=reason,
        probability=probability,
    )
