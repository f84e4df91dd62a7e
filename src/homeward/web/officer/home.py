"""The start page: what needs doing, for each role. A desk officer sees letters awaiting a
reply, cases too long in their stage, cases assigned to them and transfers waiting; a supervisor
also one card for what waits for their answer (the approvals queue, oldest first); an auditor
witness refusals, refused sign-ins and recent reads of sealed content; the coordination cell
the letters it has to route. Every list goes through the same services (and so the same
policy) as its full page."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from homeward.audit import checkpoints
from homeward.audit import service as audit_service
from homeward.audit.models import AuditEvent
from homeward.cases import listing as case_listing
from homeward.cases import release_basis
from homeward.cases import transfers as case_transfers
from homeward.contact import inbox as contact_inbox
from homeward.core.runtime import Runtime
from homeward.passage import flows as passage_flows
from homeward.policy import roles
from homeward.policy.check import Principal
from homeward.web import queue as supervisor_queue
from homeward.web.deps import DbSession, runtime_of
from homeward.web.officer.approvals import waited
from homeward.web.officer.auditor import SENSITIVE_READS, SIGNIN_OUTCOMES, People, people_of
from homeward.web.officer.deps import SignedIn, render

router = APIRouter(prefix="/officer", include_in_schema=False)
LETTERS_SHOWN = 5
QUEUE_SHOWN = 5


@dataclass
class Start:
    """What the start page shows; None where the role has no such work."""

    letters_waiting: int | None = None
    oldest_letters: list[contact_inbox.Waiting] = field(default_factory=list)
    to_route: int | None = None
    stale: case_listing.Shortlist | None = None
    assigned: case_listing.Shortlist | None = None
    transfers: int | None = None
    queue: list[supervisor_queue.Item] | None = None
    """For a supervisor: what waits in their approvals queue, oldest first (the card shows the
    count and the oldest few, and links to the queue)."""
    release_reviews: list[tuple[str, str]] = field(default_factory=list)
    """The desk's cases with a release whose consent was withdrawn: (id, reference)."""
    witness_refusals: list[tuple[object, object]] = field(default_factory=list)
    refused_signins: list[AuditEvent] = field(default_factory=list)
    reads: list[AuditEvent] = field(default_factory=list)
    people: People | None = None
    missed: list[passage_flows.PlanRow] = field(default_factory=list)
    """Plans of the desk whose window passed without a handover."""
    disputed: list[passage_flows.PlanRow] = field(default_factory=list)
    """Plans of the desk whose handover the two sides disagree on."""


def _letters(session: Session, principal: Principal, start: Start) -> None:
    if roles.may(principal.role, roles.CONVERSATION_ROUTE):
        _rows, start.to_route = contact_inbox.inbox(session=session, principal=principal)
        return
    start.oldest_letters, start.letters_waiting = contact_inbox.awaiting_reply(
        session=session, principal=principal, limit=LETTERS_SHOWN
    )


def _cases(session: Session, runtime: Runtime, principal: Principal, start: Start) -> None:
    secrets, settings = runtime.secrets, runtime.settings
    start.stale = case_listing.stale_shortlist(
        session=session, principal=principal, secrets=secrets, settings=settings
    )
    if roles.may(principal.role, roles.CASE_EDIT):
        start.assigned = case_listing.assigned_shortlist(
            session=session, principal=principal, secrets=secrets, settings=settings
        )
    if roles.may(principal.role, roles.CASE_EDIT):
        start.release_reviews = release_basis.flagged_cases(session=session, principal=principal)
    if roles.may(principal.role, roles.CASE_ACCEPT):
        start.transfers = len(
            case_transfers.incoming(session=session, principal=principal, secrets=runtime.secrets)
        )


def _audit(session: Session, principal: Principal, start: Start) -> None:
    start.witness_refusals = list(checkpoints.refusals(session=session)[:5])
    start.refused_signins = audit_service.signin_entries(
        session=session, principal=principal, refused_only=True, limit=5
    )
    start.reads = audit_service.recent_entries(
        session=session, principal=principal, actions=tuple(SENSITIVE_READS)
    )
    start.people = people_of(session, [*start.refused_signins, *start.reads])


@router.get("")
@router.get("/")
def start_page(request: Request, session: DbSession, keyring: SignedIn) -> Response:
    principal = keyring.principal
    runtime = runtime_of(request)
    start = Start()
    if roles.may(principal.role, roles.CONVERSATION_LIST):
        _letters(session, principal, start)
    if roles.may(principal.role, roles.CASE_LIST):
        _cases(session, runtime, principal, start)
    if roles.may(principal.role, roles.AUDIT_READ):
        _audit(session, principal, start)
    start.missed = passage_flows.missed(session=session, principal=principal)
    start.disputed = passage_flows.disputed(session=session, principal=principal)
    if supervisor_queue.may_see(principal):
        start.queue = supervisor_queue.queue(session=session, principal=principal)
    return render(
        request,
        "home.html",
        principal=principal,
        start=start,
        sensitive=SENSITIVE_READS,
        outcomes=SIGNIN_OUTCOMES,
        waited=waited,
        queue_shown=QUEUE_SHOWN,
    )
