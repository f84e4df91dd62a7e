"""The approvals tests' world: a case of a desk brought to `repatriated` (set directly: the way
there is tested in tests/passage), officers of any clearance, and each step as one call."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.approvals import service as approvals
from homeward.approvals.models import Approval, ApprovalWrap
from homeward.audit import service as audit
from homeward.audit.models import AuditEvent
from homeward.cases.models import Case, CaseEvent
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.policy.labels import Classification
from homeward.policy.roles import Role
from tests import helpers
from tests.screening import world as screening_world

REASON = "Home for six months, reintegration programme under way; nothing left for the desk."


def add_officer(
    runtime: Runtime,
    username: str,
    role: Role = Role.SUPERVISOR,
    nation: str = "FRA",
    clearance: Classification = Classification.SECRET,
) -> helpers.Persona:
    password = secrets.token_urlsafe(16)
    with runtime.db.transaction() as session:
        officer, _uri = accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            actor=audit.SYSTEM,
            data=NewOfficer(username, password, role, nation, int(clearance)),
        )
        return helpers.Persona(username, officer.username, password, role, nation, officer.id)


def grant_keys(runtime: Runtime, persona: helpers.Persona) -> None:
    """As a sign-in does: the desk's key sealed to a colleague who lacks it."""
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        accounts_service.grant_pending_keys(session=session, keyring=keyring)


def repatriated_case(
    runtime: Runtime,
    persona: helpers.Persona,
    *,
    family: str = "Benali",
    release: tuple[str, ...] = (),
    classification: Classification | None = None,
) -> str:
    """A case of the persona's desk, at `repatriated` (and `classification` when given)."""
    case_id = screening_world.open_case(runtime, persona, family=family, release=release)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: a case brought home")
        case = session.get(Case, case_id)
        assert case is not None
        case.stage = "repatriated"
        if classification is not None:
            case.classification = int(classification)
    return case_id


def ask(
    runtime: Runtime,
    persona: helpers.Persona,
    case_id: str,
    comment: str = REASON,
    kind: str = "close",
) -> str:
    with runtime.db.transaction() as session:
        made = approvals.request(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            kind=kind,
            comment=comment,
        )
        return made.id


def decide(
    runtime: Runtime,
    persona: helpers.Persona,
    approval_id: str,
    *,
    approve: bool = True,
    comment: str = "Checked the custody chain's arrival; agreed.",
) -> None:
    with runtime.db.transaction() as session:
        approvals.decide(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            approval_id=approval_id,
            decision="approve" if approve else "reject",
            comment=comment,
        )


@dataclass(frozen=True)
class Stored:
    """What a refusal must leave as it was."""

    approvals: tuple[tuple[str, str, str | None], ...]
    wraps: int
    events: int
    audit: int
    stages: tuple[tuple[str, str], ...]


def stored(runtime: Runtime) -> Stored:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: what is stored")
        return Stored(
            approvals=tuple(
                (row.id, row.state, row.decided_by)
                for row in session.scalars(select(Approval).order_by(Approval.id))
            ),
            wraps=session.scalar(select(func.count()).select_from(ApprovalWrap)) or 0,
            events=session.scalar(select(func.count()).select_from(CaseEvent)) or 0,
            audit=session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
            stages=tuple(
                (row.id, row.stage)
                for row in session.execute(select(Case.id, Case.stage).order_by(Case.id))
            ),
        )


def events(runtime: Runtime, case_id: str) -> list[str]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: a case's history")
        return list(
            session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.at)
            )
        )


def audited(runtime: Runtime, case_id: str) -> list[str]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the audit log")
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.resource_id == case_id)
                .order_by(AuditEvent.id)
            )
        )
