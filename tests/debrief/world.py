"""The debrief tests' world: the shared personas plus debriefers and officers of other desks
(each desk's key sealed to them as a sign-in would), caveats granted through the accounts
service, a FRA case, and a report written the real way."""

from __future__ import annotations

import secrets
from datetime import date

from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.cases.release_basis import Basis
from homeward.core.runtime import Runtime
from homeward.debrief import service as debrief
from homeward.debrief.schemas import Entry, ReportDraft
from homeward.policy.labels import Classification
from homeward.policy.roles import Role
from tests import helpers
from tests.screening import world as screening_world

EXTRA: tuple[tuple[str, Role, str, int, tuple[str, ...]], ...] = (
    ("fra_debriefer", Role.DEBRIEFER, "FRA", 3, ("ORCON", "HUMINT")),
    ("fra_junior", Role.DEBRIEFER, "FRA", 1, ()),
    ("gbr_debriefer", Role.DEBRIEFER, "GBR", 3, ("ORCON",)),
    ("gbr_officer", Role.DESK_OFFICER, "GBR", 3, ()),
    ("gbr_supervisor", Role.SUPERVISOR, "GBR", 3, ()),
    ("deu_debriefer", Role.DEBRIEFER, "DEU", 3, ("ORCON", "HUMINT")),
)
GRANTERS = {"FRA": "fra_officer", "DEU": "deu_officer"}
LEGAL = Basis("legal_obligation", grounds="Synthetic: treaty article 7.")


def populate(runtime: Runtime, personas: helpers.Personas) -> helpers.Personas:
    """The shared personas and the extra officers; every officer of a desk holds its key."""
    made = dict(personas)
    with runtime.db.transaction() as session:
        for key, role, nation, clearance, caveats in EXTRA:
            password = secrets.token_urlsafe(16)
            officer, _uri = accounts_service.add_officer(
                session=session,
                secrets=runtime.secrets,
                cost=runtime.cost,
                actor=audit.SYSTEM,
                data=NewOfficer(key.replace("_", "."), password, role, nation, clearance),
            )
            if caveats:
                accounts_service.set_caveats(
                    session=session,
                    actor=audit.SYSTEM,
                    officer_id=officer.id,
                    caveats=list(caveats),
                )
            made[key] = helpers.Persona(key, officer.username, password, role, nation, officer.id)
    with runtime.db.transaction() as session:
        accounts_service.set_caveats(
            session=session,
            actor=audit.SYSTEM,
            officer_id=made["fra_supervisor"].officer_id,
            caveats=["ORCON", "HUMINT"],
        )
    for granter in (*GRANTERS.values(), "gbr_debriefer"):
        keyring = helpers.keyring(runtime, made[granter])
        with runtime.db.transaction() as session:
            accounts_service.grant_pending_keys(session=session, keyring=keyring)
    return made


def draft(marker: str = "", **changes: object) -> ReportDraft:
    made = ReportDraft(
        title=f"Session one {marker}".strip(),
        session_on=date(2026, 11, 30),
        subject=f"Karim Benali {marker}".strip(),
        sections={
            "people": [Entry("Abu Mariam", f"Recruiter {marker}".strip())],
            "places": [Entry("Safe house", f"Near the river {marker}".strip(), "SY")],
            "events": [Entry("Crossing", "Left in March 2024")],
            "organisations": [Entry("Brigade of the North", "Foreign fighter unit")],
            "methods": [Entry("Courier letters", f"Messages by hand {marker}".strip())],
        },
        text=f"Free text of the session {marker}".strip(),
        classification=int(Classification.CONFIDENTIAL),
    )
    for name, value in changes.items():
        setattr(made, name, value)
    if made.release and made.basis is None:
        made.basis = LEGAL
    return made


def fra_case(runtime: Runtime, personas: helpers.Personas, release: tuple[str, ...] = ()) -> str:
    return screening_world.open_case(runtime, personas["fra_officer"], release=release)


def write(
    runtime: Runtime,
    persona: helpers.Persona,
    case_id: str,
    made: ReportDraft,
) -> str:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        report = debrief.write(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            draft=made,
        )
        return report.id
