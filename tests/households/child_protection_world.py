"""The child-protection tests' world: a child's case of a desk, its handover recorded and each
side's word given as one call each, and what is stored (to show a refusal stored nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from homeward.audit.models import AuditEvent
from homeward.cases.models import Case, CaseEvent
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.households import child_protection as cp
from homeward.households.child_protection_models import (
    ChildProtectionConfirmation,
    ChildProtectionConfirmationWrap,
    ChildProtectionHandover,
    ChildProtectionWrap,
)
from homeward.policy import binding
from homeward.policy.check import Principal
from tests import helpers
from tests.households import world


def child(runtime: Runtime, persona: helpers.Persona, **kwargs: object) -> str:
    """A child's case (born 2014) of the persona's desk."""
    return world.open_case(runtime, persona, given="Yasmine", born="2014", **kwargs)  # type: ignore[arg-type]


def organisation(
    name: str = "Terre des Hommes (UNICEF-supported partner)",
    *,
    contact: str = "+33 1 00 00 00 00",
    place: str = "Interim care centre, Erbil",
    planned_at: datetime | None = None,
) -> cp.Organisation:
    return cp.Organisation(
        organisation=name,
        contact=contact,
        place=place,
        planned_at=planned_at or utcnow() + timedelta(hours=2),
    )


def record(
    runtime: Runtime, persona: helpers.Persona, case_id: str, details: cp.Organisation | None = None
) -> str:
    with runtime.db.transaction() as session:
        return cp.record(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            details=details or organisation(),
        ).id


def happened(received_by: str = "Ms. Amal Haddad, case worker", note: str = "") -> cp.Word:
    return cp.Word(
        happened=True,
        happened_at=datetime.now(UTC) - timedelta(minutes=5),
        received_by=received_by,
        note=note,
    )


def did_not(note: str = "The organisation's team did not come.") -> cp.Word:
    return cp.Word(happened=False, note=note)


def confirm(
    runtime: Runtime, who: helpers.Persona | Principal, handover_id: str, word: cp.Word
) -> str:
    principal = who if isinstance(who, Principal) else helpers.keyring(runtime, who).principal
    with runtime.db.transaction() as session:
        return cp.confirm(
            session=session,
            principal=principal,
            secrets=runtime.secrets,
            handover_id=handover_id,
            word=word,
        ).state


def of_case(runtime: Runtime, persona: helpers.Persona, case_id: str) -> cp.CasePath:
    with runtime.db.transaction() as session:
        return cp.of_case(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
        )


def stage(runtime: Runtime, case_id: str) -> str:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: a case's stage")
        found = session.get(Case, case_id)
        assert found is not None
        return found.stage


def set_stage(runtime: Runtime, case_id: str, to: str) -> None:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: a case's stage")
        found = session.get(Case, case_id)
        assert found is not None
        found.stage = to


@dataclass(frozen=True)
class Stored:
    handovers: tuple[tuple[str, str, str], ...]
    confirmations: int
    wraps: int
    events: int
    audit: int
    stages: tuple[tuple[str, str], ...]


def stored(runtime: Runtime) -> Stored:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: what is stored")

        def count(model: type[object]) -> int:
            return session.scalar(select(func.count()).select_from(model)) or 0

        return Stored(
            handovers=tuple(
                (row.id, row.state, row.release)
                for row in session.scalars(
                    select(ChildProtectionHandover).order_by(ChildProtectionHandover.id)
                )
            ),
            confirmations=count(ChildProtectionConfirmation),
            wraps=count(ChildProtectionWrap) + count(ChildProtectionConfirmationWrap),
            events=count(CaseEvent),
            audit=count(AuditEvent),
            stages=tuple(
                (row.id, row.stage)
                for row in session.execute(select(Case.id, Case.stage).order_by(Case.id))
            ),
        )
