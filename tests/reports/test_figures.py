"""Figures from a small programme made through the services, compared with what the world
made (counted apart from reports/), in a nation's own view and the coalition's."""

from __future__ import annotations

from datetime import date

import pytest

from homeward.core.runtime import Runtime
from homeward.reports import service as figures_service
from homeward.reports.tables import Figures, Table
from tests import helpers
from tests.reports import world

START, END = date(2026, 1, 1), date(2026, 7, 1)


def _table(figures: Figures, key: str) -> Table:
    return next(table for table in figures.tables if table.key == key)


def _cell(table: Table, row: str, column: str) -> object:
    return table.rows[table.row_labels.index(row)][table.column_labels.index(column)]


def _run(runtime: Runtime, persona: helpers.Persona, view: str, **extra: object) -> Figures:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        return figures_service.run(
            session,
            keyring.principal,
            start=extra.pop("start", START),  # type: ignore[arg-type]
            end=extra.pop("end", END),  # type: ignore[arg-type]
            view=view,
            settings=runtime.settings,
            **extra,  # type: ignore[arg-type]
        )


@pytest.fixture
def programme(runtime: Runtime, personas: helpers.Personas) -> list[world.Made]:
    """FRA: five cases (two women, one child), three verified, one withdrawn, one opened
    before the period and one after it; DEU: two cases; one FRA case SECRET."""
    rings = world.keyrings(runtime, {k: personas[k] for k in ("fra_officer", "deu_officer")})
    fra, deu = rings["fra_officer"], rings["deu_officer"]
    plan = [
        (fra, "F", "1990", "2026-01-10", ["in_contact", "identity_verified"]),
        (fra, "F", "2012", "2026-02-03", ["in_contact", "identity_verified"]),
        (fra, "M", "1985", "2026-04-20", ["in_contact", "withdrawn"]),
        (fra, "M", "", "2025-12-20", ["in_contact", "identity_verified"]),
        (fra, "", "1999", "2026-07-02", []),
        (deu, "M", "1991", "2026-03-01", ["in_contact"]),
        (deu, "F", "1992", "2026-05-05", []),
    ]
    made: list[world.Made] = []
    for keyring, sex, born, opened, moves in plan:
        case_id = world.open_case(runtime, keyring, sex=sex, born=born)
        times = {"new": world.day(opened)}
        for step, stage in enumerate(moves, start=1):
            extra = {}
            if stage == "identity_verified":
                extra = {
                    "note": "Passport seen.",
                    "verified_by": personas["fra_supervisor"].username,
                }
            elif stage == "withdrawn":
                extra = {"note": "He changed his mind."}
            world.move(runtime, keyring, case_id, stage, **extra)
            times[stage] = world.plus(times["new"], 10 * step)
        world.backdate(runtime, case_id, times)
        band = "" if not born else ("child" if born == "2012" else "adult")
        made.append(world.Made(case_id, keyring.principal.nation, sex, band, times))
    return made


def _expected(made: list[world.Made], nation: str | None, stage: str) -> int:
    return sum(
        1
        for case in made
        if (nation is None or case.nation == nation)
        and stage in case.reached
        and world.day(START.isoformat(), 0) <= case.reached[stage] < world.day(END.isoformat(), 0)
    )


def test_own_view_counts_what_the_world_made(
    runtime: Runtime, personas: helpers.Personas, programme: list[world.Made]
) -> None:
    figures = _run(runtime, personas["fra_supervisor"], "FRA")
    assert figures.view == "FRA"
    assert not figures.controlled
    funnel = _table(figures, "funnel-by-nation")
    assert funnel.row_labels == ("FRA", "Total")
    for stage, column in (
        ("new", "Cases opened"),
        ("in_contact", None),
        ("identity_verified", "Identity verified"),
        ("withdrawn", "Withdrawn"),
    ):
        if column:
            assert _cell(funnel, "FRA", column) == _expected(programme, "FRA", stage), column
    by_sex = _table(figures, "funnel-by-sex")
    women = sum(
        1
        for case in programme
        if case.nation == "FRA"
        and case.sex == "F"
        and "new" in case.reached
        and START <= case.reached["new"].date() < END
    )
    assert _cell(by_sex, "Women and girls", "Cases opened") == women
    by_age = _table(figures, "funnel-by-age")
    assert _cell(by_age, "Children (under 18)", "Cases opened") == 1
    assert _cell(by_age, "Not known", "Identity verified") == 1  # born unknown, verified in Jan
