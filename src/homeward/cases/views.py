"""What an officer sees of one case: assembled here once for the pages and the API."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.cases import listing as case_listing
from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.models import Case
from homeward.cases.schemas import CaseOut, EventOut, IdentityOut, NoteOut
from homeward.cases.states import (
    EXITS,
    PATH,
    REOPENABLE,
    STEP_LABELS,
    TRANSITIONS,
    WORDS,
    Stage,
    allowed_next,
    doing,
    next_on_path,
    roles_in_words,
)
from homeward.core.db import utcnow
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.policy import check as policy
from homeward.policy import roles


def case_view(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
) -> CaseOut:
    """The whole case for an officer allowed to read it; reading it is audited."""
    case = case_service.get_case(
        session=session, principal=keyring.principal, case_id=case_id, permission=roles.CASE_READ
    )
    return _view(session=session, keyring=keyring, secrets=secrets, settings=settings, case=case)


@dataclass(frozen=True)
class Step:
    """One move offered on the case page, in words; `allowed` is False where this officer's
    role may not make it (the page then says who may)."""

    stage: str
    words: str
    label: str
    allowed: bool
    who: str
    doing: str
    needs_note: bool
    needs_verifier: bool


@dataclass(frozen=True)
class PathStage:
    stage: str
    words: str
    state: str
    """`done`, `current` or `ahead`."""


@dataclass(frozen=True)
class Guide:
    """Where the case stands on its path and what comes next, for the case page."""

    path: list[PathStage]
    exited: str | None
    """The exit the case is in (withdrawn, lost contact, ...), apart from the path."""
    next: Step | None
    exits: list[Step]
    contact_deleted_at: datetime | None
    may_move: bool


@dataclass(frozen=True)
class CasePage:
    view: CaseOut
    guide: Guide


def _step(current: Stage, target: Stage, principal: policy.Principal) -> Step:
    rule = TRANSITIONS[(current, target)]
    label = "Re-open the case" if current in REOPENABLE else STEP_LABELS[target]
    return Step(
        stage=target.value,
        words=WORDS[target],
        label=label,
        allowed=principal.role in rule.roles,
        who=roles_in_words(rule.roles),
        doing=doing(current, target),
        needs_note=rule.needs_note,
        needs_verifier=rule.needs_verifier,
    )


def _left_from(case: Case) -> Stage:
    """The path stage an exited case left from (the last move out of the path)."""
    for event in reversed(case.events):
        if event.from_stage in {stage.value for stage in PATH}:
            return Stage(event.from_stage)
    return Stage.NEW


def guide(case: Case, principal: policy.Principal, may_move: bool) -> Guide:
    """The path of stages with the case's place on it, the next step (offered to this role,
    or named as someone else's), and the exits this officer may record."""
    current = Stage(case.stage)
    exited = current if current in EXITS else None
    reached = _left_from(case) if exited else current
    path = []
    for stage in PATH:
        position, here = PATH.index(stage), PATH.index(reached)
        state = "done" if position < here else "current" if position == here else "ahead"
        if exited and stage is reached:
            state = "done"
        path.append(PathStage(stage.value, WORDS[stage], state))
    following = next_on_path(current)
    exits = [
        _step(current, target, principal)
        for target in EXITS
        if (current, target) in TRANSITIONS
        and principal.role in TRANSITIONS[(current, target)].roles
    ]
    return Guide(
        path=path,
        exited=exited.value if exited else None,
        # A move made only through another step (an approved plan) is not offered here.
        next=_step(current, following, principal)
        if following and may_move and not TRANSITIONS[(current, following)].only_through
        else None,
        exits=exits if may_move else [],
        contact_deleted_at=case.contact_deleted_at,
        may_move=may_move,
    )


def case_page(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
) -> CasePage:
    """The case as its page shows it: the view, and the guide through its stages."""
    principal = keyring.principal
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    view = _view(session=session, keyring=keyring, secrets=secrets, settings=settings, case=case)
    may_move = case.owner_nation == principal.nation and roles.may(
        principal.role, roles.CASE_TRANSITION
    )
    return CasePage(view, guide(case, principal, may_move))


def _view(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    case: Case,
) -> CaseOut:
    principal = keyring.principal
    owner = case.owner_nation == principal.nation
    identity = case_service.identity_of(secrets, case)
    timeline = [
        EventOut(
            at=event.at,
            actor=event.actor_name,
            kind=event.kind,
            from_stage=event.from_stage,
            to_stage=event.to_stage,
            detail=json.loads(secrets.open_field(event.detail_sealed))
            if event.detail_sealed
            else None,
        )
        for event in case.events
    ]
    notes = [
        NoteOut(**asdict(note))
        for note in transitions.read_notes(session=session, keyring=keyring, case=case)
    ]
    may_move = owner and policy.allows(principal, roles.CASE_TRANSITION, case)
    case_service.record_read(session=session, principal=principal, case=case)
    return CaseOut(
        id=case.id,
        reference=case.reference,
        owner_nation=case.owner_nation,
        stage=case.stage,
        stage_entered_at=case.stage_entered_at,
        stale=case_listing.is_stale(case, settings, utcnow()),
        classification=case.classification,
        release=case.release_list,
        labels=sorted(label.label for label in case.labels),
        assignees=sorted(assignee.officer_id for assignee in case.assignees),
        conversation_ids=[link.conversation_id for link in case.conversations],
        identity=IdentityOut(**asdict(identity)),
        timeline=timeline,
        notes=notes,
        allowed_stages=[s.value for s in allowed_next(Stage(case.stage), principal.role)]
        if may_move
        else [],
    )
