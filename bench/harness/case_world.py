"""The cases benchmark's synthetic programme (five desks, identities, labels, stages, notes),
shared by the benchmarks that measure over it (bench/cases, bench/figures)."""

from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.models import Officer
from homeward.accounts.service import Keyring, NewOfficer
from homeward.audit import service as audit
from homeward.cases.identity import ClaimedIdentity, name_tokens
from homeward.cases.models import (
    Case,
    CaseAssignee,
    CaseEvent,
    CaseLabel,
    CaseNameToken,
    CaseNote,
    CaseNoteWrap,
)
from homeward.cases.states import Stage
from homeward.core.db import Base, Database, new_id, utcnow
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.policy import binding
from homeward.policy.labels import Classification, encode_release
from homeward.policy.roles import Role

BATCH = 2_000
SEED = 20261125
T = TypeVar("T")

# --- synthetic data ------------------------------------------------------------------------
# Common given and family names, combined at random: nobody in particular.


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NATIONS: dict[str, int] = {"USA": 30, "GBR": 22, "FRA": 20, "DEU": 15, "CAN": 13}
"""Desks and their share of the cases: uneven, as desks are."""
DESK_CLEARANCE: dict[str, Classification] = {
    "USA": Classification.SECRET,
    "GBR": Classification.SECRET,
    "FRA": Classification.CONFIDENTIAL,
    "DEU": Classification.SECRET,
    "CAN": Classification.CONFIDENTIAL,
}
"""The measured desk officer of each nation; two are cleared below SECRET, so the policy
filter's level test removes rows as well as its nation test."""
STAGES: dict[Stage, int] = {
    Stage.NEW: 16,
    Stage.IN_CONTACT: 28,
    Stage.IDENTITY_VERIFIED: 13,
    Stage.CLEARED: 8,
    Stage.PASSAGE_PLANNED: 6,
    Stage.HANDED_OVER: 3,
    Stage.IN_CUSTODY: 3,
    Stage.REPATRIATED: 4,
    Stage.CLOSED: 8,
    Stage.WITHDRAWN: 2,
    Stage.LOST_CONTACT: 6,
    Stage.DECLINED: 2,
    Stage.DECEASED: 1,
}
"""Most cases early in their way home, as on a desk that keeps getting new ones."""
LEVELS: dict[Classification, int] = {
    Classification.RESTRICTED: 60,
    Classification.CONFIDENTIAL: 30,
    Classification.SECRET: 10,
}
LABELS = (
    "urgent",
    "medical",
    "minor",
    "family-contact",
    "detained",
    "press",
    "legal",
    "interpreter",
    "wounded",
    "dual-national",
)
LABEL_COUNTS = (40, 35, 18, 7)
"""How many cases carry 0, 1, 2 or 3 labels (per cent)."""
TEAM = 10
"""Officers per desk; each case has one or two of them as assignees."""
STALE_SHARE = 0.12
"""Cases of a stage with a time limit that have overrun it."""
GIVEN = _words(
    "James John Robert Michael William David Richard Joseph Thomas Charles Daniel Matthew "
    "Anthony Mark Paul Steven Andrew Kevin Brian George Edward Ryan Jacob Gary Eric Jonathan "
    "Peter Henry Jean Pierre Louis François Nicolas Julien Antoine Olivier Mathieu Thierry "
    "Hans Klaus Jürgen Stefan Andreas Thomas Lukas Felix Jonas Tobias Oliver Harry Jack Oscar "
    "Liam Noah Ethan Lucas Samuel Gabriel Émile Hugo"
)
FAMILY = _words(
    "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Jackson "
    "Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright "
    "Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans "
    "Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson "
    "Bernard Dubois Durand Lefèvre Moreau Laurent Simon Michel Leroy Roux Fournier Girard "
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter "
    "Tremblay Gagnon Roy Côté Bouchard Gauthier Morin"
)
PLACES = _words(
    "Springfield Riverside Fairview Greenville Bristol Clinton Madison Georgetown Salem "
    "Lyon Lille Nantes Rennes Bordeaux Leeds Derby York Hamburg Bremen Kassel Mainz "
    "Québec Halifax Moncton"
)
NOTE_WORDS = _words(
    "called again this morning; voice steady. Asked about family, said a brother lives near "
    "the border. Documents promised by the next contact. Medical needs noted for the hand-over. "
    "Verified details against the consular file. No change since the last note."
)


def _weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def synthetic_identity(rng: random.Random, nation: str) -> ClaimedIdentity:
    """A made-up claimed identity: common names drawn at random, dates of every precision."""
    given = rng.choice(GIVEN) + (f" {rng.choice(GIVEN)}" if rng.random() < 0.3 else "")
    family = rng.choice(FAMILY)
    year = rng.randint(1960, 2004)
    kind = rng.random()
    if kind < 0.6:
        born = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    elif kind < 0.75:
        born = f"{year}-{rng.randint(1, 12):02d}"
    elif kind < 0.9:
        born = str(year)
    else:
        born = f"~{year}"
    others = [code for code in NATIONS if code != nation]
    return ClaimedIdentity(
        given_names=given,
        family_name=family,
        aliases=[f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"] if rng.random() < 0.1 else [],
        date_of_birth=born,
        place_of_birth=rng.choice(PLACES) if rng.random() < 0.8 else "",
        nationalities=[nation, *([rng.choice(others)] if rng.random() < 0.08 else [])],
    ).checked()


@dataclass(frozen=True)
class Desk:
    """One nation's desk for the bench: the measured desk officer and the whole team, whose
    members are the cases' assignees."""

    nation: str
    officer_id: str
    username: str
    password: str
    team: tuple[str, ...]
    desk_key_id: str
    desk_public_key: bytes


@dataclass
class Corpus:
    """What was inserted, kept in memory to pick cases each officer may open."""

    ids: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    releases: list[str] = field(default_factory=list)
    stale: int = 0
    released: int = 0
    notes: int = 0
    labels: int = 0
    tokens: int = 0
    stages: dict[str, int] = field(default_factory=dict)

    def readable_by(self, nation: str, clearance: int) -> list[str]:
        return [
            case_id
            for case_id, owner, level, release in zip(
                self.ids, self.owners, self.levels, self.releases, strict=True
            )
            if level <= clearance and (owner == nation or f",{nation}," in release)
        ]


def _stage_times(
    rng: random.Random, stage: Stage, limits: dict[str, int], now: datetime
) -> tuple[datetime, datetime, datetime, bool]:
    """(created, entered stage, updated, stale): recent for most, overdue for some."""
    limit = limits.get(stage.value)
    stale = limit is not None and rng.random() < STALE_SHARE
    if limit is None:
        entered = now - timedelta(days=rng.uniform(0, 400))
    elif stale:
        entered = now - timedelta(days=limit + rng.expovariate(1 / 20) + 0.01)
    else:
        entered = now - timedelta(days=rng.uniform(0, limit * 0.95))
    position = (list(STAGES).index(stage)) if stage != Stage.NEW else 0
    created = entered - timedelta(days=sum(rng.uniform(1, 25) for _ in range(position)))
    updated = entered + (now - entered) * rng.random() * 0.5
    return created, entered, updated, stale


def _note_rows(
    rng: random.Random, desk: Desk, case_id: str, at: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A tier-1 note as transitions.add_note stores it: body under a fresh content key, the
    key sealed to the desk's public key."""
    words = rng.choices(NOTE_WORDS, k=rng.randint(15, 60))
    content_key = sealing.random_bytes()
    note_id = new_id()
    note = {
        "id": note_id,
        "case_id": case_id,
        "author_id": desk.officer_id,
        "created_at": at,
        "body": sealing.encrypt(content_key, " ".join(words).encode()),
    }
    wrap = {
        "note_id": note_id,
        "desk_key_id": desk.desk_key_id,
        "sealed_key": sealing.seal(desk.desk_public_key, content_key),
    }
    return note, wrap


def case_rows(
    *,
    rng: random.Random,
    server: ServerSecrets,
    desks: dict[str, Desk],
    settings: Settings,
    number: int,
    now: datetime,
    corpus: Corpus,
) -> dict[str, list[dict[str, Any]]]:
    """Every row of one synthetic case, as open_case (and later work on it) would leave them."""
    nation = _weighted(rng, NATIONS)
    desk = desks[nation]
    stage = _weighted(rng, STAGES)
    level = int(_weighted(rng, LEVELS))
    release: list[str] = []
    if rng.random() < 0.15:
        release = rng.sample([code for code in NATIONS if code != nation], rng.randint(1, 2))
        if level <= settings.coordination_max_classification and rng.random() < 0.2:
            release.append("IRQ")
    identity = synthetic_identity(rng, nation)
    created, entered, updated, stale = _stage_times(rng, stage, settings.stage_limit_days, now)
    case_id = new_id()
    rows: dict[str, list[dict[str, Any]]] = {
        "case": [
            {
                "id": case_id,
                "reference": f"{nation}-{created.year}-{number:06d}",
                "owner_nation": nation,
                "classification": level,
                "release": encode_release(release),
                "stage": stage.value,
                "stage_entered_at": entered,
                "created_at": created,
                "updated_at": updated,
                "identity_sealed": identity.seal(server),
            }
        ],
        "labels": [
            {"case_id": case_id, "label": label}
            for label in rng.sample(LABELS, rng.choices(range(4), weights=LABEL_COUNTS)[0])
        ],
        "assignees": [
            {"case_id": case_id, "officer_id": officer_id}
            for officer_id in rng.sample(desk.team, 2 if rng.random() < 0.3 else 1)
        ],
        "tokens": [{"case_id": case_id, "token": token} for token in name_tokens(server, identity)],
        "events": [
            {
                "id": new_id(),
                "case_id": case_id,
                "at": created,
                "actor_id": desk.officer_id,
                "actor_name": desk.username,
                "kind": "case:open",
                "from_stage": None,
                "to_stage": Stage.NEW.value,
                "detail_sealed": None,
                # As cases.service.mark_stages marks an opening.
                "first_entry": True,
                "from_stage_entered_at": None,
            }
        ],
        "notes": [],
        "wraps": [],
    }
    past_contact = stage not in (Stage.NEW, Stage.IN_CONTACT)
    for _ in range(rng.randint(1, 2) if past_contact else int(rng.random() < 0.3)):
        note, wrap = _note_rows(rng, desk, case_id, entered)
        rows["notes"].append(note)
        rows["wraps"].append(wrap)
    corpus.ids.append(case_id)
    corpus.owners.append(nation)
    corpus.levels.append(level)
    corpus.releases.append(encode_release(release))
    corpus.stale += stale
    corpus.released += bool(release)
    corpus.notes += len(rows["notes"])
    corpus.labels += len(rows["labels"])
    corpus.tokens += len(rows["tokens"])
    corpus.stages[stage.value] = corpus.stages.get(stage.value, 0) + 1
    return rows


TABLES: dict[str, Table] = {
    name: Base.metadata.tables[model.__tablename__]
    for name, model in (
        ("case", Case),
        ("labels", CaseLabel),
        ("assignees", CaseAssignee),
        ("tokens", CaseNameToken),
        ("events", CaseEvent),
        ("notes", CaseNote),
        ("wraps", CaseNoteWrap),
    )
}


def insert_cases(
    db: Database, server: ServerSecrets, desks: dict[str, Desk], settings: Settings, count: int
) -> tuple[Corpus, dict[str, Any]]:
    """Bulk Core inserts in batches: the measurement is of reads, not of this path."""
    rng = random.Random(SEED)
    corpus = Corpus()
    now = utcnow()
    started = time.perf_counter()
    columns = [
        TextColumn("  inserting cases"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("cases", total=count)
        for start in range(0, count, BATCH):
            batch: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
            for number in range(start, min(start + BATCH, count)):
                for name, rows in case_rows(
                    rng=rng,
                    server=server,
                    desks=desks,
                    settings=settings,
                    number=number + 1,
                    now=now,
                    corpus=corpus,
                ).items():
                    batch[name].extend(rows)
            with db.transaction() as session:
                binding.as_system(session, "benchmark set-up: bulk synthetic cases")
                for name, table in TABLES.items():
                    if batch[name]:
                        session.execute(insert(table), batch[name])
            progress.update(task, completed=min(start + BATCH, count))
    seconds = time.perf_counter() - started
    return corpus, {
        "cases": count,
        "seconds": round(seconds, 1),
        "cases_per_second": round(count / seconds),
        "rows": {
            "case_name_token": corpus.tokens,
            "case_label": corpus.labels,
            "case_note": corpus.notes,
            "case_event": count,
        },
    }


def _add_officer(
    session: Session, server: ServerSecrets, cost: sealing.KdfCost, data: NewOfficer
) -> Officer:
    officer, _uri = accounts_service.add_officer(
        session=session, secrets=server, cost=cost, actor=audit.SYSTEM, data=data
    )
    return officer


def set_up_desks(
    db: Database, server: ServerSecrets, cost: sealing.KdfCost
) -> tuple[dict[str, Desk], dict[str, Keyring]]:
    """Default desks; per nation the measured desk officer and TEAM - 1 colleagues (two of
    them supervisors), through accounts.service.add_officer with random passwords; then the
    measured officer's keyring, as signing in would unwrap it."""
    desks: dict[str, Desk] = {}
    keyrings: dict[str, Keyring] = {}
    with db.transaction() as session:
        accounts_service.ensure_default_desks(session=session)
        for nation, clearance in DESK_CLEARANCE.items():
            code, password = nation.lower(), secrets.token_urlsafe(18)
            officer = _add_officer(
                session,
                server,
                cost,
                NewOfficer(f"bench.{code}", password, Role.DESK_OFFICER, nation, int(clearance)),
            )
            team = [officer.id]
            for number in range(1, TEAM):
                role = Role.SUPERVISOR if number <= 2 else Role.DESK_OFFICER
                colleague = NewOfficer(
                    f"bench.{code}.{number}", secrets.token_urlsafe(18), role, nation, 3
                )
                team.append(_add_officer(session, server, cost, colleague).id)
            desk_key = accounts_service.current_desk_key(session=session, desk_code=nation)
            assert desk_key is not None
            desks[nation] = Desk(
                nation,
                officer.id,
                officer.username,
                password,
                tuple(team),
                desk_key.id,
                desk_key.public_key,
            )
            keyrings[nation] = accounts_service.unlock(
                officer=officer, password=password, cost=cost
            )
        # Colleagues joined a desk that had a key: they receive it as on a colleague's sign-in.
        for keyring in keyrings.values():
            accounts_service.grant_pending_keys(session=session, keyring=keyring)
    return desks, keyrings
