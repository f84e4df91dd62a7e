"""Case changes that reach another capability: a case's claimed identity is searched by "who
might this be" from the moment the case exists, and its report follows the case's identity,
protection and owner. Web and the CLI call these; the case service itself knows nothing of
identity, and identity nothing of cases: what crosses between them (a case's identity in the
index and in "who might this be", a decision's event on the case) crosses here. Like
services, flows add and flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

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
from homeward.identity import search as identity_search
from homeward.identity import service as identity_service
from homeward.linkage.model import LinkageModel
from homeward.linkage.reports import PersonReport
from homeward.policy import check as policy
from homeward.policy import roles


def case_report(reference: str, identity: ClaimedIdentity) -> PersonReport:
    """A case's claimed identity in the exchange format the index reads."""
    return PersonReport(
        record_id=reference,
        given_name=identity.given_names,
        family_name=identity.family_name,
        aliases=tuple(identity.aliases),
        dob=identity.date_of_birth,
        place_of_birth=identity.place_of_birth,
        nationality=tuple(identity.nationalities),
    )


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
            report=case_report(case.reference, case_service.identity_of(secrets, case)),
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
        report=case_report(case.reference, case_service.identity_of(secrets, case)),
    )


@dataclass(frozen=True)
class CaseCandidates:
    case_id: str
    reference: str
    owner_nation: str
    identity: ClaimedIdentity
    found: identity_search.Candidates

    @property
    def indexed(self) -> bool:
        return self.found.query is not None


def case_candidates(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case_id: str,
    limit: int = 5,
    model: LinkageModel | None = None,
) -> CaseCandidates:
    """ "Who might this be" for a case: its claimed identity as it stands now, against every
    report the officer may see; the case read and the search audited."""
    policy.require_permission(principal, roles.IDENTITY_READ)
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    identity = case_service.identity_of(secrets, case)
    found = identity_search.who_might_this_case_be(
        session=session,
        secrets=secrets,
        principal=principal,
        case_id=case.id,
        report=case_report(case.reference, identity),
        limit=limit,
        model=model,
    )
    case_service.record_read(session=session, principal=principal, case=case)
    identity_search.record_case_search(
        session=session,
        principal=principal,
        case_id=case.id,
        nation=case.owner_nation,
        found=found,
    )
    return CaseCandidates(case.id, case.reference, case.owner_nation, identity, found)


def decide(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    report_id: str,
    other_report_id: str,
    decision: str,
    reason: str = "",
    probability: float | None = None,
) -> decisions.Decided:
    """An officer's decision on two reports, and its event on the timeline of each case behind
    them that the officer may see."""
    decided = decisions.decide(
        session=session,
        secrets=secrets,
        principal=principal,
        report_id=report_id,
        other_report_id=other_report_id,
        decision=decision,
        reason=reason,
        probability=probability,
    )
    for note in decided.case_notes:
        try:
            case = case_service.get_case(
                session=session,
                principal=principal,
                case_id=note.case_id,
                permission=roles.CASE_READ,
            )
        except NotFound:
            continue
        case_service.record_event(
            session=session,
            secrets=secrets,
            principal=principal,
            case=case,
            kind=note.kind,
            detail=note.detail,
        )
    session.flush()
    return decided


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
    return decide(
        session=session,
        secrets=secrets,
        principal=principal,
        report_id=own.id,
        other_report_id=report_id,
        decision=decision,
        reason=reason,
        probability=probability,
    )
