"""`homeward passage …` as an officer uses it, on both engines: signed in with a session token,
each command's output on a small world, the cell's commands refused to a desk with nothing
stored, bad input named, and other nations' bookings shown only as booked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from homeward.audit.models import AuditEvent
from homeward.cases import service as case_service
from homeward.cli.main import app
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.passage import plans, points
from homeward.passage.models import HandoverClosure, HandoverPoint
from homeward.passage.schemas import PointData
from homeward.policy import roles
from homeward.web import officer_auth
from tests import helpers
from tests.passage import world


class Run(Protocol):
    def __call__(self, persona: helpers.Persona | None, *args: str) -> tuple[int, str]:
        """A command as the persona (None: nobody signed in): its exit code and output, with
        Rich's line wrapping undone."""


@pytest.fixture
def run(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Run:
    """The officer's shell: this test's install, a wide terminal, and a token per persona."""
    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", runtime.settings.effective_database_url)
    monkeypatch.setenv("COLUMNS", "300")
    tokens: dict[str, str] = {}

    def invoke(persona: helpers.Persona | None, *args: str) -> tuple[int, str]:
        if persona is None:
            monkeypatch.delenv("HOMEWARD_API_TOKEN", raising=False)
        else:
            if persona.key not in tokens:
                code = helpers.totp_code(runtime, persona)
                tokens[persona.key] = officer_auth.sign_in(
                    runtime, persona.username, persona.password, code
                ).token
            monkeypatch.setenv("HOMEWARD_API_TOKEN", tokens[persona.key])
        result = CliRunner().invoke(app, ["passage", *args])
        return result.exit_code, " ".join(result.output.split())

    return invoke


def _reference(runtime: Runtime, persona: helpers.Persona, case_id: str) -> str:
    principal = world.principal(runtime, persona)
    with runtime.db.transaction() as session:
        return case_service.get_case(
            session=session,
            principal=principal,
            case_id=case_id,
            permission=roles.CASE_READ,
        ).reference


def _week(day: date) -> str:
    year, number, _weekday = day.isocalendar()
    return f"{year}-W{number:02d}"


def _closures(runtime: Runtime) -> list[tuple[date, date, str]]:
    with runtime.db.transaction() as session:
        return [
            (c.first_day, c.last_day, c.reason) for c in session.scalars(select(HandoverClosure))
        ]


def _point_count(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(HandoverPoint)) or 0


def _audit_actions(runtime: Runtime) -> list[str]:
    with runtime.db.transaction() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _today_in_baghdad() -> date:
    return utcnow().astimezone(world.BAGHDAD).date()


def test_sign_in_then_points_with_their_state_now_then_sign_out(
    runtime: Runtime, personas: helpers.Personas, run: Run
) -> None:
    cell, officer = personas["coordinator"], personas["fra_officer"]
    closed_id = world.make_point(runtime, cell)
    principal = world.principal(runtime, cell)
    with runtime.db.transaction() as session:
        points.add_closure(
            session=session,
            principal=principal,
            point_id=closed_id,
            first_day=_today_in_baghdad() - timedelta(days=1),
            last_day=_today_in_baghdad() + timedelta(days=1),
            reason="Flooded road",
        )
        points.create_point(
            session=session,
            principal=principal,
            data=PointData(
                name="Sinjar reception centre",
                area="Sinjar district",
                units=["Reception unit 9"],
                hours={weekday: [("00:00", "24:00")] for weekday in range(7)},
                capacity=5,
                window_minutes=120,
            ),
        )
    wrong = CliRunner().invoke(
        app, ["passage", "sign-in", officer.username], input="not-the-password\n123456\n"
    )
    assert wrong.exit_code == 2
    assert "error: sign-in refused: check the username, password and code" in wrong.output
    assert "Signed in" not in wrong.output
    code = helpers.totp_code(runtime, officer)
    result = CliRunner().invoke(
        app, ["passage", "sign-in", officer.username], input=f"{officer.password}\n{code}\n"
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert officer.password not in result.output
    assert "Signed in as fra.officer" in result.output

    exit_code, output = run(None, "points")
    assert exit_code == 2
    assert "no officer signed in" in output
    assert "homeward passage sign-in" in output

    runner = CliRunner(env={"HOMEWARD_API_TOKEN": token})
    listed = runner.invoke(app, ["passage", "points"])
    assert listed.exit_code == 0, listed.output
    shown = " ".join(listed.output.split())
    tomorrow = (_today_in_baghdad() + timedelta(days=1)).isoformat()
    assert (
        "Rabia crossing │ Tal Afar district │ IRQ │ Asia/Baghdad │ 2 · 60 min │ "
        f"Monday to Sunday 08:00-12:00, 13:00-16:00 │ closed to {tomorrow}: Flooded road"
    ) in shown
    assert "Sinjar reception centre │ Sinjar district │ IRQ │ Asia/Baghdad │ 5 · 120 min" in shown
    assert "open until 24:00" in shown

    signed_out = runner.invoke(app, ["passage", "sign-out"])
    assert signed_out.exit_code == 0, signed_out.output
    after = runner.invoke(app, ["passage", "points"])
    assert after.exit_code == 2
    assert "your session has ended" in after.output


def test_calendar_marks_the_desks_own_plans_and_shows_others_only_as_booked(
    runtime: Runtime, personas: helpers.Personas, run: Run
) -> None:
    fra, deu, cell = personas["fra_officer"], personas["deu_officer"], personas["coordinator"]
    point_id = world.make_point(runtime, cell, capacity=3)
    day = world.day_ahead(2)
    at_eight = world.window(day, "08:00")
    fra_case = world.cleared_case(runtime, fra)
    deu_case = world.cleared_case(runtime, deu, family="Schulz")
    world.book(runtime, fra, fra_case, point_id, at_eight)
    world.book(runtime, deu, deu_case, point_id, at_eight)
    fra_ref, deu_ref = _reference(runtime, fra, fra_case), _reference(runtime, deu, deu_case)
    week = _week(day)
    eight = f"{day:%a %Y-%m-%d} │ 08:00 │ {at_eight:%H:%M} │ 1 free of 3"

    code, mine = run(fra, "calendar", "rabia CROSSING", "--week", week)
    assert code == 0, mine
    assert f"Rabia crossing · week {week}" in mine
    assert "times in Asia/Baghdad and UTC" in mine
    assert f"{eight} │ yours: {fra_ref} (booked), 1 booked" in mine
    assert deu_ref not in mine
    assert "DEU" not in mine
    nine = world.window(day, "09:00")
    assert f"│ │ 09:00 │ {nine:%H:%M} │ 3 free of 3 │ — │" in mine

    code, theirs = run(deu, "calendar", point_id, "--week", week.lower())
    assert code == 0, theirs
    assert f"{eight} │ yours: {deu_ref} (booked), 1 booked" in theirs
    assert fra_ref not in theirs
    assert "FRA" not in theirs

    # The cell that runs the point sees whose plans they are, never the cases.
    code, cells = run(cell, "calendar", "Rabia crossing", "--week", week)
    assert code == 0, cells
    assert f"{eight} │ FRA plan (booked), DEU plan (booked)" in cells
    assert fra_ref not in cells
    assert deu_ref not in cells


def test_the_cell_adds_a_point_and_closes_it(
    runtime: Runtime, personas: helpers.Personas, run: Run
) -> None:
    cell = personas["coordinator"]
    code, output = run(
        cell,
        "point-add",
        "Faysh Khabur crossing",
        "--area",
        "Zakho district",
        "--unit",
        "Reception unit 2",
        "--unit",
        "Medical unit",
        "--hours",
        "Mon-Fri 08:00-12:00,13:00-16:00",
        "--hours",
        "sat 09:00-12:00",
        "--capacity",
        "4",
        "--window-minutes",
        "30",
    )
    assert code == 0, output
    assert "Faysh Khabur crossing added (Zakho district" in output
    assert "Monday to Friday 08:00-12:00, 13:00-16:00; Saturday 09:00-12:00" in output
    principal = world.principal(runtime, cell)
    with runtime.db.transaction() as session:
        (made,) = points.list_points(session=session, principal=principal)
        assert (made.cell_nation, made.capacity, made.window_minutes) == ("IRQ", 4, 30)
        assert [unit.name for unit in made.units] == ["Medical unit", "Reception unit 2"]

    first = world.day_ahead(3)
    code, output = run(
        cell,
        "close",
        "FAYSH KHABUR CROSSING",
        "--from",
        first.isoformat(),
        "--to",
        (first + timedelta(days=2)).isoformat(),
        "--reason",
        "Bridge repairs",
    )
    assert code == 0, output
    assert (
        f"Faysh Khabur crossing closed from {first.isoformat()} to {first + timedelta(days=2)}: "
        "Bridge repairs. Desks see it in the calendar"
    ) in output
    assert _closures(runtime) == [(first, first + timedelta(days=2), "Bridge repairs")]
    assert _audit_actions(runtime)[-2:] == ["passage:point:create", "passage:closure:add"]

    code, calendar_out = run(
        personas["fra_officer"], "calendar", "Faysh Khabur crossing", "--week", _week(first)
    )
    assert code == 0, calendar_out
    assert "closed: Bridge repairs" in calendar_out


def test_a_desk_officer_is_refused_the_cells_commands_and_nothing_is_stored(
    runtime: Runtime, personas: helpers.Personas, run: Run
) -> None:
    world.make_point(runtime, personas["coordinator"])
    officer = personas["fra_officer"]
    run(officer, "points")  # signed in before counting what is stored
    before = (world.stored(runtime), _point_count(runtime), _closures(runtime))
    code, output = run(
        officer,
        "point-add",
        "Desk crossing",
        "--area",
        "Mosul district",
        "--unit",
        "Unit 1",
        "--hours",
        "Mon 08:00-12:00",
        "--capacity",
        "2",
    )
    assert code == 2
    assert "error: your role may not do officer:point:manage" in output
    code, output = run(
        officer,
        "close",
        "Rabia crossing",
        "--from",
        world.day_ahead(3).isoformat(),
        "--to",
        world.day_ahead(4).isoformat(),
        "--reason",
        "Not ours to close",
    )
    assert code == 2
    assert "error: your role may not do officer:point:manage" in output
    assert (world.stored(runtime), _point_count(runtime), _closures(runtime)) == before


def test_bad_input_is_named_and_nothing_is_stored(
    runtime: Runtime, personas: helpers.Personas, run: Run
) -> None:
    cell = personas["coordinator"]
    world.make_point(runtime, cell)
    run(cell, "points")
    before = (world.stored(runtime), _point_count(runtime), _closures(runtime))
    refusals = [
        (("calendar", "Nowhere crossing"), "POINT: no handover point called 'Nowhere crossing'"),
        (("calendar", "Rabia crossing", "--week", "2026-12-07"), "--week: '2026-12-07' is not"),
        (("calendar", "Rabia crossing", "--week", "2026-W60"), "--week: 2026 has no week 60"),
        (
            (
                "close",
                "Rabia crossing",
                "--from",
                world.day_ahead(5).isoformat(),
                "--to",
                world.day_ahead(3).isoformat(),
                "--reason",
                "Backwards",
            ),
            "--to: the closure ends before it begins",
        ),
        (
            ("close", "Nowhere", "--from", "2030-01-01", "--to", "2030-01-02", "--reason", "x"),
            "POINT: no handover point called 'Nowhere'",
        ),
        (
            (
                "point-add",
                "Second crossing",
                "--area",
                "Mosul district",
                "--unit",
                "Unit 1",
                "--hours",
                "Mon-Fri 8am-noon",
                "--capacity",
                "2",
            ),
            "--hours: '8am' is not a time of day as HH:MM",
        ),
        (
            (
                "point-add",
                "Second crossing",
                "--area",
                "Mosul district",
                "--unit",
                "Unit 1",
                "--hours",
                "Someday 08:00-12:00",
                "--capacity",
                "2",
            ),
            "--hours: 'Someday 08:00-12:00': 'someday' is not a weekday",
        ),
        (
            (
                "point-add",
                "Rabia crossing",
                "--area",
                "Mosul district",
                "--unit",
                "Unit 1",
                "--hours",
                "Mon 08:00-12:00",
                "--capacity",
                "2",
            ),
            "NAME: there is already a handover point called Rabia crossing",
        ),
        (
            (
                "point-add",
                "Third crossing",
                "--area",
                "36.3566, 43.1580",
                "--unit",
                "Unit 1",
                "--hours",
                "Mon 08:00-12:00",
                "--capacity",
                "2",
            ),
            "--area: a district name, never coordinates",
        ),
    ]
    for args, message in refusals:
        code, output = run(cell, *args)
        assert code == 2, (args, output)
        assert f"error: {message}" in output, (args, output)
    assert (world.stored(runtime), _point_count(runtime), _closures(runtime)) == before


def test_missed_lists_the_desks_plans_whose_window_passed(
    runtime: Runtime, personas: helpers.Personas, run: Run
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    point_id = world.make_point(runtime, personas["coordinator"])
    case_id = world.cleared_case(runtime, fra)
    yesterday = _today_in_baghdad() - timedelta(days=1)
    starts_at = world.window(yesterday, "09:00")
    principal = world.principal(runtime, fra)
    with runtime.db.transaction() as session:
        plan_id = plans.book(
            session=session,
            principal=principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            point_id=point_id,
            starts_at=starts_at,
            details=world.details(),
            now=starts_at - timedelta(days=1),
        ).id
    other_case = world.cleared_case(runtime, fra, family="Amrani")
    world.book(runtime, fra, other_case, point_id, world.window(world.day_ahead(), "09:00"))
    reference = _reference(runtime, fra, case_id)

    code, output = run(fra, "missed")
    assert code == 0, output
    assert "Missed windows: 1" in output
    assert f"{reference} │ Rabia crossing │ {starts_at:%Y-%m-%d %H:%M} UTC │ {plan_id}" in output
    code, output = run(deu, "missed")
    assert code == 0, output
    assert "No missed window for the DEU desk." in output
    assert reference not in output


def test_plans_of_a_case_without_and_with_the_sealed_details(
    runtime: Runtime, personas: helpers.Personas, run: Run
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    point_id = world.make_point(runtime, personas["coordinator"])
    case_id = world.cleared_case(runtime, fra, release=("DEU",))
    starts_at = world.window(world.day_ahead(), "09:00")
    plan_id = world.book(
        runtime, fra, case_id, point_id, starts_at, plan_details=world.details("MARKER-7Q")
    )
    reference = _reference(runtime, fra, case_id)
    local = starts_at.astimezone(world.BAGHDAD)

    code, output = run(fra, "plans", reference.lower())
    assert code == 0, output
    assert f"Plans of {reference}" in output
    assert (
        f"{plan_id} │ Rabia crossing │ {local:%a %Y-%m-%d %H:%M} Asia/Baghdad "
        f"({starts_at:%H:%M} UTC) │ waiting for approval │ —"
    ) in output
    assert "MARKER-7Q" not in output
    reads = _audit_actions(runtime).count("passage:plan:read")

    code, opened = run(fra, "plans", case_id, "--details")
    assert code == 0, opened
    assert f"Plan {plan_id} (sealed details)" in opened
    assert "Receiving unit: Reception unit 4" in opened
    assert "To bring: Identity papers, no weapon MARKER-7Q" in opened
    assert "If the window is missed: Same time the next day MARKER-7Q" in opened
    assert _audit_actions(runtime).count("passage:plan:read") == reads + 1

    # The case is released to DEU, which reads it but never its plans.
    for given in (reference, case_id, "FRA-00000000"):
        code, refused = run(deu, "plans", given, "--details")
        assert code == 2, refused
        assert f"error: CASE: no case {given!r} of the DEU desk" in refused
        assert "MARKER-7Q" not in refused
    assert _audit_actions(runtime).count("passage:plan:read") == reads + 1

    empty_case = world.cleared_case(runtime, fra, family="Amrani")
    code, output = run(fra, "plans", empty_case)
    assert code == 0, output
    assert "has no passage plan yet" in output
