"""Figures from a small programme made through the services, compared with what the world made
(counted here from the world's own list, not by querying as reports/ does), in a nation's own
view and the coalition's; who may ask for which; the audit entry; bad input; the statistical
columns; the files and the command line."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update
from typer.testing import CliRunner

from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.audit.models import AuditEvent
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.cli.main import app
from homeward.contact import service as contact_service
from homeward.contact.models import Message
from homeward.core.errors import BadInput, Forbidden
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.policy import binding
from homeward.policy.labels import Classification
from homeward.policy.roles import Role
from homeward.reports import files
from homeward.reports import service as figures_service
from homeward.reports.disclosure import Rule
from homeward.reports.tables import Figures, Table
from homeward.web import officer_auth
from tests import helpers
from tests.reports import world

START, END = date(2026, 1, 1), date(2026, 7, 1)
EXACT = {"figures_threshold": 1, "figures_rounding": 1}
"""Settings under which the coalition's controlled figures are the exact counts."""


def _table(figures: Figures, key: str) -> Table:
    return next(table for table in figures.tables if table.key == key)


def _cell(table: Table, row: str, column: str) -> object:
    return table.rows[table.row_labels.index(row)][table.column_labels.index(column)]


def _run(
    runtime: Runtime,
    persona: helpers.Persona,
    view: str,
    *,
    settings: Settings | None = None,
    **extra: object,
) -> Figures:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        return figures_service.run(
            session,
            keyring.principal,
            start=extra.pop("start", START),  # type: ignore[arg-type]
            end=extra.pop("end", END),  # type: ignore[arg-type]
            view=view,
            settings=settings or runtime.settings,
            **extra,  # type: ignore[arg-type]
        )


PLAN = (
    # owner, classification, sex, born, opened, moves (each 10 days after the last)
    ("fra_officer", 1, "F", "1990", "2026-01-10", ["in_contact", "identity_verified"]),
    ("fra_officer", 1, "F", "2012", "2026-02-03", ["in_contact", "identity_verified"]),
    ("fra_officer", 1, "M", "1985", "2026-04-20", ["in_contact", "withdrawn"]),
    ("fra_officer", 1, "M", "", "2025-12-20", ["in_contact", "identity_verified"]),
    ("fra_officer", 1, "", "1999", "2026-07-02", []),
    ("fra_officer", 3, "M", "1988", "2026-03-03", ["in_contact", "identity_verified"]),
    ("deu_officer", 1, "M", "1991", "2026-03-01", ["in_contact"]),
    ("deu_officer", 1, "F", "1992", "2026-05-05", ["in_contact", "lost_contact"]),
)
"""FRA: six cases (two women, one child, one SECRET), one opened before the period and one
after it; DEU: two. One DEU case is released to FRA (and must not count as FRA's)."""


@pytest.fixture
def programme(runtime: Runtime, personas: helpers.Personas) -> list[world.Made]:
    rings = world.keyrings(runtime, {k: personas[k] for k in ("fra_officer", "deu_officer")})
    made: list[world.Made] = []
    for owner, level, sex, born, opened, moves in PLAN:
        keyring = rings[owner]
        release = ["FRA"] if owner == "deu_officer" and opened == "2026-03-01" else []
        case_id = world.open_case(
            runtime, keyring, sex=sex, born=born, classification=level, release=release
        )
        times = {"new": world.day(opened)}
        for step, stage in enumerate(moves, start=1):
            extra = {}
            if stage == "identity_verified":
                extra = {
                    "note": "Passport seen.",
                    "verified_by": personas["fra_supervisor"].username,
                }
            elif stage in {"withdrawn", "lost_contact"}:
                extra = {"note": "Synthetic: he stopped writing."}
            world.move(runtime, keyring, case_id, stage, **extra)
            times[stage] = world.plus(times["new"], 10 * step)
        world.backdate(runtime, case_id, times)
        band = "" if not born else ("child" if born == "2012" else "adult")
        made.append(world.Made(case_id, keyring.principal.nation, sex, band, times, level))
    return made


def _expected(
    made: list[world.Made],
    stage: str,
    *,
    nation: str | None = None,
    max_level: int = 3,
    **only: str,
) -> int:
    since, until = world.day(START.isoformat(), 0), world.day(END.isoformat(), 0)
    return sum(
        1
        for case in made
        if (nation is None or case.nation == nation)
        and case.level <= max_level
        and all(getattr(case, key) == value for key, value in only.items())
        and stage in case.reached
        and since <= case.reached[stage] < until
    )


def test_own_view_counts_what_the_world_made(
    runtime: Runtime, personas: helpers.Personas, programme: list[world.Made]
) -> None:
    figures = _run(runtime, personas["fra_supervisor"], "FRA")
    assert figures.view == "FRA"
    assert not figures.controlled
    by_nation = _table(figures, "funnel-by-nation")
    assert by_nation.row_labels == ("FRA", "Total")
    for stage, column in (
        ("new", "Cases opened"),
        ("identity_verified", "Identity verified"),
        ("withdrawn", "Withdrawn"),
        ("lost_contact", "Lost contact"),
        ("cleared", "Cleared"),
    ):
        expected = _expected(programme, stage, nation="FRA")
        assert _cell(by_nation, "FRA", column) == expected, column
        assert _cell(by_nation, "Total", column) == expected, column
    by_sex = _table(figures, "funnel-by-sex")
    for sex, row in (("F", "Women and girls"), ("M", "Men and boys"), ("", "Not known")):
        assert _cell(by_sex, row, "Cases opened") == _expected(
            programme, "new", nation="FRA", sex=sex
        )
    by_age = _table(figures, "funnel-by-age")
    assert _cell(by_age, "Children (under 18)", "Cases opened") == 1
    assert _cell(by_age, "Not known", "Identity verified") == 1  # born unknown, verified in Jan
    by_quarter = _table(figures, "funnel-by-quarter")
    assert by_quarter.row_labels == ("2026-Q1", "2026-Q2", "Total")
    q1 = sum(
        1
        for case in programme
        if case.nation == "FRA"
        and date(2026, 1, 1) <= case.reached["new"].date() < date(2026, 4, 1)
    )
    assert _cell(by_quarter, "2026-Q1", "Cases opened") == q1
    trend = _table(figures, "trend-weekly")
    assert sum(row[1] for row in trend.rows) == _expected(programme, "new", nation="FRA")  # type: ignore[misc]
    median = _table(figures, "time-in-stage-median")
    assert _cell(median, "FRA", "New") == 10.0  # every move here came 10 days after the last


def test_a_case_counts_once_per_stage(
    runtime: Runtime, personas: helpers.Personas, programme: list[world.Made]
) -> None:
    """Withdrawn, re-opened by a supervisor and withdrawn again: one case under Withdrawn."""
    before = _cell(
        _table(_run(runtime, personas["fra_supervisor"], "FRA"), "funnel-by-nation"),
        "FRA",
        "Withdrawn",
    )
    officer = helpers.keyring(runtime, personas["fra_officer"])
    supervisor = helpers.keyring(runtime, personas["fra_supervisor"])
    case_id = world.open_case(runtime, officer, sex="M", born="1980")
    world.move(runtime, officer, case_id, "in_contact")
    world.move(runtime, officer, case_id, "withdrawn", note="Synthetic: he stopped.")
    world.move(runtime, supervisor, case_id, "in_contact", note="Synthetic: he wrote again.")
    world.move(runtime, officer, case_id, "withdrawn", note="Synthetic: he stopped again.")
    world.backdate(
        runtime,
        case_id,
        {
            "new": world.day("2026-02-01"),
            "in_contact": world.day("2026-02-02"),
            "withdrawn": world.day("2026-02-03"),
        },
    )
    after = _table(_run(runtime, personas["fra_supervisor"], "FRA"), "funnel-by-nation")
    assert _cell(after, "FRA", "Withdrawn") == before + 1  # type: ignore[operator]


def test_a_nations_view_never_counts_what_it_may_not_see(
    runtime: Runtime, personas: helpers.Personas, programme: list[world.Made]
) -> None:
    """A FRA supervisor cleared to RESTRICTED does not count the SECRET case; the DEU case
    released to FRA is DEU's, never FRA's; DEU's view counts DEU's cases alone."""
    with runtime.db.transaction() as session:
        accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            actor=audit.SYSTEM,
            data=NewOfficer("fra.restricted", "Synthetic-pass-1234", Role.SUPERVISOR, "FRA", 1),
        )
    restricted = helpers.Persona(
        "fra_restricted", "fra.restricted", "Synthetic-pass-1234", Role.SUPERVISOR, "FRA", ""
    )
    low = _table(_run(runtime, restricted, "FRA"), "funnel-by-nation")
    high = _table(_run(runtime, personas["fra_supervisor"], "FRA"), "funnel-by-nation")
    assert _cell(low, "FRA", "Cases opened") == _expected(
        programme, "new", nation="FRA", max_level=int(Classification.RESTRICTED)
    )
    assert _cell(high, "FRA", "Cases opened") == _cell(low, "FRA", "Cases opened") + 1  # type: ignore[operator]
    assert _cell(high, "FRA", "Lost contact") == 0  # DEU's, though released to FRA
    with runtime.db.transaction() as session:
        accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            actor=audit.SYSTEM,
            data=NewOfficer("deu.supervisor", "Synthetic-pass-1234", Role.SUPERVISOR, "DEU", 3),
        )
    deu = helpers.Persona(
        "deu_supervisor", "deu.supervisor", "Synthetic-pass-1234", Role.SUPERVISOR, "DEU", ""
    )
    deu_view = _table(_run(runtime, deu, "DEU"), "funnel-by-nation")
    assert deu_view.row_labels == ("DEU", "Total")
    assert _cell(deu_view, "DEU", "Cases opened") == _expected(programme, "new", nation="DEU")
    assert _cell(deu_view, "DEU", "Lost contact") == 1


def test_the_coalition_view_counts_every_nation_controlled(
    runtime: Runtime, personas: helpers.Personas, programme: list[world.Made]
) -> None:
    exact = runtime.settings.model_copy(update=EXACT)
    figures = _run(runtime, personas["coordinator"], "coalition", settings=exact)
    assert figures.controlled
    by_nation = _table(figures, "funnel-by-nation")
    assert {"DEU", "FRA"} <= set(by_nation.row_labels)
    for nation in ("DEU", "FRA"):
        assert _cell(by_nation, nation, "Cases opened") == _expected(
            programme, "new", nation=nation
        )
    assert _cell(by_nation, "Total", "Identity verified") == _expected(
        programme, "identity_verified"
    )
    # Under the default 10-5 rule every count of this small programme is withheld.
    default = _run(runtime, personas["coordinator"], "coalition")
    for table in default.tables:
        if table.unit in {"cases", "links"}:
            assert all(value in (None, 0) for row in table.rows for value in row), table.key


def test_counting_the_coalition_grants_no_read(
    runtime: Runtime, personas: helpers.Personas, programme: list[world.Made]
) -> None:
    """The cell counts every nation's cases, and in the same transaction still reads none of
    them: the counting work ends with the run, the officer's filter is back."""
    keyring = helpers.keyring(runtime, personas["coordinator"])
    with runtime.db.transaction() as session:
        figures_service.run(
            session,
            keyring.principal,
            start=START,
            end=END,
            view="coalition",
            settings=runtime.settings,
        )
        assert not session.info.get(binding.SYSTEM_KEY)
        assert session.info[binding.PRINCIPAL_KEY] == keyring.principal
        assert session.scalars(select(Case)).all() == []


def test_letters_are_counted_by_their_desk_and_date(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    with runtime.db.transaction() as session:
        for desk, day in (("FRA", "2026-02-02"), ("FRA", "2026-02-10"), ("DEU", "2026-03-03")):
            _codename, contact, keys = contact_service.start(
                session=session, secrets=runtime.secrets, cost=runtime.cost
            )
            message = contact_service.write(
                session=session,
                secrets=runtime.secrets,
                contact_id=contact.id,
                keys=keys,
                text="Synthetic letter: I want to come home.",
                desk_code=desk,
                files=[],
                max_chars=1000,
            )
            session.flush()
            binding.as_system(session, "test world: dating the letter")
            session.execute(
                update(Message).where(Message.id == message.id).values(created_at=world.day(day))
            )
    own = _table(_run(runtime, personas["fra_supervisor"], "FRA"), "funnel-by-nation")
    assert _cell(own, "FRA", "Letters received") == 2
    exact = runtime.settings.model_copy(update=EXACT)
    coalition = _run(runtime, personas["coordinator"], "coalition", settings=exact)
    assert _cell(_table(coalition, "funnel-by-nation"), "DEU", "Letters received") == 1
    assert _cell(_table(coalition, "funnel-by-quarter"), "2026-Q1", "Letters received") == 3
    assert sum(row[0] for row in _table(coalition, "trend-weekly").rows) == 3  # type: ignore[misc]


def test_who_may_ask_for_which_view(runtime: Runtime, personas: helpers.Personas) -> None:
    """figures:count (the cell) gets the coalition's controlled counts and nothing in full;
    figures:read (a supervisor) its own nation in full; other roles nothing."""
    assert _run(runtime, personas["coordinator"], "coalition").controlled
    assert _run(runtime, personas["fra_supervisor"], "coalition").controlled
    refusals = (
        ("coordinator", "IRQ", {}),
        ("coordinator", "coalition", {"controlled": False}),
        ("fra_supervisor", "DEU", {}),
        ("fra_officer", "FRA", {}),
        ("fra_officer", "coalition", {}),
        ("administrator", "coalition", {}),
        ("auditor", "coalition", {}),
        ("deu_officer", "DEU", {}),
    )
    for key, view, extra in refusals:
        with pytest.raises(Forbidden):
            _run(runtime, personas[key], view, **extra)
    assert figures_service.views(helpers.keyring(runtime, personas["coordinator"]).principal) == [
        "coalition"
    ]


def test_every_run_is_an_audit_entry(runtime: Runtime, personas: helpers.Personas) -> None:
    def runs() -> list[AuditEvent]:
        with runtime.db.transaction() as session:
            return list(
                session.scalars(select(AuditEvent).where(AuditEvent.action == "figures:run"))
            )

    _run(runtime, personas["fra_supervisor"], "FRA")
    _run(runtime, personas["coordinator"], "coalition")
    entries = runs()
    assert len(entries) == 2
    assert {entry.resource_id for entry in entries} == {
        "FRA 2026-01-01..2026-07-01 full",
        "coalition 2026-01-01..2026-07-01 controlled",
    }
    with pytest.raises(Forbidden):
        _run(runtime, personas["fra_officer"], "FRA")
    assert len(runs()) == 2  # a refusal runs nothing


def test_bad_input_names_the_field(runtime: Runtime, personas: helpers.Personas) -> None:
    supervisor = personas["fra_supervisor"]
    cases = (
        ({"start": END, "end": START}, "end"),
        ({"start": START, "end": START}, "end"),
        ({"start": date(2020, 1, 1), "end": date(2026, 1, 1)}, "end"),
        ({"rule": Rule(threshold=5)}, "threshold"),
        ({"rule": Rule(threshold=10, base=2)}, "rounding"),
    )
    for extra, field in cases:
        with pytest.raises(BadInput) as refused:
            _run(runtime, supervisor, "FRA", **extra)
        assert refused.value.field == field
    with pytest.raises(BadInput) as unknown:
        _run(runtime, supervisor, "ATLANTIS")
    assert unknown.value.field == "view"


def test_statistics_follow_the_identity_and_are_backfilled(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    keyring = helpers.keyring(runtime, personas["fra_officer"])
    case_id = world.open_case(runtime, keyring, sex="F", born="2015-06")
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: reading the statistical columns")
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.sex, case.age_band) == ("F", "child")
    with runtime.db.transaction() as session:
        case_service.update_identity(
            session=session,
            principal=keyring.principal,
            secrets=runtime.secrets,
            case_id=case_id,
            identity=ClaimedIdentity(given_names="Karim", date_of_birth="1980", sex="M"),
            reason="Synthetic: the registry's record.",
        )
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: as before migration 0018")
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.sex, case.age_band) == ("M", "adult")
        session.execute(update(Case).values(sex="", age_band=""))
    with runtime.db.transaction() as session:
        assert case_service.backfill_statistics(session=session, secrets=runtime.secrets) == 1
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: reading the statistical columns")
        case = session.get(Case, case_id)
        assert case is not None
        assert (case.sex, case.age_band) == ("M", "adult")


def test_files_hold_the_tables(
    runtime: Runtime, personas: helpers.Personas, programme: list[world.Made], tmp_path: Path
) -> None:
    figures = _run(runtime, personas["coordinator"], "coalition")
    written = files.write_csv(figures, tmp_path)
    book = load_workbook(files.write_xlsx(figures, tmp_path))
    assert len(written) == len(figures.tables)
    for table, path in zip(figures.tables, written, strict=True):
        lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        header = lines.index(["", *table.column_labels])
        body = lines[header + 1 : header + 1 + len(table.rows)]
        sheet = [
            ["" if value is None else value for value in row]
            for row in book[table.key].iter_rows(values_only=True)
        ]
        sheet_body = sheet[header + 1 : header + 1 + len(table.rows)]
        for label, row, from_csv, from_sheet in zip(
            table.row_labels, table.rows, body, sheet_body, strict=True
        ):
            shown = [files.STAR if value is None else value for value in row]
            assert from_csv == [label, *(str(value) for value in shown)]
            assert from_sheet[: len(shown) + 1] == [label, *shown]
        if any(value is None for row in table.rows for value in row):
            assert [files.SUPPRESSED_NOTE] in lines


def test_the_command_writes_controlled_files(
    runtime: Runtime,
    personas: helpers.Personas,
    programme: list[world.Made],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", runtime.settings.effective_database_url)
    monkeypatch.setenv("COLUMNS", "300")
    out = tmp_path / "published"
    args = ["figures", "--out", str(out), "--start", "2026-01-01", "--end", "2026-07-01"]
    monkeypatch.delenv("HOMEWARD_API_TOKEN", raising=False)
    nobody = CliRunner().invoke(app, args)
    assert nobody.exit_code == 2
    assert "no officer signed in" in nobody.output
    persona = personas["fra_supervisor"]
    token = officer_auth.sign_in(
        runtime, persona.username, persona.password, helpers.totp_code(runtime, persona)
    ).token
    monkeypatch.setenv("HOMEWARD_API_TOKEN", token)
    weaker = CliRunner().invoke(app, [*args, "--threshold", "3"])
    assert weaker.exit_code == 2
    assert "--threshold" in weaker.output
    backwards = CliRunner().invoke(app, [*args[:3], "--start", "2026-07-01", "--end", "2026-01-01"])
    assert backwards.exit_code == 2
    assert "--end" in backwards.output
    assert not out.exists()
    done = CliRunner().invoke(app, [*args, "--view", "FRA"])
    assert done.exit_code == 0, done.output
    names = sorted(path.name for path in out.iterdir())
    assert "figures-fra-2026-01-01-2026-07-01.xlsx" in names
    assert "figures-fra-2026-01-01-2026-07-01-funnel-by-nation.csv" in names
    text = (out / "figures-fra-2026-01-01-2026-07-01-funnel-by-nation.csv").read_text("utf-8-sig")
    assert "disclosure-controlled" in text  # a file to publish, even of the own nation
    fra = next(row for row in csv.reader(io.StringIO(text)) if row and row[0] == "FRA")
    assert "*" in fra  # its small counts are withheld
    assert set(fra[1:]) <= {"*", "0"}
