"""Case changes that reach another capability: a case's claimed identity is searched by "who
might this be" from the moment the case exists, and its report follows the case's identity,
protection and owner. Web and the CLI call these; the case service itself knows nothing of
identity, and identity nothing of cases: what crosses between them (a case's identity in the
index and in "who might this be", a decision's event on the case) crosses here. Like
services, flows add and flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import release_basis, transfers
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseConversation, CaseEvent
from homeward.contact import inbox as contact_inbox
from homeward.core.db import utcnow
from homeward.core.errors import NotFound
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.identity import decisions
from homeward.identity import search as identity_search
from homeward.identity import service as identity_service
from homeward.linkage.model import LinkageModel
from homeward.linkage.reports import PersonReport
from homeward.policy import binding, roles
from homeward.policy import check as policy


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
    basis: release_basis.Basis | None,
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
        basis=basis,
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


@dataclass(frozen=True)
class CaseLink:
    """A case as a conversation shows it: enough to name it and go to it."""

    id: str
    reference: str
    stage: str
    owner_nation: str


def linked_cases(
    *, session: Session, principal: policy.Principal, conversation_ids: list[str]
) -> dict[str, list[CaseLink]]:
    """The cases behind each conversation that this officer may see (the binding filters the
    cases; a role that reads no case sees none), by conversation."""
    if not conversation_ids:
        return {}
    binding.bind(session, principal)
    rows = session.execute(
        select(CaseConversation.conversation_id, Case)
        .join(Case, Case.id == CaseConversation.case_id)
        .where(CaseConversation.conversation_id.in_(conversation_ids))
        .order_by(Case.created_at)
    )
    linked: dict[str, list[CaseLink]] = {}
    for conversation_id, case in rows:
        link = CaseLink(case.id, case.reference, case.stage, case.owner_nation)
        linked.setdefault(conversation_id, []).append(link)
    return linked


def conversations_by_reference(
    *, session: Session, principal: policy.Principal, text: str
) -> tuple[str, ...]:
    """The conversations behind the cases whose reference contains `text` (the inbox's search
    by case reference), among the cases this officer may see."""
    text = text.strip().upper()
    if len(text) < 3:
        return ()
    binding.bind(session, principal)
    found = session.scalars(
        select(CaseConversation.conversation_id)
        .join(Case, Case.id == CaseConversation.case_id)
        .where(func.upper(Case.reference).contains(text, autoescape=True))
        .limit(500)
    )
    return tuple(dict.fromkeys(found))


DUPLICATE_PROBABILITY = 0.5
"""From this probability, a case whose identity "who might this be" finds is shown as a
possible existing case for the same person before another is opened."""


def existing_cases(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    conversation_id: str,
    identity: ClaimedIdentity,
    model: LinkageModel | None = None,
) -> list[CaseLink]:
    """The cases that a new case from this conversation would repeat: those already opened
    from the conversation, and those "who might this be" finds for the identity typed (among
    the reports this officer may see), that this officer may see. Empty: nothing to warn of."""
    policy.require_permission(principal, roles.CASE_OPEN)
    contact_inbox.require_visible(
        session=session, principal=principal, conversation_id=conversation_id
    )
    found = {
        link.id: link
        for link in linked_cases(
            session=session, principal=principal, conversation_ids=[conversation_id]
        ).get(conversation_id, [])
    }
    if roles.may(principal.role, roles.IDENTITY_READ):
        candidates = identity_search.who_might_this_be(
            session=session,
            secrets=secrets,
            principal=principal,
            report=case_report("new case", identity),
            model=model,
        )
        case_ids = {
            report.case_id
            for candidate in candidates.candidates
            if candidate.probability >= DUPLICATE_PROBABILITY
            for report in (candidate.report, *candidate.other_reports)
            if report.case_id is not None
        }
        binding.bind(session, principal)
        for case in session.scalars(select(Case).where(Case.id.in_(case_ids))):
            found.setdefault(
                case.id, CaseLink(case.id, case.reference, case.stage, case.owner_nation)
            )
    return list(found.values())


CONTACT_DELETED = "case:contact:deleted"


def note_contact_deleted(session: Session, conversation_id: str | None) -> int:
    """The contact behind a conversation deletes everything: each case opened from it gets a
    timeline entry by the contact and the date the channel was lost, before the conversation's
    rows (and the links to it) vanish. No officer acts here: the contact's own session is the
    authority, so the filter is lifted for this one step. Returns how many cases were noted."""
    if conversation_id is None:
        return 0
    now = utcnow()
    with binding.unfiltered(session, "the cases behind a conversation its contact deletes"):
        cases = list(
            session.scalars(
                select(Case)
                .join(CaseConversation, CaseConversation.case_id == Case.id)
                .where(CaseConversation.conversation_id == conversation_id)
            )
        )
        for case in cases:
            case.events.append(
                CaseEvent(
                    actor_id=audit.CONTACT, actor_name=audit.CONTACT, kind=CONTACT_DELETED, at=now
                )
            )
            case.contact_deleted_at = now
            case.updated_at = now
            audit.record(
                session=session,
                actor=audit.CONTACT,
                action=CONTACT_DELETED,
                resource_type="case",
                resource_id=case.id,
                nation=case.owner_nation,
            )
        session.flush()
    return len(cases)
