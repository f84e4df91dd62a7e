"""The auditor's page: the nation's audit entries with their proofs, the latest checkpoint,
its cosignatures, any checkpoint a witness refused, and recent officer sign-ins (refused ones
first of all: a guesser or a spray shows there)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from homeward.audit import checkpoints
from homeward.audit import service as audit_service
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


@router.get("")
@router.get("/")
def audit_page(
    request: Request,
    session: DbSession,
    *,
    keyring: SignedIn,
    resource: Annotated[str, Query(max_length=64)] = "",
    actor: Annotated[str, Query(max_length=80)] = "",
    action: Annotated[str, Query(max_length=80)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    signins: Annotated[Literal["refused", "all"], Query()] = "refused",
) -> Response:
    principal = keyring.principal
    require_permission(principal, AUDIT_READ)
    runtime = runtime_of(request)
    rows, total = audit_service.visible_entries(
        session=session,
        principal=principal,
        resource_id=resource or None,
        actor=actor or None,
        action=action or None,
        page=page,
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
        filters={"resource": resource, "actor": actor, "action": action},
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
