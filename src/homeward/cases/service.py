"""Opening, reading and editing cases. The only code that changes them (with
transitions.py and transfers.py beside it); every change leaves a case event and an audit
entry in the same transaction. Changes that must also reach the identity index go through
flows.py, which both web and the CLI call."""

from __future__ import annotations

import calendar
import json
import secrets as random_tokens
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy import case as when
from sqlalchemy.orm import Session, aliased

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import followers, release_basis
from homeward.cases.identity import ClaimedIdentity, name_tokens
from homeward.cases.models import (
    Case,
    CaseAssignee,
    CaseConversation,
    CaseEvent,
    CaseLabel,
    CaseNameToken,
)
from homeward.cases.states import Stage
from homeward.contact import inbox as contact_inbox
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, NotFound
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.policy import binding, protection, roles
from homeward.policy import check as policy
from homeward.policy.labels import Classification, decode_release

LABEL_MAX = 40


@dataclass
class CaseOpen:
    identity: ClaimedIdentity
    conversation_ids: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    classification: int = int(Classification.RESTRICTED)
    release: list[str] = field(default_factory=list)
    basis: release_basis.Basis | None = None
    """Required when `release` names a nation: the lawful basis of each (as set_protection)."""


def record_event(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case: Case,
    kind: str,
    detail: dict[str, Any] | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
) -> CaseEvent:
    """The case's own history entry and the audit log's, together."""
    sealed = secrets.seal_field(json.dumps(detail, ensure_ascii=False)) if detail else None
    event = CaseEvent(
        actor_id=principal.officer_id,
        actor_name=principal.username,
        kind=kind,
        from_stage=from_stage,
        to_stage=to_stage,
        detail_sealed=sealed,
        at=utcnow(),
    )
    mark_stages(case, event)
    case.events.append(event)
    case.updated_at = event.at
    audit.record(
        session=session,
        actor=principal.audit_name,
        action=kind,
        resource_type="case",
        resource_id=case.id,
        nation=case.owner_nation,
    )
    return event


def mark_stages(case: Case, event: CaseEvent) -> None:
    """Set the event's `first_entry` and `from_stage_entered_at` from the case's events so far
    (see the model), before it joins them: every writer of a stage event calls this, so
    programme figures count from the period's events alone. The events are the case's own,
    loaded once (appending the new one loads them anyway)."""
    earlier = case.events
    event.first_entry = event.to_stage is not None and not any(
        other.to_stage == event.to_stage for other in earlier
    )
    event.from_stage_entered_at = (
        max(
            (
                other.at
                for other in earlier
                if other.to_stage == event.from_stage and (event.at is None or other.at <= event.at)
            ),
            default=None,
        )
        if event.from_stage is not None and event.to_stage is not None
        else None
    )


def mark_stages_again(*, session: Session, case_ids: Collection[str]) -> None:
    """Set `first_entry` and `from_stage_entered_at` afresh on every event of these cases from
    their events as stored (set-based: two updates), as migration 0020 fills them in: for
    events re-dated outside the services (a test's calendar, a repair), whose marks written
    at the time no longer follow their order. The first of two entries at the same time is
    the one with the smaller id."""
    if not case_ids:
        return
    earlier = aliased(CaseEvent)
    session.execute(
        update(CaseEvent)
        .where(CaseEvent.case_id.in_(list(case_ids)))
        .values(
            first_entry=and_(
                CaseEvent.to_stage.is_not(None),
                ~exists().where(
                    earlier.case_id == CaseEvent.case_id,
                    earlier.to_stage == CaseEvent.to_stage,
                    or_(
                        earlier.at < CaseEvent.at,
                        and_(earlier.at == CaseEvent.at, earlier.id < CaseEvent.id),
                    ),
                ),
            ),
            from_stage_entered_at=when(
                (
                    and_(CaseEvent.from_stage.is_not(None), CaseEvent.to_stage.is_not(None)),
                    select(func.max(earlier.at))
                    .where(
                        earlier.case_id == CaseEvent.case_id,
                        earlier.to_stage == CaseEvent.from_stage,
                        earlier.at <= CaseEvent.at,
                    )
                    .scalar_subquery(),
                ),
                else_=None,
            ),
        )
        .execution_options(synchronize_session=False)
    )


def _check_labels(labels: list[str]) -> list[str]:
    cleaned = sorted({label.strip().lower() for label in labels if label.strip()})
    if len(cleaned) > 20 or any(len(label) > LABEL_MAX for label in cleaned):
        raise BadInput("labels", f"at most 20 labels of {LABEL_MAX} characters")
    return cleaned


def _release(
    *,
    session: Session,
    settings: Settings,
    principal: policy.Principal,
    owner: str,
    classification: int,
    release: list[str],
) -> str:
    return protection.check_protection(
        settings=settings,
        principal=principal,
        desks=accounts_service.coalition(session=session),
        owner=owner,
        classification=classification,
        release=release,
    )


def open_case(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    data: CaseOpen,
) -> Case:
    principal = keyring.principal
    policy.require_permission(principal, roles.CASE_OPEN)
    binding.bind(session, principal)
    identity = data.identity.checked()
    release = _release(
        session=session,
        settings=settings,
        principal=principal,
        owner=principal.nation,
        classification=data.classification,
        release=data.release,
    )
    for conversation_id in data.conversation_ids:
        contact_inbox.require_visible(
            session=session, principal=principal, conversation_id=conversation_id
        )
    now = utcnow()
    case = Case(
        reference=f"{principal.nation}-{random_tokens.token_hex(4).upper()}",
        owner_nation=principal.nation,
        classification=data.classification,
        release=release,
        stage=Stage.NEW.value,
        stage_entered_at=now,
        created_at=now,
        updated_at=now,
        identity_sealed=identity.seal(secrets),
    )
    set_statistics(case, identity)
    case.labels = [CaseLabel(label=label) for label in _check_labels(data.labels)]
    case.conversations = [CaseConversation(conversation_id=cid) for cid in data.conversation_ids]
    case.name_tokens = [CaseNameToken(token=token) for token in name_tokens(secrets, identity)]
    case.assignees = [CaseAssignee(officer_id=principal.officer_id)]
    released = decode_release(release)
    # Checked before the case is added: a refusal stores nothing (a consent on file cannot
    # belong to a case not yet written, so only a new consent or grounds pass).
    checked = release_basis.required(session=session, case=case, basis=data.basis, nations=released)
    session.add(case)
    session.flush()
    release_basis.record(
        session=session, principal=principal, case=case, nations=released, basis=checked
    )
    detail: dict[str, Any] = (
        {"conversations": data.conversation_ids} if data.conversation_ids else {}
    )
    detail |= release_basis.event_detail(released, checked)
    record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:open",
        to_stage=Stage.NEW.value,
        detail=detail or None,
    )
    session.flush()
    return case


def get_case(
    *, session: Session, principal: policy.Principal, case_id: str, permission: str
) -> Case:
    """The case, if this officer may do `permission` on it; NotFound as if it did not exist."""
    policy.require_permission(principal, permission)
    binding.bind(session, principal)
    case = session.get(Case, case_id)
    policy.check(principal, permission, case, "case")
    assert case is not None  # noqa: S101 - policy.check raised otherwise
    return case


def get_case_by_reference(
    *, session: Session, principal: policy.Principal, reference: str, permission: str
) -> Case:
    """The case an officer names by its reference (FRA-3F9A21C4, in any letter case), as
    `get_case` finds it: a case out of reach is not found, like one that does not exist."""
    policy.require_permission(principal, permission)
    binding.bind(session, principal)
    case_id = session.scalar(select(Case.id).where(Case.reference == reference.strip().upper()))
    if case_id is None:
        raise NotFound("case")
    return get_case(session=session, principal=principal, case_id=case_id, permission=permission)


def record_read(*, session: Session, principal: policy.Principal, case: Case) -> None:
    """Opening a case shows its identity: every such read is in the audit log."""
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="case:read",
        resource_type="case",
        resource_id=case.id,
        nation=case.owner_nation,
    )


def references(*, session: Session, case_ids: list[str]) -> dict[str, str]:
    """Case references by id, for naming the cases of audit entries the caller may already
    read (an auditor reads no case): the reference alone, never a name or a stage."""
    found: dict[str, str] = {}
    with binding.unfiltered(session, "case references named by audit entries"):
        for start in range(0, len(case_ids), 500):
            batch = case_ids[start : start + 500]
            rows = session.execute(select(Case.id, Case.reference).where(Case.id.in_(batch)))
            found.update((case_id, reference) for case_id, reference in rows)
    return found


ADULT_AT = 18


def set_statistics(
    case: Case,
    identity: ClaimedIdentity,
    *,
    estimated_years: int | None = None,
    estimated_on: date | None = None,
) -> None:
    """Keep the case's clear statistical columns (`sex`, `age_band`: see the model) in step
    with its sealed identity, so programme figures never open one. The band is the age at the
    case's opening: by the claimed date of birth, else by an officer's estimate (grown back to
    the opening) where the caller passes one; '' when neither is known. A partial date of
    birth counts as its latest day: in doubt, a child (as cases/children.py decides)."""
    case.sex = identity.sex if identity.sex in {"M", "F", "X"} else ""
    opened_on = (case.created_at or utcnow()).date()
    adult_on = _eighteenth_birthday(identity.date_of_birth)
    if adult_on is not None:
        case.age_band = "child" if opened_on < adult_on else "adult"
    elif estimated_years is not None:
        since = estimated_on or opened_on
        years_then = estimated_years - max(0, _whole_years(opened_on, since))
        case.age_band = "child" if years_then < ADULT_AT else "adult"
    else:
        case.age_band = ""


def backfill_statistics(*, session: Session, secrets: ServerSecrets, batch: int = 500) -> int:
    """System work after migration 0018 (which holds no server data key): set `sex` and
    `age_band` on cases that have neither, from their sealed identity, in batches by id.
    Returns how many cases were looked at. Nothing else changes (no event: the identity did
    not change); an identity that knows neither leaves both '' (not known)."""
    binding.as_system(session, "case statistics backfill (migration 0018)")
    done, last = 0, ""
    while True:
        cases = list(
            session.scalars(
                select(Case)
                .where(Case.sex == "", Case.age_band == "", Case.id > last)
                .order_by(Case.id)
                .limit(batch)
            )
        )
        if not cases:
            return done
        for case in cases:
            set_statistics(case, identity_of(secrets, case))
        last = cases[-1].id
        done += len(cases)
        session.flush()


def _eighteenth_birthday(date_of_birth: str) -> date | None:
    """The latest day a partial date of birth (`YYYY`, `~YYYY`, `YYYY-MM`, `YYYY-MM-DD`) can
    turn 18 (the same rule as children.eighteenth_birthday, which imports this module)."""
    text = date_of_birth.strip().lstrip("~")
    if not text:
        return None
    parts = [int(part) for part in text.split("-")]
    year = parts[0] + ADULT_AT
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    if month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return date(year, month, day)


def _whole_years(since: date, until: date) -> int:
    years = until.year - since.year
    return years - 1 if (until.month, until.day) < (since.month, since.day) else years


def identity_of(secrets: ServerSecrets, case: Case) -> ClaimedIdentity:
    return ClaimedIdentity.open(secrets, case.identity_sealed)


def update_identity(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    case_id: str,
    identity: ClaimedIdentity,
    reason: str,
) -> Case:
    case = get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_EDIT
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # a nation it was released to reads it, never edits it
    checked = identity.checked()
    if not checked.sex:  # the identity form does not ask it: an edit keeps what was known
        checked.sex = identity_of(secrets, case).sex
    case.identity_sealed = checked.seal(secrets)
    set_statistics(case, checked)
    case.name_tokens = [CaseNameToken(token=token) for token in name_tokens(secrets, checked)]
    record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:identity:change",
        detail={"reason": _reason(reason)},
    )
    session.flush()
    return case


def set_labels_and_assignees(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    case_id: str,
    labels: list[str],
    assignee_ids: list[str],
) -> Case:
    case = get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_EDIT
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # a nation it was released to reads it, never edits it
    cleaned = _check_labels(labels)
    for officer_id in assignee_ids:
        officer = accounts_service.get_officer(session=session, officer_id=officer_id)
        if officer is None or officer.nation != case.owner_nation:
            raise BadInput("assignees", "assign officers of the owning desk only")
    case.labels = [CaseLabel(label=label) for label in cleaned]
    case.assignees = [CaseAssignee(officer_id=oid) for oid in sorted(set(assignee_ids))]
    record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:labels:change",
        detail={"labels": cleaned, "assignees": assignee_ids},
    )
    session.flush()
    return case


def set_protection(
    *,
    session: Session,
    principal: policy.Principal,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
    classification: int,
    release: list[str],
    reason: str,
    basis: release_basis.Basis | None,
) -> Case:
    """New level and release list. Each nation newly on the list needs `basis` (refused
    before anything changes without one); each nation taken off has its basis closed."""
    case = get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_EDIT
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")  # only the owner changes who else may read
    encoded = _release(
        session=session,
        settings=settings,
        principal=principal,
        owner=case.owner_nation,
        classification=classification,
        release=release,
    )
    before = {"classification": case.classification, "release": case.release_list}
    added = [nation for nation in decode_release(encoded) if nation not in case.release_list]
    removed = [nation for nation in case.release_list if nation not in decode_release(encoded)]
    checked = release_basis.required(session=session, case=case, basis=basis, nations=added)
    case.classification, case.release = classification, encoded
    release_basis.record(
        session=session, principal=principal, case=case, nations=added, basis=checked
    )
    release_basis.close(session=session, principal=principal, case=case, nations=removed)
    followers.relabel(
        session,
        case,
        lambda needed: _release(
            session=session,
            settings=settings,
            principal=principal,
            owner=case.owner_nation,
            classification=classification,
            release=needed,
        ),
    )
    record_event(
        session=session,
        secrets=secrets,
        principal=principal,
        case=case,
        kind="case:protection:change",
        detail={
            "reason": _reason(reason),
            "before": before,
            "after": {"classification": classification, "release": case.release_list},
            **release_basis.event_detail(added, checked),
        },
    )
    session.flush()
    return case


def _reason(text: str, field_name: str = "reason", limit: int = 2000) -> str:
    text = text.strip()
    if not text:
        raise BadInput(field_name, "say why")
    if len(text) > limit:
        raise BadInput(field_name, f"longer than {limit} characters")
    return text
