"""Audit log API for auditors and their witnesses: checkpoints, proofs, entries, verdicts."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from homeward.audit import checkpoints
from homeward.audit import service as audit_service
from homeward.audit.schemas import (
    CheckpointOut,
    ConsistencyOut,
    EntryOut,
    EntryPage,
    LogKeyOut,
    VerdictIn,
    VerdictOut,
)
from homeward.core.errors import NotFound
from homeward.policy.check import require_permission
from homeward.policy.roles import AUDIT_READ
from homeward.web.api.deps import ERRORS, Officer
from homeward.web.deps import DbSession, runtime_of
from homeward.web.params import LeafIndex, LogSize, Page

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("/log-key", operation_id="audit_log_key", responses=ERRORS)
def log_key(request: Request, keyring: Officer) -> LogKeyOut:
    require_permission(keyring.principal, AUDIT_READ)
    runtime = runtime_of(request)
    key = checkpoints.log_key(runtime.secrets, runtime.settings.log_origin)
    return LogKeyOut(vkey=key.encode())


@router.get("/checkpoint", operation_id="audit_latest_checkpoint", responses=ERRORS)
def latest(session: DbSession, keyring: Officer) -> CheckpointOut:
    require_permission(keyring.principal, AUDIT_READ)
    checkpoint = checkpoints.latest_checkpoint(session=session)
    if checkpoint is None:
        raise NotFound("checkpoint")
    note = checkpoints.full_note(session=session, checkpoint=checkpoint)
    return CheckpointOut(size=checkpoint.size, note=note)


@router.post("/checkpoint", status_code=201, operation_id="audit_make_checkpoint", responses=ERRORS)
def make(request: Request, session: DbSession, keyring: Officer) -> CheckpointOut:
    """Sign a checkpoint of the log as it is now (on demand, besides the periodic ones)."""
    require_permission(keyring.principal, AUDIT_READ)
    runtime = runtime_of(request)
    checkpoint = checkpoints.make_checkpoint(
        session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
    )
    return CheckpointOut(size=checkpoint.size, note=checkpoint.note)


@router.get("/consistency", operation_id="audit_consistency_proof", responses=ERRORS)
def consistency(
    session: DbSession,
    keyring: Officer,
    old: LogSize,
    new: LogSize,
) -> ConsistencyOut:
    require_permission(keyring.principal, AUDIT_READ)
    checkpoints.checkpoint_of_size(session=session, size=new)
    hashes = checkpoints.consistency_hashes(session=session, old_size=old, new_size=new)
    return ConsistencyOut(
        old_size=old, new_size=new, proof=[base64.b64encode(item).decode() for item in hashes]
    )


@router.get("/entries", operation_id="audit_list_entries", responses=ERRORS)
def entries(
    session: DbSession,
    *,
    keyring: Officer,
    resource: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=80)] = None,
    action: Annotated[str | None, Query(max_length=80)] = None,
    page: Page = 1,
) -> EntryPage:
    rows, total = audit_service.visible_entries(
        session=session,
        principal=keyring.principal,
        resource_id=resource,
        actor=actor,
        action=action,
        page=page,
    )
    return EntryPage(
        items=[EntryOut.model_validate(row) for row in rows],
        total=total,
        page=page,
        page_size=audit_service.PAGE_SIZE,
    )


@router.get(
    "/entries/{leaf_index}/proof",
    operation_id="audit_inclusion_proof",
    responses={**ERRORS, 200: {"content": {"text/plain": {}}}},
    # Response, not PlainTextResponse: refusals are JSON, and the document must say so.
    response_class=Response,
)
def inclusion(session: DbSession, leaf_index: LeafIndex, keyring: Officer) -> PlainTextResponse:
    """The entry's inclusion proof against the latest checkpoint (C2SP tlog-proof)."""
    audit_service.visible_entry(session=session, principal=keyring.principal, leaf_index=leaf_index)
    checkpoint = checkpoints.latest_checkpoint(session=session)
    if checkpoint is None or checkpoint.size <= leaf_index:
        raise NotFound("a checkpoint covering this entry (make one first)")
    text = checkpoints.inclusion_proof(
        session=session, leaf_index=leaf_index, checkpoint=checkpoint
    )
    return PlainTextResponse(text)


@router.post("/verdicts", status_code=201, operation_id="audit_record_verdict", responses=ERRORS)
def verdict(session: DbSession, body: VerdictIn, keyring: Officer) -> VerdictOut:
    """A witness of the auditor's nation cosigns a checkpoint, or refuses it with a reason."""
    principal = keyring.principal
    require_permission(principal, AUDIT_READ)
    row = checkpoints.record_verdict(
        session=session,
        actor=principal.audit_name,
        nation=principal.nation,
        witness_name=body.witness,
        checkpoint_size=body.checkpoint_size,
        signature_line=body.signature_line,
        reason=body.reason,
    )
    return VerdictOut(
        witness=row.witness_name, checkpoint_size=body.checkpoint_size, verdict=row.verdict
    )
