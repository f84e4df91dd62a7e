"""The debrief benchmark's world, all synthetic, made through the services as officers make it:
officers of the FRA and GBR desks (`accounts.service.add_officer`, caveats through
`set_caveats`), a few hundred cases (`cases.service.open_case`), and the reports written one by
one through `debrief.service.write` with mixed labels (level, release, caveats, readers,
stricter sections). Among them `big` reports whose exported bundle holds exactly 200 STIX
objects, each exported once by the measured export and imported by the partner installation.
"""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring, NewOfficer
from homeward.audit import service as audit
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.release_basis import Basis
from homeward.core.runtime import Runtime
from homeward.debrief import service as debrief
from homeward.debrief.schemas import SECTIONS, Entry, ReportDraft
from homeward.policy.labels import Classification
from homeward.policy.roles import Role

T = TypeVar("T")
LEGAL = Basis("legal_obligation", grounds="Synthetic: treaty article 7.")
OWNERS: dict[str, int] = {"FRA": 70, "GBR": 30}
"""Who writes the reports (and opens their cases), and their share."""
LEVELS: dict[int, int] = {1: 45, 2: 40, 3: 15}
RELEASES: dict[tuple[str, ...], int] = {(): 55, ("other",): 35, ("other", "DEU"): 10}
"""`other` is the other writing desk (FRA's reports to GBR, GBR's to FRA)."""
CAVEATS: dict[tuple[str, ...], int] = {(): 60, ("ORCON",): 25, ("HUMINT",): 10, ("LIMDIS",): 5}
READERS: dict[tuple[str, ...] | None, int] = {None: 70, ("debriefer", "supervisor"): 30}
"""None: every role the owner allows (the desk officers read those)."""
STRICT_METHODS_SHARE = 0.2
"""Reports whose `methods` section is SECRET above a lower report level."""
BIG_ENTRIES = 192
"""Entries of a big report: with the owner's identity, five markings, the released subject and
the report itself, its bundle holds 200 objects (checked when exported)."""
BATCH = 100
FIRST_NAMES = ("Karim", "Yacine", "Sofiane", "Thomas", "Mehdi", "Adam", "Jonas", "Samir")
FAMILY_NAMES = ("Benali", "Haddad", "Merabet", "Bouzid", "Leroy", "Clarke", "Weber", "Amrani")
PLACES = (("Safe house", "SY"), ("Market", "IQ"), ("Checkpoint", "SY"), ("Camp", "SY"))
EVENTS = ("Crossing", "Meeting", "Training", "Detention", "Transfer")
ORGS = ("Brigade of the North", "Desert battalion", "Media office", "Logistics cell")
METHODS = ("Courier letters", "Prepaid phones", "Hawala transfers", "Coded radio")


def weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass(frozen=True)
class Officer:
    username: str
    password: str
    officer_id: str
    keyring: Keyring


@dataclass
class World:
    officers: dict[str, Officer]
    """bench.<nation>.<role>: a desk officer, a debriefer and a supervisor per desk."""
    cases: dict[str, list[str]] = field(default_factory=dict)
    big: list[str] = field(default_factory=list)
    """Reports whose bundle holds 200 objects, FRA's, released to GBR (in writing order)."""
    written: int = 0
    shapes: dict[str, int] = field(default_factory=dict)

    def officer(self, nation: str, role: str) -> Officer:
        return self.officers[f"bench.{nation.lower()}.{role}"]


ROLES = {"officer": Role.DESK_OFFICER, "debriefer": Role.DEBRIEFER, "supervisor": Role.SUPERVISOR}
HELD = {"FRA": ["ORCON", "HUMINT", "LIMDIS"], "GBR": ["ORCON"], "DEU": ["ORCON"]}
"""The caveats the debriefers and supervisors of each desk hold (desk officers: none)."""


def add_officers(runtime: Runtime, nations: tuple[str, ...]) -> World:
    """Per desk a desk officer, a debriefer and a supervisor, cleared SECRET, through the
    accounts service at the production cost; caveats set by an administrator's call."""
    added: dict[str, tuple[str, str]] = {}
    with runtime.db.transaction() as session:
        accounts_service.ensure_default_desks(session=session)
        for nation in nations:
            for word, role in ROLES.items():
                username, password = f"bench.{nation.lower()}.{word}", secrets.token_urlsafe(18)
                officer, _uri = accounts_service.add_officer(
                    session=session,
                    secrets=runtime.secrets,
                    cost=runtime.cost,
                    actor=audit.SYSTEM,
                    data=NewOfficer(username, password, role, nation, int(Classification.SECRET)),
                )
                if role != Role.DESK_OFFICER:
                    accounts_service.set_caveats(
                        session=session,
                        actor=audit.SYSTEM,
                        officer_id=officer.id,
                        caveats=HELD[nation],
                    )
                added[username] = (password, officer.id)
    made: dict[str, Officer] = {}
    with runtime.db.transaction() as session:
        for username, (password, officer_id) in added.items():
            found = accounts_service.find_officer(session=session, username=username)
            assert found is not None
            keyring = accounts_service.unlock(officer=found, password=password, cost=runtime.cost)
            made[username] = Officer(username, password, officer_id, keyring)
        for member in made.values():  # colleagues receive the desk key, as on a sign-in
            accounts_service.grant_pending_keys(session=session, keyring=member.keyring)
    return World(officers=made)


def open_cases(
    runtime: Runtime, world: World, rng: random.Random, count: int, shares: dict[str, int]
) -> None:
    """`count` cases through `cases.service.open_case` by the desk officers, by `shares`."""
    for nation in shares:
        world.cases[nation] = []
    with runtime.db.transaction() as session:
        for _ in range(count):
            nation = weighted(rng, shares)
            case = case_service.open_case(
                session=session,
                keyring=world.officer(nation, "officer").keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                data=case_service.CaseOpen(
                    identity=ClaimedIdentity(
                        given_names=rng.choice(FIRST_NAMES),
                        family_name=rng.choice(FAMILY_NAMES),
                        date_of_birth=str(rng.randint(1985, 2002)),
                        nationalities=[nation],
                    )
                ),
            )
            world.cases[nation].append(case.id)


def _entry(rng: random.Random, section: str, number: int) -> Entry:
    if section == "people":
        return Entry(f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)} {number}", "Contact")
    if section == "places":
        name, country = rng.choice(PLACES)
        return Entry(f"{name} {number}", "Seen there in 2024", country)
    if section == "events":
        return Entry(f"{rng.choice(EVENTS)} {number}", "Told in the second session")
    if section == "organisations":
        return Entry(f"{rng.choice(ORGS)} {number}", "Named by the subject")
    return Entry(f"{rng.choice(METHODS)} {number}", "How messages travelled")


def draft(rng: random.Random, nation: str, number: int, *, big: bool) -> ReportDraft:
    """A report as a debriefer writes it: a few entries a section, labels mixed by the shares
    above; a big one has 192 entries over the five sections and fixed labels."""
    other = next(n for n in OWNERS if n != nation)
    per_section = [BIG_ENTRIES // len(SECTIONS)] * len(SECTIONS) if big else []
    if big:
        per_section[0] += BIG_ENTRIES - sum(per_section)
    else:
        per_section = [rng.randint(0, 3) for _ in SECTIONS]
    sections = {
        section: [_entry(rng, section, n) for n in range(count)]
        for section, count in zip(SECTIONS, per_section, strict=True)
    }
    if big:
        level, release, caveats, readers = 2, [other], ["ORCON"], None
    else:
        level = weighted(rng, LEVELS)
        release = [other if n == "other" else n for n in weighted(rng, RELEASES)]
        picked_caveats: tuple[str, ...] = weighted(rng, CAVEATS)
        caveats = list(picked_caveats)
        if nation == "GBR":
            caveats = [c for c in caveats if c in HELD["GBR"]]
        picked = weighted(rng, READERS)
        readers = None if picked is None else list(picked)
    strict = not big and level < 3 and rng.random() < STRICT_METHODS_SHARE
    return ReportDraft(
        title=f"Debrief session {number}",
        session_on=date(2026, 11, 30) - timedelta(days=rng.randint(0, 700)),
        subject=f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}",
        sections=sections,
        text="Synthetic free text of the session. " * rng.randint(1, 20),
        classification=level,
        release=release,
        caveats=caveats,
        reader_roles=readers,
        section_levels={"methods": 3} if strict else {},
        subject_released=big or rng.random() < 0.3,
        basis=LEGAL if release else None,
    )


def write_reports(
    runtime: Runtime, world: World, rng: random.Random, count: int, big: int
) -> dict[str, Any]:
    """`count` reports through `debrief.service.write` by the desks' debriefers, a transaction
    of 100 each; `big` of them (FRA's, spread through the run) the 200-object ones."""
    began = time.perf_counter()
    every = max(1, count // max(1, big))
    number = 0
    while number < count:
        with runtime.db.transaction() as session:
            for _ in range(min(BATCH, count - number)):
                is_big = len(world.big) < big and number % every == 0
                nation = "FRA" if is_big else weighted(rng, OWNERS)
                made = draft(rng, nation, number, big=is_big)
                report = debrief.write(
                    session=session,
                    keyring=world.officer(nation, "debriefer").keyring,
                    secrets=runtime.secrets,
                    settings=runtime.settings,
                    case_id=rng.choice(world.cases[nation]),
                    draft=made,
                )
                if is_big:
                    world.big.append(report.id)
                shape = f"level {made.classification}, caveats {'+'.join(made.caveats) or '-'}"
                world.shapes[shape] = world.shapes.get(shape, 0) + 1
                number += 1
        world.written = number
    return {
        "reports": number,
        "big": len(world.big),
        "seconds": round(time.perf_counter() - began, 1),
    }
