"""Moving a case through its stages, and its tier-1 notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.models import Officer
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import children
from homeward.cases import service as case_service
from homeward.cases.exceptions import TransitionForbidden, TransitionNotAllowed
from homeward.cases.models import Case, CaseNote, CaseNoteWrap
from homeward.cases.states import (
    CHILD_NEVER,
    CHILD_TRANSITIONS,
    TRANSITIONS,
    WORDS,
    Stage,
    allowed_next,
    doing,
    how,
    roles_in_words,
    through_next,
)
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.policy import roles

NOTE_MAX_CHARS = 20_000


def transition(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    case_id: str,
    to_stage: str,
    note: str = "",
    verified_by: str = "",
    via: str = "",
) -> Case:
    """Move the case, if this move exists, this role may make it and what it needs is given.
    A move with `only_through` in its rule is made only by that step, which passes it as `via`
    (the generic stage route never does)."""
    principal = keyring.principal
    try:
        target = Stage(to_stage)
    except ValueError as exc:
        raise BadInput("stage", f"there is no stage called {to_stage!r}") from exc
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_TRANSITION
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # a nation it was released to reads it, never moves it
    current = Stage(case.stage)
    move = (current, target)
    adult_rule, child_rule = TRANSITIONS.get(move), CHILD_TRANSITIONS.get(move)
    age = None
    if adult_rule is None or adult_rule != child_rule or target in CHILD_NEVER:
        age = children.age(session, secrets, case)  # only where a child's way differs
    child = age is not None and age.child
    if child and target in CHILD_NEVER:
        assert age is not None  # noqa: S101 - child implies an age
        raise TransitionNotAllowed(
            f"{case.reference} is a child's case ({age.because}): a child is never "
            f"{WORDS[target]}; a child goes to a child-protection actor instead"
        )
    rule = child_rule if child else adult_rule
    if rule is None:
        possible = ", ".join(
            WORDS[stage] for stage in allowed_next(current, principal.role, child=child)
        )
        through = "".join(
            f"; it becomes {WORDS[stage]} only through {step}"
            for stage, step in through_next(current, child=child)
        )
        raise TransitionNotAllowed(
            f"A case that is {WORDS[current]} cannot be moved to {WORDS[target]}"
            + (f"; from here you can move it to: {possible}" if possible else "")
            + through
        )
    if rule.only_through and via != rule.only_through:
        raise TransitionNotAllowed(
            f"A case that is {WORDS[current]} moves to {WORDS[target]} only through "
            f"{rule.only_through}, never by hand. {how(move, child=child)}."
        )
    if principal.role not in rule.roles:
        who = roles_in_words(rule.roles)
        raise TransitionForbidden(f"Only {who} can {doing(current, target)}")
    note = note.strip()
    if rule.needs_note and not note:
        raise BadInput("note", f"say why the case is {WORDS[target]} (a note is needed)")
    if len(note) > NOTE_MAX_CHARS:
        raise BadInput("note", f"longer than {NOTE_MAX_CHARS} characters")
    detail: dict[str, object] = {"note": note} if note else {}
    if rule.needs_verifier:
        detail["verified_by"] = _verifier(session, case, verified_by).username
    now = utcnow()
    case_service.record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:stage:change",
        from_stage=current.value,
        to_stage=target.value,
        detail=detail or None,
    )
    case.stage, case.stage_entered_at = target.value, now
    session.flush()
    return case


IDENTITY_ENTRIES = ("case:open", "case:identity:change")


def entered_by(case: Case) -> str:
    """The officer whose claimed identity the case carries now: who opened the case, or who
    last changed the identity."""
    entries = [event for event in case.events if event.kind in IDENTITY_ENTRIES]
    return entries[-1].actor_id if entries else ""


def _verifier(session: Session, case: Case, username: str) -> Officer:
    """Four eyes: the identity is verified by an officer of the desk other than the one
    who entered it."""
    verifier = accounts_service.find_officer(session=session, username=username.strip())
    if verifier is None or verifier.nation != case.owner_nation:
        raise BadInput("verified_by", "name the officer of this desk who verified the identity")
    if verifier.id == entered_by(case):
        raise BadInput(
            "verified_by",
            f"{verifier.username} entered this identity and cannot also be the one who "
            "verified it; name another officer of the desk",
        )
    return verifier


@dataclass(frozen=True)
class NoteView:
    id: str
    author_id: str
    created_at: datetime
    text: str


def add_note(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, case_id: str, text: str
) -> CaseNote:
    """A note sealed to the owning desk's key: the server alone cannot read it."""
    principal = keyring.principal
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_NOTE
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")
    text = text.strip()
    if not text:
        raise BadInput("note", "it is empty")
    if len(text) > NOTE_MAX_CHARS:
        raise BadInput("note", f"longer than {NOTE_MAX_CHARS} characters")
    desk_key = accounts_service.current_desk_key(session=session, desk_code=case.owner_nation)
    if desk_key is None:
        raise BadInput("desk", "the desk has no key yet")
    content_key = sealing.random_bytes()
    note = CaseNote(
        author_id=principal.officer_id,
        created_at=utcnow(),
        body=sealing.encrypt(content_key, text.encode()),
    )
    note.wraps.append(
        CaseNoteWrap(
            desk_key_id=desk_key.id, sealed_key=sealing.seal(desk_key.public_key, content_key)
        )
    )
    case.notes.append(note)
    case_service.record_event(
        session=session, secrets=secrets, principal=principal, case=case, kind="case:note:add"
    )
    session.flush()
    return note


def read_notes(*, session: Session, keyring: Keyring, case: Case) -> list[NoteView]:
    """Notes this officer's desk keys open; each read is audited."""
    held = accounts_service.desk_private_keys(session=session, keyring=keyring)
    views = []
    for note in case.notes:
        for wrap in note.wraps:
            private = held.get(wrap.desk_key_id)
            if private is None:
                continue
            content_key = sealing.unseal(private, wrap.sealed_key)
            views.append(
                NoteView(
                    note.id,
                    note.author_id,
                    note.created_at,
                    sealing.decrypt(content_key, note.body).decode(),
                )
            )
            audit.record(
                session=session,
                actor=keyring.principal.audit_name,
                action="case:note:read",
                resource_type="case",
                resource_id=case.id,
                nation=case.owner_nation,
            )
            break
    return views
