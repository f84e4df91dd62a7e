"""Desks and their key versions, officers and the desk keys sealed to them, each nation's
debrief compartment key and who holds it, web sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from homeward.core.db import Base, new_id, utcnow


class Desk(Base):
    """A national desk (USA, FRA, ...) or the coordination cell (IRQ)."""

    __tablename__ = "desk"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    is_coordination: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeskKey(Base):
    """One version of a desk's X25519 key pair; only the public half is stored in clear."""

    __tablename__ = "desk_key"
    __table_args__ = (UniqueConstraint("desk_code", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    desk_code: Mapped[str] = mapped_column(ForeignKey("desk.code"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Officer(Base):
    __tablename__ = "officer"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    nation: Mapped[str] = mapped_column(ForeignKey("desk.code"), index=True)
    clearance: Mapped[int] = mapped_column(Integer, default=1)
    caveats: Mapped[str] = mapped_column(String(200), default="", server_default="")
    """Handling caveats held (',ORCON,HUMINT,'): a debrief carrying one not held stays hidden."""
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    """Tier 2: under the server data key."""
    last_totp_step: Mapped[int] = mapped_column(Integer, default=0)
    """A code is accepted once: only steps after this one count."""
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    private_key_wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    """The officer's X25519 private key under Argon2id(password, kdf_salt)."""
    kdf_salt: Mapped[bytes] = mapped_column(LargeBinary(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)

    desk_keys: Mapped[list[OfficerDeskKey]] = relationship(
        back_populates="officer", cascade="all, delete-orphan"
    )


class OfficerDeskKey(Base):
    """A desk private key sealed to one officer's public key."""

    __tablename__ = "officer_desk_key"

    officer_id: Mapped[str] = mapped_column(ForeignKey("officer.id"), primary_key=True)
    desk_key_id: Mapped[str] = mapped_column(ForeignKey("desk_key.id"), primary_key=True)
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)

    officer: Mapped[Officer] = relationship(back_populates="desk_keys")
    desk_key: Mapped[DeskKey] = relationship()


class CompartmentKey(Base):
    """One version of a nation's debrief compartment key (X25519): debrief report bodies are
    sealed to it, not to the desk key, so that only officers who read debriefs can open them.
    Only the public half is stored in clear."""

    __tablename__ = "compartment_key"
    __table_args__ = (UniqueConstraint("nation", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    nation: Mapped[str] = mapped_column(ForeignKey("desk.code"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfficerCompartmentKey(Base):
    """A compartment private key sealed to one officer of its nation who reads debriefs."""

    __tablename__ = "officer_compartment_key"

    officer_id: Mapped[str] = mapped_column(ForeignKey("officer.id"), primary_key=True)
    compartment_key_id: Mapped[str] = mapped_column(
        ForeignKey("compartment_key.id"), primary_key=True
    )
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)


class WebSession(Base):
    """A server-side session. The cookie holds a random token; only its hash is stored, and
    the session's secret (an unwrapped private key) is encrypted under a key derived from the
    token, so a copy of the database reveals no live session's keys."""

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[str] = mapped_column(String(32), index=True)
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    hard_expires_at: Mapped[datetime] = mapped_column()


class SigninThrottle(Base):
    """Failed officer sign-ins for one username, known or not, so that a lock looks the same
    either way. Keyed by a keyed hash of the username: a password typed into the username
    field by mistake is never stored."""

    __tablename__ = "signin_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(index=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    """No attempt for this username is evaluated before this time."""
