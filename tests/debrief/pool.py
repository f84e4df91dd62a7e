"""A pool of officers across role, nation, clearance and caveat, for the authorization matrix
and the property tests: every officer of a desk holds its key, as after a sign-in."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring, NewOfficer
from homeward.audit import service as audit
from homeward.core.runtime import Runtime
from homeward.policy.roles import Role

ROLES = (Role.DEBRIEFER, Role.DESK_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.AUDITOR)
NATIONS = ("FRA", "GBR", "DEU", "USA")
CLEARANCES = (1, 3)
CAVEATS: tuple[tuple[str, ...], ...] = ((), ("ORCON",), ("ORCON", "HUMINT"))


@dataclass(frozen=True)
class Member:
    name: str
    role: Role
    nation: str
    clearance: int
    caveats: frozenset[str]
    keyring: Keyring


def build(runtime: Runtime) -> list[Member]:
    """One officer per role, nation, clearance and caveat set, plus the coordination cell."""
    made: list[tuple[str, str, Role, str, int, tuple[str, ...]]] = []
    combos = [
        *itertools.product(ROLES, NATIONS, CLEARANCES, CAVEATS),
        (Role.COORDINATOR, "IRQ", 3, ("ORCON", "HUMINT")),
    ]
    with runtime.db.transaction() as session:
        for index, (role, nation, clearance, caveats) in enumerate(combos):
            password = secrets.token_urlsafe(12)
            officer, _uri = accounts_service.add_officer(
                session=session,
                secrets=runtime.secrets,
                cost=runtime.cost,
                actor=audit.SYSTEM,
                data=NewOfficer(f"pool{index}.{role.value[:4]}", password, role, nation, clearance),
            )
            accounts_service.set_caveats(
                session=session, actor=audit.SYSTEM, officer_id=officer.id, caveats=list(caveats)
            )
            made.append((officer.username, password, role, nation, clearance, caveats))
    members = []
    for username, password, role, nation, clearance, caveats in made:
        with runtime.db.transaction() as session:
            officer = accounts_service.find_officer(session=session, username=username)
            assert officer is not None
            keyring = accounts_service.unlock(officer=officer, password=password, cost=runtime.cost)
            accounts_service.grant_pending_keys(session=session, keyring=keyring)
        members.append(Member(username, role, nation, clearance, frozenset(caveats), keyring))
    # Keys granted late reach everyone once each holder has signed in again.
    for member in members:
        with runtime.db.transaction() as session:
            accounts_service.grant_pending_keys(session=session, keyring=member.keyring)
    return members


def author(members: list[Member]) -> Member:
    """A FRA debriefer cleared to SECRET holding every caveat: writes the reports."""
    return next(
        m
        for m in members
        if m.role is Role.DEBRIEFER
        and m.nation == "FRA"
        and m.clearance == 3
        and len(m.caveats) == 2
    )


def supervisor(members: list[Member], nation: str = "FRA") -> Member:
    return next(
        m
        for m in members
        if m.role is Role.SUPERVISOR
        and m.nation == nation
        and m.clearance == 3
        and len(m.caveats) == 2
    )
