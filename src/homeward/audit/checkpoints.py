"""Signed checkpoints, proofs from the stored tree, witnesses and their cosignatures."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.audit import log, merkle, notes, proofs
from homeward.audit import service as audit
from homeward.audit.models import AuditCheckpoint, AuditCosignature, AuditEvent, AuditWitness
from homeward.core.errors import BadInput, NotFound
from homeward.crypto.keys import ServerSecrets

COSIGNED = "cosigned"
REFUSED = "refused"


def log_key(secrets: ServerSecrets, origin: str) -> notes.VerifierKey:
    """The log's public key as a C2SP vkey: what auditors and witnesses hold."""
    return notes.signer_key(origin, secrets.log_seed)


def make_checkpoint(
    *, session: Session, secrets: ServerSecrets, origin: str, force: bool = False
) -> AuditCheckpoint:
    """Sign the current head, unless the latest checkpoint already covers it."""
    head = log.lock_head(session)
    latest = latest_checkpoint(session=session)
    if latest is not None and latest.size == head.size and not force:
        return latest
    text = notes.checkpoint_text(origin, head.size, head.root)
    checkpoint = AuditCheckpoint(
        size=head.size, root=head.root, note=notes.sign_text(text, origin, secrets.log_seed)
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def latest_checkpoint(*, session: Session) -> AuditCheckpoint | None:
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc(), AuditCheckpoint.id.desc())
    ).first()


def checkpoint_of_size(*, session: Session, size: int) -> AuditCheckpoint:
    found = session.scalars(
        select(AuditCheckpoint).where(AuditCheckpoint.size == size).order_by(AuditCheckpoint.id)
    ).first()
    if found is None:
        raise NotFound(f"checkpoint of size {size}")
    return found


def all_checkpoints(*, session: Session) -> list[AuditCheckpoint]:
    return list(session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size)))


def cosignatures(*, session: Session, checkpoint_id: int) -> list[AuditCosignature]:
    return list(
        session.scalars(
            select(AuditCosignature)
            .where(AuditCosignature.checkpoint_id == checkpoint_id)
            .order_by(AuditCosignature.id)
        )
    )


def full_note(*, session: Session, checkpoint: AuditCheckpoint) -> str:
    """The checkpoint with the log's signature and every cosignature witnesses gave it."""
    parsed = notes.split_note(checkpoint.note)
    lines = [
        row.signature_line
        for row in cosignatures(session=session, checkpoint_id=checkpoint.id)
        if row.verdict == COSIGNED and row.signature_line
    ]
    return notes.Note(parsed.text, [*parsed.signature_lines, *lines]).render()


def inclusion_proof(*, session: Session, leaf_index: int, checkpoint: AuditCheckpoint) -> str:
    entry = session.scalar(select(AuditEvent).where(AuditEvent.leaf_index == leaf_index))
    if entry is None or leaf_index >= checkpoint.size:
        raise NotFound(f"entry {leaf_index} in a checkpoint of size {checkpoint.size}")
    tree = log.StoredTree(session)
    proof = merkle.inclusion_proof(leaf_index, checkpoint.size, tree.subtree)
    encoded = log.encode_fields(
        entry.at,
        entry.actor,
        entry.action,
        entry.resource_type,
        entry.resource_id,
        entry.nation,
        entry.detail_digest,
    )
    return proofs.render_inclusion(
        encoded, leaf_index, proof, full_note(session=session, checkpoint=checkpoint)
    )


def consistency_hashes(*, session: Session, old_size: int, new_size: int) -> list[bytes]:
    try:
        return merkle.consistency_proof(old_size, new_size, log.StoredTree(session).subtree)
    except merkle.ProofError as exc:
        raise BadInput("size", str(exc)) from exc


def consistency_proof(*, session: Session, old_size: int, new_size: int) -> str:
    old = checkpoint_of_size(session=session, size=old_size)
    new = checkpoint_of_size(session=session, size=new_size)
    hashes = consistency_hashes(session=session, old_size=old_size, new_size=new_size)
    return proofs.render_consistency(old_size, hashes, old.note, new.note)


def add_witness(*, session: Session, actor: str, vkey: str, nation: str) -> AuditWitness:
    try:
        key = notes.parse_vkey(vkey)
    except notes.NoteError as exc:
        raise BadInput("vkey", str(exc)) from exc
    if key.kind != notes.COSIGNATURE_V1:
        raise BadInput("vkey", "a witness key must be of type 0x04 (tlog-cosignature Ed25519)")
    if session.get(AuditWitness, key.name) is not None:
        raise BadInput("vkey", f"a witness named {key.name} exists already")
    witness = AuditWitness(name=key.name, nation=nation.upper(), public_key=key.public_key)
    session.add(witness)
    audit.record(
        session=session,
        actor=actor,
        action="audit:witness:add",
        resource_type="witness",
        resource_id=key.name[:64],
        nation=witness.nation,
    )
    session.flush()
    return witness


def witness_key(witness: AuditWitness) -> notes.VerifierKey:
    return notes.VerifierKey(witness.name, notes.COSIGNATURE_V1, witness.public_key)


def _witness_of(session: Session, name: str, nation: str) -> AuditWitness:
    witness = session.get(AuditWitness, name)
    if witness is None or witness.nation != nation:
        raise NotFound(f"witness {name}")
    return witness


def record_verdict(
    *,
    session: Session,
    actor: str,
    nation: str,
    witness_name: str,
    checkpoint_size: int,
    signature_line: str | None,
    reason: str | None,
) -> AuditCosignature:
    """Store a witness's cosignature (checked against its key) or its refusal."""
    witness = _witness_of(session, witness_name, nation)
    checkpoint = checkpoint_of_size(session=session, size=checkpoint_size)
    if signature_line is not None:
        try:
            notes.verify_cosignature(
                notes.split_note(checkpoint.note).text, signature_line, witness_key(witness)
            )
        except notes.NoteError as exc:
            raise BadInput("signature_line", str(exc)) from exc
        verdict = COSIGNED
    elif reason:
        verdict = REFUSED
    else:
        raise BadInput("reason", "give a cosignature line or the reason for refusing")
    exists = session.scalar(
        select(AuditCosignature.id).where(
            AuditCosignature.checkpoint_id == checkpoint.id,
            AuditCosignature.witness_name == witness.name,
        )
    )
    if exists is not None:
        raise BadInput("checkpoint", "this witness already gave its verdict on this checkpoint")
    row = AuditCosignature(
        checkpoint_id=checkpoint.id,
        witness_name=witness.name,
        verdict=verdict,
        signature_line=signature_line,
        reason=(reason or "")[:2000] or None,
    )
    session.add(row)
    audit.record(
        session=session,
        actor=actor,
        action=f"audit:checkpoint:{verdict}",
        resource_type="checkpoint",
        resource_id=str(checkpoint.size),
        nation=witness.nation,
    )
    session.flush()
    return row


def refusals(*, session: Session) -> list[tuple[AuditCosignature, AuditCheckpoint]]:
    rows = session.execute(
        select(AuditCosignature, AuditCheckpoint)
        .join(AuditCheckpoint, AuditCheckpoint.id == AuditCosignature.checkpoint_id)
        .where(AuditCosignature.verdict == REFUSED)
        .order_by(AuditCosignature.id.desc())
    )
    return [(cosignature, checkpoint) for cosignature, checkpoint in rows]
