"""A small synthetic programme made through the services, with its event times spread over
the calendar, and the counts a test expects computed apart from reports/ (from what the world
itself did, not by querying the database the way reports/ does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.cases import service as case_service
from homeward.cases import transitions
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseEvent
from homeward.cases.release_basis import Basis
from homeward.core.runtime import Runtime
from homeward.policy import binding
from tests import helpers


@dataclass
class Made:
    """One case as the world made it: who owns it, its sex and band, when it reached what."""

    case_id: str
    nation: str
    sex: str
    band: str
    reached: dict[str, datetime] = field(default_factory=dict)
    level: int = 1


def open_case(
    runtime: Runtime,
    keyring: Keyring,
    *,
    sex: str,
    born: str,
    classification: int = 1,
    release: list[str] | None = None,
) -> str:
    with runtime.db.transaction() as session:
        case = case_service.open_case(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(
                    given_names="Karim",
                    family_name="Synthetic",
                    date_of_birth=born,
                    sex=sex,
                    nationalities=[keyring.principal.nation],
                ),
                classification=classification,
                release=release or [],
                basis=Basis("legal_obligation", grounds="Synthetic: court order.")
                if release
                else None,
            ),
        )
        accounts_service.grant_pending_keys(session=session, keyring=keyring)
        return case.id


def move(runtime: Runtime, keyring: Keyring, case_id: str, stage: str, **extra: str) -> None:
    with runtime.db.transaction() as session:
        transitions.transition(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            case_id=case_id,
            to_stage=stage,
            **extra,
        )


def backdate(runtime: Runtime, case_id: str, times: dict[str, datetime]) -> None:
    """Put the case's stage events on the given days (the services stamp them now): the test
    data's calendar, set in the database the services wrote."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test world: spreading events over the calendar")
        for stage, at in times.items():
            session.execute(
                update(CaseEvent)
                .where(CaseEvent.case_id == case_id, CaseEvent.to_stage == stage)
                .values(at=at)
            )
        # Marks written with the events follow their order then: re-dated, they are set
        # again from the events as they now stand (as a repair would).
        case_service.mark_stages_again(session=session, case_ids=[case_id])
        first = min(times.values())
        last_stage = max(times, key=times.__getitem__)
        session.execute(
            update(Case)
            .where(Case.id == case_id)
            .values(created_at=first, stage_entered_at=times[last_stage])
        )


def day(text: str, hour: int = 12) -> datetime:
    found = date.fromisoformat(text)
    return datetime(found.year, found.month, found.day, hour, tzinfo=UTC)


def plus(at: datetime, days: float) -> datetime:
    return at + timedelta(days=days)


def keyrings(runtime: Runtime, personas: helpers.Personas) -> dict[str, Keyring]:
    return {key: helpers.keyring(runtime, persona) for key, persona in personas.items()}
