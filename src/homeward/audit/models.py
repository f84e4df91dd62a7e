"""The audit log's tables. Entries, tree nodes, checkpoints and cosignatures are insert-only:
triggers refuse UPDATE and DELETE (see the migrations); only the head moves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from homeward.core.db import Base, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")


class AuditEvent(Base):
    """One leaf of the log."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    leaf_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80), index=True)
    """`officer:<id>`, `contact` (never which one beyond the resource) or `system`."""
    action: Mapped[str] = mapped_column(String(80), index=True)
    resource_type: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str] = mapped_column(String(64), index=True)
    nation: Mapped[str | None] = mapped_column(String(3), index=True)
    detail_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    """Keyed hash of any personal detail; the detail itself stays in the encrypted records."""
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditNode(Base):
    """The hash of a complete subtree: 2^level leaves from position * 2^level. Stored so that
    proofs never recompute the tree."""

    __tablename__ = "audit_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHead(Base):
    """The current size and root; its row is the lock that serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditCheckpoint(Base):
    """A signed checkpoint (C2SP tlog-checkpoint) as issued."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditWitness(Base):
    """A nation's witness: its name and Ed25519 cosigning key (a C2SP vkey, type 0x04)."""

    __tablename__ = "audit_witness"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    nation: Mapped[str] = mapped_column(String(3))
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditCosignature(Base):
    """A witness's verdict on a checkpoint: a cosignature line, or a refusal and its reason."""

    __tablename__ = "audit_cosignature"
    __table_args__ = (UniqueConstraint("checkpoint_id", "witness_name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoint.id"), index=True)
    witness_name: Mapped[str] = mapped_column(ForeignKey("audit_witness.name"))
    verdict: Mapped[str] = mapped_column(String(10))
    """`cosigned` or `refused`."""
    signature_line: Mapped[str | None] = mapped_column(Text, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
