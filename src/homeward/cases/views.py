"""What an officer sees of one case: assembled here once for the pages and the API."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.cases import listing as case_listing
from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.schemas import CaseOut, EventOut, IdentityOut, NoteOut
from homeward.cases.states import Stage, allowed_next
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
    principal = keyring.principal
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
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
