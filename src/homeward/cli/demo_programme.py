"""A demo programme: `homeward demo --cases N` adds N synthetic cases with a year of history,
so the programme figures (reports/, the officer page /officer/figures) show something real.

Each case is opened through the case service by its desk's officer (identity sealed, name
keys, labels, the audit entry, the statistical columns: exactly what an officer's case is).
Its way since then cannot be made through the services, which stamp every change with the
present moment: a year of stage changes made today would be one week of figures. So the
history is written here in the shape the transition service writes it (a `case:stage:change`
event with its stage before and after, by an officer of the desk, its audit entry), only
dated in the past: opened at some day of the last year, then moved along the way home
(`new → in_contact → identity_verified → cleared → passage_planned → handed_over →
in_custody → repatriated → closed`, a child never in custody) after a few days or weeks a
step, and some leave it (withdrawn, lost contact, declined, deceased). The case's own dates
(`created_at`, `stage_entered_at`, `updated_at`) and its age band at opening follow.

About as many letters as cases reach the desks over the same year (a few writers per desk,
each letter written through the contact service, then dated in the past like the cases).

Every name is drawn at random from common names: nobody in particular. The same `seed` makes
the same programme.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseEvent
from homeward.cases.states import PATH, Stage
from homeward.contact import service as contact_service
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.policy.labels import Classification

NATIONS = {"FRA": 30, "DEU": 22, "GBR": 20, "USA": 16, "CAN": 12}
"""The demo desks and their share of the programme: uneven, as desks are."""
SEXES = {"M": 68, "F": 26, "": 6}
CHILD_SHARE = 0.18
WAY = PATH
"""The way home, stage by stage (`cases.states.PATH`)."""
DAYS = {
    Stage.NEW: (1, 10),
    Stage.IN_CONTACT: (5, 60),
    Stage.IDENTITY_VERIFIED: (7, 45),
    Stage.CLEARED: (5, 40),
    Stage.PASSAGE_PLANNED: (2, 21),
    Stage.HANDED_OVER: (1, 5),
    Stage.IN_CUSTODY: (5, 60),
    Stage.REPATRIATED: (10, 90),
}
"""How long a case stays in each stage before the next (fewest, most days)."""
EXITS = {"withdrawn": 3, "lost_contact": 6, "declined": 2, "deceased": 1}
EXIT_CHANCE = 0.05
"""The chance, at each step up to the handover, that the case leaves the way instead."""
EXIT_INSTEAD_OF = {
    Stage.IDENTITY_VERIFIED,
    Stage.CLEARED,
    Stage.PASSAGE_PLANNED,
    Stage.HANDED_OVER,
}
SUPERVISOR_STEPS = {Stage.CLEARED, Stage.CLOSED}
GIVEN = {
    "M": "Karim Yusuf Omar Adam Samir Bilal Hamza Elias Jonas Lucas Thomas James Daniel Noah",
    "F": "Amina Sara Leila Nadia Maryam Hana Yasmin Claire Julia Emma Sophie Laura Anna Grace",
    "": "Sam Alex Noor Rami Dana",
}
FAMILY = (
    "Benali Haddad Mansour Kaya Martin Bernard Dubois Schmidt Weber Fischer Smith Jones Taylor "
    "Brown Wilson Tremblay Roy Gagnon Miller Davis Moreau Richter Evans Khan"
)
PLACES = "Roubaix Lyon Nantes Hamburg Bremen Leeds Bristol Ottawa Québec Dallas Toronto"
PERIOD_DAYS = 365
WRITERS = 2
"""Contacts writing the programme's letters on each desk (each one a codename to derive)."""


def build(
    session: Session,
    runtime: Runtime,
    keyring: Callable[[str], Keyring],
    count: int,
    *,
    seed: int = 16,
) -> int:
    """Add `count` synthetic cases with their history; how many were added."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    now = utcnow()
    for _ in range(count):
        nation = _weighted(rng, NATIONS)
        identity, child = _identity(rng, nation, now)
        desk_officer = f"{nation.lower()}.officer"
        desk = keyring(desk_officer)
        case = case_service.open_case(
            session=session,
            keyring=desk,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=identity,
                classification=int(
                    rng.choice((Classification.RESTRICTED, Classification.CONFIDENTIAL))
                ),
            ),
        )
        opened_at = now - timedelta(days=rng.uniform(1, PERIOD_DAYS), hours=rng.uniform(0, 8))
        opening = case.events[0]
        opening.at = case.created_at = case.stage_entered_at = case.updated_at = opened_at
        # The band at opening, now that the opening is a day of the past year.
        case_service.set_statistics(case, identity)
        at, stage = opened_at, Stage.NEW
        for target in _way(rng, child):
            low, high = DAYS[stage]
            later = at + timedelta(days=rng.uniform(low, high))
            if later >= now:
                break
            by = f"{nation.lower()}.supervisor" if target in SUPERVISOR_STEPS else desk_officer
            _moved(
                session=session,
                runtime=runtime,
                case=case,
                keyring=keyring(by),
                move=(stage, target),
                at=later,
            )
            at, stage = later, target
        case.stage, case.stage_entered_at, case.updated_at = stage.value, at, at
    session.flush()
    _letters(session, runtime, rng, count, now)
    return count


def _letters(
    session: Session, runtime: Runtime, rng: random.Random, count: int, now: datetime
) -> None:
    """About as many letters as cases, from a few writers per desk, each written through the
    contact service (sealed to the desk, audited) and then dated on a day of the past year,
    as the cases are."""
    for nation, share in NATIONS.items():
        writers = [
            contact_service.start(
                session=session, secrets=runtime.secrets, cost=runtime.cost, language="en"
            )
            for _ in range(WRITERS)
        ]
        for n in range(max(1, count * share // 100)):
            _codename, contact, keys = writers[n % WRITERS]
            letter = contact_service.write(
                session=session,
                secrets=runtime.secrets,
                contact_id=contact.id,
                keys=keys,
                text=f"Synthetic demo letter {n + 1} to the {nation} desk.",
                desk_code=nation,
                files=[],
                max_chars=runtime.settings.message_max_chars,
                language="en",
            )
            letter.created_at = now - timedelta(days=rng.uniform(0, PERIOD_DAYS))
    session.flush()


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _identity(rng: random.Random, nation: str, now: datetime) -> tuple[ClaimedIdentity, bool]:
    sex = _weighted(rng, SEXES)
    child = rng.random() < CHILD_SHARE
    age = rng.randint(3, 16) if child else rng.randint(19, 55)
    born = (now - timedelta(days=365.25 * age + rng.uniform(0, 300))).date()
    identity = ClaimedIdentity(
        given_names=rng.choice(GIVEN[sex].split()),
        family_name=rng.choice(FAMILY.split()),
        date_of_birth=born.isoformat() if rng.random() < 0.7 else str(born.year),
        place_of_birth=rng.choice(PLACES.split()),
        nationalities=[nation],
        sex=sex,
    )
    return identity, child


def _way(rng: random.Random, child: bool) -> list[Stage]:
    """The stages the case is meant to pass, one after another, and perhaps an exit."""
    steps: list[Stage] = []
    for stage in WAY[1:]:
        if child and stage is Stage.IN_CUSTODY:
            continue  # a child is never in custody: from the handover, home
        if stage in EXIT_INSTEAD_OF and rng.random() < EXIT_CHANCE:
            return [*steps, Stage(_weighted(rng, EXITS))]
        steps.append(stage)
    return steps


def _moved(
    *,
    session: Session,
    runtime: Runtime,
    case: Case,
    keyring: Keyring,
    move: tuple[Stage, Stage],
    at: datetime,
) -> None:
    """One stage change as the transition service writes it (a note where the move needs
    one, the second officer of a verification), dated `at`."""
    principal = keyring.principal
    before, after = move
    detail: dict[str, str] = {}
    if after.value in EXITS:
        detail["note"] = "Synthetic demo case: left the programme."
    if after is Stage.IDENTITY_VERIFIED:
        detail["note"] = "Synthetic demo case: documents seen."
        detail["verified_by"] = f"{case.owner_nation.lower()}.supervisor"
    event = CaseEvent(
        actor_id=principal.officer_id,
        actor_name=principal.username,
        kind="case:stage:change",
        from_stage=before.value,
        to_stage=after.value,
        detail_sealed=runtime.secrets.seal_field(json.dumps(detail)) if detail else None,
        at=at,
    )
    case_service.mark_stages(case, event)
    case.events.append(event)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="case:stage:change",
        resource_type="case",
        resource_id=case.id,
        nation=case.owner_nation,
    )
