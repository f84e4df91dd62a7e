"""The passage tests' world: a point the cell runs, cleared cases of a desk, windows to come in
the point's own time zone, and what is stored (to show a refusal stored nothing)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from homeward.accounts import service as accounts_service
from homeward.accounts.models import Desk
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.audit.models import AuditEvent
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseEvent
from homeward.cases.release_basis import Basis
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.passage import hours as clock
from homeward.passage import plans, points
from homeward.passage.models import HandoverWindow, PassagePlan
from homeward.passage.schemas import PlanDetails, PointData
from homeward.policy import binding
from homeward.policy.check import Principal
from homeward.policy.labels import Classification
from homeward.policy.roles import Role
from tests import helpers

OPENING_BASIS = Basis("legal_obligation", grounds="Synthetic: court order.")

BAGHDAD = ZoneInfo("Asia/Baghdad")
EVERY_DAY = {weekday: [("08:00", "12:00"), ("13:00", "16:00")] for weekday in range(7)}


def principal(runtime: Runtime, persona: helpers.Persona) -> Principal:
    return helpers.keyring(runtime, persona).principal


def make_point(
    runtime: Runtime,
    coordinator: helpers.Persona,
    *,
    name: str = "Rabia crossing",
    capacity: int = 2,
    window_minutes: int = 60,
    units: tuple[str, ...] = ("Reception unit 4",),
) -> str:
    with runtime.db.transaction() as session:
        point = points.create_point(
            session=session,
            principal=principal(runtime, coordinator),
            data=PointData(
                name=name,
                area="Tal Afar district",
                units=list(units),
                hours=EVERY_DAY,
                capacity=capacity,
                window_minutes=window_minutes,
            ),
        )
        return point.id


def day_ahead(days: int = 2) -> date:
    """A local date in Baghdad far enough ahead that its windows are all to come."""
    return utcnow().astimezone(BAGHDAD).date() + timedelta(days=days)


def window(day: date, at: str) -> datetime:
    """The UTC instant of a local Baghdad time on that day."""
    return clock.instant_of(day, clock.minutes_of(at, "test"), BAGHDAD)


def cleared_case(
    runtime: Runtime,
    persona: helpers.Persona,
    *,
    family: str = "Benali",
    release: tuple[str, ...] = (),
    stage: str = "cleared",
) -> str:
    """A case of the persona's desk, put straight at `stage`: the way to `cleared` and its
    guards are the cases tests' business."""
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        case = case_service.open_case(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(
                    given_names="Karim",
                    family_name=family,
                    date_of_birth="1993",
                    nationalities=[persona.nation],
                ),
                release=list(release),
                basis=OPENING_BASIS if release else None,
            ),
        )
        case_id = case.id
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: a case at a stage")
        session.execute(update(Case).where(Case.id == case_id).values(stage=stage))
    return case_id


def details(marker: str = "") -> PlanDetails:
    return PlanDetails(
        receiving_unit="Reception unit 4",
        accompanied_by=f"Liaison officer of the desk {marker}".strip(),
        bring=f"Identity papers, no weapon {marker}".strip(),
        fallback=f"Same time the next day {marker}".strip(),
        instructions=f"Walk to the second gate with hands visible {marker}".strip(),
    )


def book(
    runtime: Runtime,
    persona: helpers.Persona,
    case_id: str,
    point_id: str,
    starts_at: datetime,
    *,
    plan_details: PlanDetails | None = None,
) -> str:
    with runtime.db.transaction() as session:
        plan = plans.book(
            session=session,
            principal=principal(runtime, persona),
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            point_id=point_id,
            starts_at=starts_at,
            details=plan_details or details(),
        )
        return plan.id


@dataclass(frozen=True)
class Stored:
    """What a refused call must leave as it was."""

    plans: int
    booked: int
    windows: int
    events: int
    audit_entries: int


def stored(runtime: Runtime) -> Stored:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: count what is stored")
        return Stored(
            plans=session.scalar(select(func.count()).select_from(PassagePlan)) or 0,
            booked=session.scalar(select(func.coalesce(func.sum(HandoverWindow.booked), 0))) or 0,
            windows=session.scalar(select(func.count()).select_from(HandoverWindow)) or 0,
            events=session.scalar(select(func.count()).select_from(CaseEvent)) or 0,
            audit_entries=session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def second_cell(runtime: Runtime) -> helpers.Persona:
    """Another coordination cell (JOR) with its own coordinator: it runs none of IRQ's points."""
    password = secrets.token_urlsafe(16)
    with runtime.db.transaction() as session:
        session.add(Desk(code="JOR", name="Second coordination cell", is_coordination=True))
        session.flush()
        officer, _uri = accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            actor=audit.SYSTEM,
            data=NewOfficer(
                "jor.coordinator",
                password,
                Role.COORDINATOR,
                "JOR",
                int(Classification.SECRET),
            ),
        )
        return helpers.Persona(
            "jor_coordinator", officer.username, password, Role.COORDINATOR, "JOR", officer.id
        )


def another_supervisor(runtime: Runtime, nation: str = "FRA") -> helpers.Persona:
    password = secrets.token_urlsafe(16)
    username = f"{nation.lower()}.supervisor2"
    with runtime.db.transaction() as session:
        officer, _uri = accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            actor=audit.SYSTEM,
            data=NewOfficer(
                username, password, Role.SUPERVISOR, nation, int(Classification.SECRET)
            ),
        )
        return helpers.Persona(
            "supervisor2", officer.username, password, Role.SUPERVISOR, nation, officer.id
        )
