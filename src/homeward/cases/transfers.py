"""Handing a case to another nation's desk (a dual national): requested by the owner with a
reason, accepted or refused by the receiving desk.

Every read and answer on the receiving side goes through policy.transfers: a transfer is
labelled with its case's classification and addressed to the receiving nation, so an officer
of that desk cleared below the case's level neither sees it nor answers it (404, as if it did
not exist). The sending side reaches a transfer through its case (get_case).

At the request, the sending officer (who holds the owner's desk key) seals every note's key to
the receiving desk as well: a key wrap, never a copy; so do the records that follow the case
(followers.py: its passage plans, handovers and custody chain). On acceptance the case changes
owner, those records take its new labels, and the old desk's wraps are removed, unless the
release list still names the old nation. On refusal the receiving desk's wraps go.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.cases import followers, release_basis
from homeward.cases import service as case_service
from homeward.cases.exceptions import TransferConflict
from homeward.cases.models import Case, CaseAssignee, CaseNoteWrap, CaseTransfer
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.crypto.keys import ServerSecrets
from homeward.policy import binding, roles
from homeward.policy import transfers as transfer_policy
from homeward.policy.check import Principal, require_permission
from homeward.policy.labels import encode_release

PENDING, ACCEPTED, REFUSED = "pending", "accepted", "refused"


@dataclass(frozen=True)
class IncomingTransfer:
    id: str
    reference: str
    from_nation: str
    reason: str
    requested_at: datetime


def _desk_key_ids(session: Session, desk_code: str) -> set[str]:
    return {key.id for key in accounts_service.desk_keys(session=session, desk_code=desk_code)}


def request_transfer(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    case_id: str,
    to_nation: str,
    reason: str,
    basis: release_basis.Basis | None,
) -> CaseTransfer:
    """Refused, before anything changes, without the basis of the disclosure to `to_nation`."""
    principal = keyring.principal
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_TRANSFER
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")
    target = to_nation.strip().upper()
    desks = {desk.code: desk for desk in accounts_service.list_desks(session=session)}
    if target not in desks or desks[target].is_coordination:
        raise BadInput("to_nation", f"{target or 'nothing'} is not a national desk")
    if target == case.owner_nation:
        raise BadInput("to_nation", "the case is already with this desk")
    target_key = accounts_service.current_desk_key(session=session, desk_code=target)
    if target_key is None:
        raise BadInput("to_nation", f"{target} has no desk key yet")
    why = reason.strip()
    if not why or len(why) > 2000:
        raise BadInput("reason", "say why, in at most 2000 characters")
    pending = session.scalar(
        select(CaseTransfer.id).where(
            CaseTransfer.case_id == case.id, CaseTransfer.status == PENDING
        )
    )
    if pending is not None:
        raise TransferConflict("a transfer of this case is already waiting for an answer")
    checked = release_basis.required(session=session, case=case, basis=basis, nations=[target])
    transfer = CaseTransfer(
        case_id=case.id,
        from_nation=case.owner_nation,
        to_nation=target,
        reason_sealed=secrets.seal_field(json.dumps({"reason": why, "reference": case.reference})),
        requested_by=principal.officer_id,
        requested_at=utcnow(),
    )
    session.add(transfer)
    session.flush()
    release_basis.record(
        session=session,
        principal=principal,
        case=case,
        nations=[target],
        basis=checked,
        transfer_id=transfer.id,
    )
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    for note in case.notes:
        sealed = followers.sealed_again(note.wraps, held, target_key)
        if sealed is not None:
            note.wraps.append(CaseNoteWrap(desk_key_id=target_key.id, sealed_key=sealed))
    followers.share(session, case, held, target_key)
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:transfer:request",
        detail={"to": target, "reason": why, **release_basis.event_detail([target], checked)},
    )
    session.flush()
    return transfer


def incoming(
    *, session: Session, principal: Principal, secrets: ServerSecrets
) -> list[IncomingTransfer]:
    """Transfers waiting for this officer's desk that the officer is cleared to answer: what
    the desk needs to decide, no more."""
    require_permission(principal, transfer_policy.ANSWER)
    binding.bind(session, principal)
    reachable = transfer_policy.visible(
        principal, to_nation=CaseTransfer.to_nation, classification=Case.classification
    )
    # The case's own filter would hide every case the desk does not hold yet; the transfer's
    # rule, from the policy, takes its place for this one join.
    with binding.unfiltered(session, "transfers addressed to the desk, by policy.transfers"):
        rows = session.scalars(
            select(CaseTransfer)
            .join(Case, Case.id == CaseTransfer.case_id)
            .where(reachable, CaseTransfer.status == PENDING)
            .order_by(CaseTransfer.requested_at, CaseTransfer.id)
        ).all()
    found = []
    for row in rows:
        detail = json.loads(secrets.open_field(row.reason_sealed))
        found.append(
            IncomingTransfer(
                row.id, detail["reference"], row.from_nation, detail["reason"], row.requested_at
            )
        )
    return found


def _pending_for(
    session: Session, principal: Principal, transfer_id: str
) -> tuple[CaseTransfer, Case]:
    """The transfer and its case, once policy.transfers allows this officer to answer it; out
    of reach reads as missing, and only then does a decided one say so."""
    require_permission(principal, transfer_policy.ANSWER)
    binding.bind(session, principal)
    transfer = session.get(CaseTransfer, transfer_id)
    to_nation, case = None, None
    if transfer is not None:
        to_nation = transfer.to_nation
        # The receiving desk cannot read the case until it accepts, so its labels are loaded
        # unfiltered for the check below; nothing of it leaves here unless the check passes.
        with binding.unfiltered(session, "the labels of a transfer's case, for its check"):
            case = session.get(Case, transfer.case_id)
    transfer_policy.require(principal, to_nation, case)
    assert transfer is not None  # noqa: S101 - require raised otherwise
    assert case is not None  # noqa: S101 - require raised otherwise
    if transfer.status != PENDING:
        raise TransferConflict(f"this transfer was already {transfer.status}")
    return transfer, case


def accept_transfer(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, transfer_id: str
) -> Case:
    principal = keyring.principal
    transfer, case = _pending_for(session, principal, transfer_id)
    old_owner = case.owner_nation
    release = [nation for nation in case.release_list if nation != principal.nation]
    case.owner_nation = principal.nation
    case.release = encode_release(release)
    followers.relabel(session, case, encode_release)
    release_basis.close(session=session, principal=principal, case=case, nations=[principal.nation])
    if old_owner not in release:
        old_keys = _desk_key_ids(session, old_owner)
        for note in case.notes:
            note.wraps = [wrap for wrap in note.wraps if wrap.desk_key_id not in old_keys]
        followers.unshare(session, case, old_keys)
    case.assignees = [CaseAssignee(officer_id=principal.officer_id)]
    transfer.status, transfer.decided_by, transfer.decided_at = (
        ACCEPTED,
        principal.officer_id,
        utcnow(),
    )
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:transfer:accept",
        detail={"from": old_owner},
    )
    session.flush()
    return case


def refuse_transfer(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    transfer_id: str,
    reason: str,
) -> None:
    principal = keyring.principal
    transfer, case = _pending_for(session, principal, transfer_id)
    why = reason.strip()
    if not why or len(why) > 2000:
        raise BadInput("reason", "say why, in at most 2000 characters")
    new_keys = _desk_key_ids(session, transfer.to_nation)
    note_ids = [note.id for note in case.notes]
    if note_ids and new_keys:
        session.execute(
            delete(CaseNoteWrap).where(
                CaseNoteWrap.note_id.in_(note_ids), CaseNoteWrap.desk_key_id.in_(new_keys)
            )
        )
    followers.unshare(session, case, new_keys)
    release_basis.close_transfer(session=session, principal=principal, transfer_id=transfer.id)
    transfer.status, transfer.decided_by, transfer.decided_at = (
        REFUSED,
        principal.officer_id,
        utcnow(),
    )
    transfer.decision_sealed = secrets.seal_field(why)
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:transfer:refuse",
        detail={"by": principal.nation, "reason": why},
    )
    session.flush()
