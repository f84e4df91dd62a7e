"""The auditor's page: the nation's audit entries with their proofs, the latest checkpoint,
its cosignatures, any checkpoint a witness refused, and recent officer sign-ins (refused ones
first of all: a guesser or a spray shows there). Entries name officers by username and nation
and cases by their reference, as people read them; the log itself keeps only ids."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.audit import checkpoints
from homeward.audit import service as audit_service
from homeward.audit.models import AuditEvent
from homeward.cases import service as case_service
from homeward.core.errors import NotFound
from homeward.policy.check import require_permission
from homeward.policy.roles import AUDIT_READ
from homeward.web.deps import DbSession, runtime_of
from homeward.web.officer.deps import SignedIn, render
from homeward.web.params import LeafIndex

router = APIRouter(prefix="/officer/audit", include_in_schema=False)

SIGNIN_OUTCOMES = {
    "officer:signin:accept": "signed in",
    "officer:signin:refuse-password": "refused: wrong password",
    "officer:signin:refuse-code": "refused: wrong or reused code",
    "officer:signin:refuse-unknown": "refused: no such officer",
    "officer:signin:refuse-locked": "refused: username waiting after failures",
    "officer:signin:refuse-ceiling": "refused: too many failures on the server",
}


SENSITIVE_READS = {
    "contact:message:read": "read a letter",
    "contact:attachment:read": "downloaded a letter's file",
    "case:read": "opened a case",
    "case:note:read": "read a case note",
    "case:export": "exported the case list",
    "identity:search": "searched the identity reports",
    "identity:report:read": "read an identity report",
}
"""Reads of sealed content or personal details, in words: the start page's recent reads."""

OFFICER_PREFIX = "officer:"


@dataclass
class People:
    """Who and what audit entries name, as people read them."""

    officers: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Officer id to (username, nation)."""
    cases: dict[str, str] = field(default_factory=dict)
    """Case id to its reference."""

    def officer(self, officer_id: str) -> str:
        """ "fra.officer (FRA)"."""
        if officer_id not in self.officers:
            return "a former officer"
        username, nation = self.officers[officer_id]
        return f"{username} ({nation})"

    def username(self, actor: str) -> str:
        """The username behind an `officer:<id>` actor, or "" for anyone else."""
        found = self.officers.get(actor.removeprefix(OFFICER_PREFIX))
        return found[0] if found and actor.startswith(OFFICER_PREFIX) else ""

    def actor(self, actor: str) -> str:
        if actor.startswith(OFFICER_PREFIX):
            return self.officer(actor.removeprefix(OFFICER_PREFIX))
        return {"system": "the system", "contact": "a contact"}.get(actor, actor)


def people_of(session: Session, entries: Iterable[AuditEvent]) -> People:
    """Names for the officers and cases these entries are about."""
    people = People()
    case_ids = []
    for entry in entries:
        ids = (
            [entry.actor.removeprefix(OFFICER_PREFIX)]
            if entry.actor.startswith(OFFICER_PREFIX)
            else []
        )
        if entry.resource_type == "officer":
            ids.append(entry.resource_id)
        if entry.resource_type == "case":
            case_ids.append(entry.resource_id)
        for officer_id in ids:
            if officer_id not in people.officers:
                officer = accounts_service.get_officer(session=session, officer_id=officer_id)
                if officer is not None:
                    people.officers[officer_id] = (officer.username, officer.nation)
    people.cases = case_service.references(session=session, case_ids=sorted(set(case_ids)))
    return people


@router.get("")
@router.get("/")
def audit_page(
    request: Request,
    session: DbSession,
    *,
    keyring: SignedIn,
    resource: Annotated[str, Query(max_length=64)] = "",
    officer: Annotated[str, Query(max_length=64)] = "",
    action: Annotated[str, Query(max_length=80)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    signins: Annotated[Literal["refused", "all"], Query()] = "refused",
) -> Response:
    principal = keyring.principal
    require_permission(principal, AUDIT_READ)
    runtime = runtime_of(request)
    actor, unknown = None, ""
    if officer.strip():
        found = accounts_service.find_officer(session=session, username=officer.strip())
        actor = f"{OFFICER_PREFIX}{found.id}" if found else None
        unknown = "" if found else officer.strip()
    rows, total = (
        ([], 0)
        if unknown
        else audit_service.visible_entries(
            session=session,
            principal=principal,
            resource_id=resource or None,
            actor=actor,
            action=action or None,
            page=page,
        )
    )
    latest = checkpoints.latest_checkpoint(session=session)
    verdicts = checkpoints.cosignatures(session=session, checkpoint_id=latest.id) if latest else []
    refused = checkpoints.refusals(session=session)
    signin_rows = audit_service.signin_entries(
        session=session, principal=principal, refused_only=signins == "refused"
    )
    key = checkpoints.log_key(runtime.secrets, runtime.settings.log_origin).encode()
    pages = max(1, -(-total // audit_service.PAGE_SIZE))
    return render(
        request,
        "audit.html",
        principal=principal,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        filters={"resource": resource, "officer": officer, "action": action},
        unknown_officer=unknown,
        people=people_of(session, [*rows, *signin_rows]),
        latest=latest,
        verdicts=verdicts,
        refused=refused,
        log_key=key,
        signin_rows=signin_rows,
        signins=signins,
        signin_outcomes=SIGNIN_OUTCOMES,
    )


@router.get("/entries/{leaf_index}/proof")
def entry_proof(session: DbSession, leaf_index: LeafIndex, keyring: SignedIn) -> PlainTextResponse:
    """The entry's C2SP tlog-proof against the latest checkpoint, to check offline with
    `homeward audit check-proof`."""
    audit_service.visible_entry(session=session, principal=keyring.principal, leaf_index=leaf_index)
    checkpoint = checkpoints.latest_checkpoint(session=session)
    if checkpoint is None or checkpoint.size <= leaf_index:
        raise NotFound("a checkpoint covering this entry (the next one is signed shortly)")
    text = checkpoints.inclusion_proof(
        session=session, leaf_index=leaf_index, checkpoint=checkpoint
    )
    return PlainTextResponse(
        text,
        headers={"content-disposition": f'attachment; filename="entry-{leaf_index}.tlog-proof"'},
    )
