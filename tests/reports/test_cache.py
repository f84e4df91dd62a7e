"""The figures cache (reports/cache.py): a repeat run over unchanged data is served from the
cache and equals a fresh count on random programmes (and the time in each stage the plain
nearest-rank rule); a case moving, a letter arriving or a
label changing makes a new count; one reader's counts are never served to a reader of another
scope; every run, served or counted, is an audit entry."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.audit.models import AuditEvent
from homeward.cases import service as case_service
from homeward.contact import service as contact_service
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.policy.roles import Role
from homeward.reports import counts, figures
from homeward.reports import service as figures_service
from homeward.reports.disclosure import Rule
from homeward.reports.models import FiguresCache
from homeward.reports.tables import Figures, Table
from tests import helpers
from tests.reports import world

START, END = date(2025, 11, 1), date(2026, 8, 1)
EXACT = {"figures_threshold": 1, "figures_rounding": 1}
PATHS = (
    [],
    ["in_contact"],
    ["in_contact", "identity_verified"],
    ["in_contact", "withdrawn"],
    ["in_contact", "lost_contact"],
    ["in_contact", "withdrawn", "in_contact"],
)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each real count the service makes (a run served from the cache makes none)."""
    calls: list[str] = []
    real: Callable[..., counts.Raw] = counts.collect

    def collect(*args: Any, **kwargs: Any) -> counts.Raw:
        calls.append(args[1].nation or "coalition")
        return real(*args, **kwargs)

    monkeypatch.setattr(counts, "collect", collect)
    return calls


def _run(
    runtime: Runtime,
    persona: helpers.Persona,
    view: str,
    *,
    start: date = START,
    end: date = END,
    exact: bool = False,
    **extra: Any,
) -> Figures:
    keyring = helpers.keyring(runtime, persona)
    settings = runtime.settings.model_copy(update=EXACT) if exact else runtime.settings
    with runtime.db.transaction() as session:
        return figures_service.run(
            session,
            keyring.principal,
            start=start,
            end=end,
            view=view,
            settings=settings,
            **extra,
        )


def _fresh(runtime: Runtime, persona: helpers.Persona, view: str, **extra: Any) -> Figures:
    """The same run counted from scratch: the cache emptied first."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: emptying the figures cache")
        session.execute(delete(FiguresCache))
    return _run(runtime, persona, view, **extra)


def _cell(figures: Figures, key: str, row: str, column: str) -> object:
    table: Table = next(table for table in figures.tables if table.key == key)
    return table.rows[table.row_labels.index(row)][table.column_labels.index(column)]


def _supervisor(runtime: Runtime, username: str, nation: str, clearance: int) -> helpers.Persona:
    password = "Synthetic-pass-1234"
    with runtime.db.transaction() as session:
        accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            actor=audit.SYSTEM,
            data=NewOfficer(username, password, Role.SUPERVISOR, nation, clearance),
        )
    return helpers.Persona(username, username, password, Role.SUPERVISOR, nation, "")


def _letter(
    runtime: Runtime, desk: str, day: str | None = None, writer: tuple[str, Any] | None = None
) -> tuple[str, Any]:
    """A letter to the desk from a new contact, or from `writer` (what an earlier call gave)
    in its conversation; dated `day` where given."""
    with runtime.db.transaction() as session:
        if writer is None:
            _codename, contact, keys = contact_service.start(
                session=session, secrets=runtime.secrets, cost=runtime.cost
            )
            writer = (contact.id, keys)
        contact_id, keys = writer
        message = contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact_id,
            keys=keys,
            text="Synthetic letter: I want to come home.",
            desk_code=desk,
            files=[],
            max_chars=1000,
        )
        if day is not None:
            session.flush()
            binding.as_system(session, "test world: dating the letter")
            message.created_at = world.day(day)
    return writer


def _random_programme(
    runtime: Runtime, personas: helpers.Personas, rng: random.Random, cases: int
) -> None:
    """Cases of FRA and DEU (some SECRET, some of DEU's released to FRA) on random paths over
    random days around the period, and letters to both desks."""
    rings = world.keyrings(runtime, {k: personas[k] for k in ("fra_officer", "deu_officer")})
    supervisor = helpers.keyring(runtime, personas["fra_supervisor"])
    for _ in range(cases):
        owner = rng.choice(["fra_officer", "deu_officer"])
        keyring = rings[owner]
        release = ["FRA"] if owner == "deu_officer" and rng.random() < 0.3 else []
        case_id = world.open_case(
            runtime,
            keyring,
            sex=rng.choice(["F", "M", "X", ""]),
            born=rng.choice(["1980", "1999", "2012", "~2010", ""]),
            classification=rng.choice([1, 1, 3]),
            release=release,
        )
        opened = world.day((START + timedelta(days=rng.randint(-40, 280))).isoformat())
        times = {"new": opened}
        at = opened
        for stage in rng.choice(PATHS):
            extra = {}
            mover = keyring
            if owner != "fra_officer" and stage == "identity_verified":
                break  # only FRA has a second officer at hand to verify
            if stage == "identity_verified":
                extra = {
                    "note": "Passport seen.",
                    "verified_by": personas["fra_supervisor"].username,
                }
            elif stage in {"withdrawn", "lost_contact"}:
                extra = {"note": "Synthetic: he stopped writing."}
            elif stage == "in_contact" and "in_contact" in times:
                extra = {"note": "Synthetic: he wrote again."}
                mover = supervisor if owner == "fra_officer" else keyring
                if owner != "fra_officer":
                    break  # only FRA's supervisor is at hand to re-open
            world.move(runtime, mover, case_id, stage, **extra)
            at = world.plus(at, rng.uniform(0.5, 60))
            times[stage] = at
        world.backdate(runtime, case_id, times)
    for _ in range(rng.randint(2, 6)):
        day = (START + timedelta(days=rng.randint(0, 250))).isoformat()
        _letter(runtime, rng.choice(["FRA", "DEU"]), day)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_cached_run_equals_a_fresh_count(
    runtime: Runtime, personas: helpers.Personas, counted: list[str], seed: int
) -> None:
    """On random programmes, every view (own in full and controlled, the coalition exact and
    under the 10-5 rule): the first run counts, the second is served from the cache without
    counting, and both equal a run counted with the cache emptied."""
    _random_programme(runtime, personas, random.Random(seed), cases=9)  # noqa: S311 - test data
    for persona, view, extra in (
        ("fra_supervisor", "FRA", {}),
        ("fra_supervisor", "FRA", {"controlled": True}),
        ("coordinator", "coalition", {"exact": True}),
        ("coordinator", "coalition", {}),
    ):
        counted.clear()
        first = _run(runtime, personas[persona], view, **extra)
        second = _run(runtime, personas[persona], view, **extra)
        assert len(counted) == 1, (view, extra)  # the second was a lookup
        fresh = _fresh(runtime, personas[persona], view, **extra)
        assert len(counted) == 2
        assert first == second == fresh, (view, extra)
    # The programme is not empty: the exact coalition counts cases of both nations.
    exact = _run(runtime, personas["coordinator"], "coalition", exact=True)
    assert _cell(exact, "funnel-by-nation", "Total", "Cases opened") not in (0, None)


def _today_period() -> dict[str, date]:
    today = utcnow().date()
    return {"start": today - timedelta(days=30), "end": today + timedelta(days=1)}


def test_a_case_moving_makes_a_new_count(
    runtime: Runtime, personas: helpers.Personas, counted: list[str]
) -> None:
    officer = helpers.keyring(runtime, personas["fra_officer"])
    case_id = world.open_case(runtime, officer, sex="F", born="1990")
    world.move(runtime, officer, case_id, "in_contact")
    period = _today_period()
    before = _run(runtime, personas["fra_supervisor"], "FRA", **period)
    coalition = _run(runtime, personas["coordinator"], "coalition", exact=True, **period)
    assert _cell(before, "funnel-by-nation", "FRA", "Withdrawn") == 0
    world.move(runtime, officer, case_id, "withdrawn", note="Synthetic: he stopped.")
    counted.clear()
    after = _run(runtime, personas["fra_supervisor"], "FRA", **period)
    coalition_after = _run(runtime, personas["coordinator"], "coalition", exact=True, **period)
    assert counted == ["FRA", "coalition"]
    assert _cell(after, "funnel-by-nation", "FRA", "Withdrawn") == 1
    assert _cell(coalition_after, "funnel-by-nation", "FRA", "Withdrawn") == 1
    assert coalition_after != coalition
    assert after == _fresh(runtime, personas["fra_supervisor"], "FRA", **period)


def test_a_letter_arriving_makes_a_new_count(
    runtime: Runtime, personas: helpers.Personas, counted: list[str]
) -> None:
    period = _today_period()
    writer = _letter(runtime, "FRA")
    before = _run(runtime, personas["fra_supervisor"], "FRA", **period)
    assert _cell(before, "funnel-by-nation", "FRA", "Letters received") == 1
    counted.clear()
    _run(runtime, personas["fra_supervisor"], "FRA", **period)
    assert counted == []
    _letter(runtime, "FRA", writer=writer)  # the same conversation writes again
    after = _run(runtime, personas["fra_supervisor"], "FRA", **period)
    assert counted == ["FRA"]
    assert _cell(after, "funnel-by-nation", "FRA", "Letters received") == 2
    _letter(runtime, "FRA")  # a new contact
    assert (
        _cell(
            _run(runtime, personas["fra_supervisor"], "FRA", **period),
            "funnel-by-nation",
            "FRA",
            "Letters received",
        )
        == 3
    )


def test_a_label_changing_makes_a_new_count(
    runtime: Runtime, personas: helpers.Personas, counted: list[str]
) -> None:
    """A case raised to SECRET leaves the view of a supervisor cleared to RESTRICTED at once,
    though nothing else about it changed."""
    restricted = _supervisor(runtime, "fra.restricted", "FRA", 1)
    officer = helpers.keyring(runtime, personas["fra_officer"])
    case_id = world.open_case(runtime, officer, sex="M", born="1985")
    period = _today_period()
    before = _run(runtime, restricted, "FRA", **period)
    assert _cell(before, "funnel-by-nation", "FRA", "Cases opened") == 1
    with runtime.db.transaction() as session:
        case_service.set_protection(
            session=session,
            principal=officer.principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            classification=3,
            release=[],
            reason="Synthetic: sensitive.",
            basis=None,
        )
    counted.clear()
    after = _run(runtime, restricted, "FRA", **period)
    assert counted == ["FRA"]
    assert _cell(after, "funnel-by-nation", "FRA", "Cases opened") == 0


def test_no_reader_is_served_another_scope(
    runtime: Runtime, personas: helpers.Personas, counted: list[str]
) -> None:
    """The same view and period for readers the binding filters differently: each counts its
    own (a SECRET case is never shown to a supervisor cleared to RESTRICTED from the cache of
    one cleared to SECRET, nor full figures from a controlled run's); the coalition's counting
    work is the same for everyone who may do it, and is shared."""
    officer = helpers.keyring(runtime, personas["fra_officer"])
    world.open_case(runtime, officer, sex="F", born="1990", classification=3)
    world.open_case(runtime, officer, sex="M", born="1991", classification=1)
    restricted = _supervisor(runtime, "fra.restricted", "FRA", 1)
    period = _today_period()
    secret = _run(runtime, personas["fra_supervisor"], "FRA", **period)
    low = _run(runtime, restricted, "FRA", **period)
    assert counted == ["FRA", "FRA"]
    assert _cell(secret, "funnel-by-nation", "FRA", "Cases opened") == 2
    assert _cell(low, "funnel-by-nation", "FRA", "Cases opened") == 1
    assert low == _fresh(runtime, restricted, "FRA", **period)
    # The other way round, with the restricted reader's row made first.
    assert _run(runtime, personas["fra_supervisor"], "FRA", **period) == secret
    counted.clear()
    controlled = _run(runtime, personas["fra_supervisor"], "FRA", controlled=True, **period)
    assert counted == ["FRA"]
    assert controlled.controlled
    assert controlled != secret
    assert _cell(controlled, "funnel-by-nation", "FRA", "Cases opened") is None  # 2 < 10
    counted.clear()
    by_cell = _run(runtime, personas["coordinator"], "coalition", **period)
    by_supervisor = _run(runtime, personas["fra_supervisor"], "coalition", **period)
    assert counted == ["coalition"]
    assert by_cell == by_supervisor


def test_every_run_is_an_audit_entry_served_or_counted(
    runtime: Runtime, personas: helpers.Personas, counted: list[str]
) -> None:
    for _ in range(3):
        _run(runtime, personas["fra_supervisor"], "FRA")
        _run(runtime, personas["coordinator"], "coalition")
    assert len(counted) == 2
    with runtime.db.transaction() as session:
        runs = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "figures:run")
        )
    assert runs == 6


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_time_in_stage_is_the_nearest_rank_of_each_stay(seed: int) -> None:
    """The percentiles (each list sorted once for both shares) are those of the plain rule:
    sort the stays of the row and stage, take the ceil(share * n)-th."""
    rng = random.Random(seed)  # noqa: S311 - test data
    raw = counts.Raw()
    nations = ["DEU", "FRA", "GBR"]
    for nation in nations:
        for stage in figures.TIMED:
            if rng.random() < 0.8:
                count = rng.randint(1, 40)
                raw.stays[(nation, stage)] = [rng.uniform(0, 90) for _ in range(count)]

    def nearest(values: list[float], share: float) -> float:
        ordered = sorted(values)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    for rule in (None, Rule(threshold=10, base=5)):
        made = figures.build(
            raw, view="coalition", start=START, end=END, nations=nations, rule=rule
        )
        for share, key in ((0.5, "time-in-stage-median"), (0.9, "time-in-stage-p90")):
            table = next(table for table in made.tables if table.key == key)
            for row in [*nations, figures.ALL_NATIONS]:
                for stage in figures.TIMED:
                    values = [
                        d
                        for (nation, s), found in raw.stays.items()
                        if s == stage and row in (nation, figures.ALL_NATIONS)
                        for d in found
                    ]
                    shown = values and (rule is None or len(values) >= rule.threshold)
                    expected = round(nearest(values, share), 1) if shown else None
                    column = figures.TIMED.index(stage)
                    assert table.rows[table.row_labels.index(row)][column] == expected
