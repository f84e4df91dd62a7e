"""`homeward passage …`: the way home from a terminal, as a signed-in officer.

Every command acts as the officer whose session token is in HOMEWARD_API_TOKEN (from
`homeward passage sign-in`, or POST /api/v1/auth/token), through the same services and policy
as the pages, in one transaction: a refusal prints the service's message, exits with 2 and
stores nothing. The token's session holds the officer's unwrapped key, so a plan's sealed
details open here exactly as on the plan page (and each opening is in the audit log).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from homeward.accounts.exceptions import SessionExpired
from homeward.accounts.service import Keyring
from homeward.cases import service as case_service
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, HomewardError, NotFound
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.passage import access, calendar, flows, handovers, plans, points
from homeward.passage import hours as clock
from homeward.passage.models import CANCELLED
from homeward.passage.schemas import CalendarWindow, PointData
from homeward.policy import roles
from homeward.web import officer_auth

if TYPE_CHECKING:
    from homeward.cases.models import Case
    from homeward.passage.models import HandoverPoint

app = typer.Typer(
    help="The way home: handover points, their calendar, closures and your desk's plans. "
    "Sign in first: export HOMEWARD_API_TOKEN=$(homeward passage sign-in YOUR.USERNAME)",
    no_args_is_help=True,
)
TOKEN_VARIABLE = "HOMEWARD_API_TOKEN"  # noqa: S105 - the variable's name, not a token
NO_TOKEN = (
    f"no officer signed in: run `export {TOKEN_VARIABLE}=$(homeward passage sign-in "
    "YOUR.USERNAME)` first"
)
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
DAYS = {name[:3].lower(): number for number, name in enumerate(clock.WEEKDAYS)}
OPTION_OF = {
    "name": "NAME",
    "area": "--area",
    "units": "--unit",
    "hours": "--hours",
    "capacity": "--capacity",
    "window_minutes": "--window-minutes",
    "time_zone": "--time-zone",
    "first_day": "--from",
    "last_day": "--to",
    "reason": "--reason",
}
"""The service's field names as the officer typed them on this command line."""

PointArgument = Annotated[
    str, typer.Argument(help="The point's name as `homeward passage points` lists it, or its id.")
]


def _console() -> Console:
    """Made per command, so the terminal's width (COLUMNS) is read when the command runs."""
    return Console()


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code=2)


@contextmanager
def _refusals() -> Iterator[None]:
    """A refusal from a service: its message, with the option at fault named as typed."""
    try:
        yield
    except BadInput as exc:
        raise _fail(f"{OPTION_OF.get(exc.field, exc.field)}: {exc.problem}") from exc
    except SessionExpired as exc:
        raise _fail(f"{exc}: `homeward passage sign-in YOUR.USERNAME`") from exc
    except HomewardError as exc:
        raise _fail(str(exc)) from exc


@contextmanager
def _runtime() -> Iterator[Runtime]:
    try:
        runtime = Runtime.from_settings(Settings())
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from exc
    try:
        yield runtime
    finally:
        runtime.close()


@contextmanager
def _as_officer() -> Iterator[tuple[Session, Keyring]]:
    """The command's one transaction, as the officer of the token: committed if the command
    ends well, rolled back whole on any refusal."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise _fail(NO_TOKEN)
    with _runtime() as runtime, _refusals(), runtime.db.transaction() as session:
        keyring = officer_auth.keyring_for(session, runtime.settings, token)
        yield session, keyring


def _point_id(session: Session, keyring: Keyring, given: str) -> str:
    """A point named by its id or its name (any letter case), among those the officer reads."""
    wanted = given.strip().casefold()
    for point in points.list_points(session=session, principal=keyring.principal):
        if point.id == given.strip() or point.name.casefold() == wanted:
            return point.id
    raise BadInput(
        "POINT", f"no handover point called {given!r}; `homeward passage points` lists them"
    )


def _local(instant: datetime, time_zone: str) -> str:
    """'Tue 2026-12-08 09:00 Asia/Baghdad (06:00 UTC)'."""
    tz = clock.zone(time_zone)
    return (
        f"{instant.astimezone(tz):%a %Y-%m-%d %H:%M} {tz.key} ({instant.astimezone(UTC):%H:%M} UTC)"
    )


# ---- signing in ------------------------------------------------------------------------


@app.command("sign-in")
def sign_in(
    username: Annotated[str, typer.Argument(help="Your officer username, like fra.officer.")],
) -> None:
    """Sign in with your password and authenticator code; prints a session token for
    HOMEWARD_API_TOKEN (and nothing else on standard output). The session ends after the
    same idle time as the officer pages."""
    password: str = typer.prompt("Password", hide_input=True, err=True)
    code: str = typer.prompt("Authenticator code", err=True)
    with _runtime() as runtime, _refusals():
        signed = officer_auth.sign_in(runtime, username, password, code)
    who = signed.keyring.principal
    Console(stderr=True).print(
        f"Signed in as {who.username} ({who.nation}, {who.role.value}). "
        f"Keep the token only in this shell: export {TOKEN_VARIABLE}=…"
    )
    typer.echo(signed.token)


@app.command("sign-out")
def sign_out() -> None:
    """End the session of HOMEWARD_API_TOKEN now: the token no longer works anywhere."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise _fail(NO_TOKEN)
    with _runtime() as runtime, runtime.db.transaction() as session:
        officer_auth.sign_out(session, token)
    _console().print(f"Signed out. Unset {TOKEN_VARIABLE} too.")


# ---- points and the calendar -----------------------------------------------------------


def _now_at(point: HandoverPoint, now: datetime) -> str:
    """Whether the point receives people right now, in its own time."""
    tz = clock.zone(point.time_zone)
    day, minute = clock.local(now, tz)
    closure = points.closure_on(point, day)
    if closure is not None:
        return f"closed to {closure.last_day.isoformat()}: {closure.reason}"
    for interval in points.weekly_hours(point).get(day.weekday(), []):
        if interval.opens <= minute < interval.closes:
            return f"open until {clock.clock(interval.closes)}"
    return "shut now"


@app.command("points")
def list_points() -> None:
    """List the handover points: where they are, which cell runs them, their hours and
    places per window in local time, and whether each is open right now."""
    with _as_officer() as (session, keyring):
        now = utcnow()
        rows = [
            (
                point.name,
                point.area,
                point.cell_nation,
                point.time_zone,
                f"{point.capacity} · {point.window_minutes} min",
                clock.describe(points.weekly_hours(point)),
                _now_at(point, now),
            )
            for point in points.list_points(session=session, principal=keyring.principal)
        ]
    console = _console()
    if not rows:
        console.print("No handover point yet: the coordination cell adds them (point-add).")
        return
    table = Table("Point", "Area", "Cell", "Time zone", "Places a window", "Open (local)", "Now")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _monday(week: str | None, today: date) -> date:
    """The Monday of an ISO week typed as 2026-W07; this week's without one."""
    if week is None:
        return today - timedelta(days=today.weekday())
    found = WEEK.match(week.strip().upper())
    if found is None:
        raise BadInput("--week", f"{week!r} is not a week as YYYY-Www, like 2026-W07")
    year, number = int(found.group(1)), int(found.group(2))
    try:
        return date.fromisocalendar(year, number, 1)
    except ValueError as exc:
        raise BadInput("--week", f"{year} has no week {number}") from exc


Row = tuple[str, str, str, str, str]
"""Day, local start, UTC start, places, bookings."""


def _places(window: CalendarWindow) -> str:
    if window.closed:
        return f"closed: {window.closed}"
    if window.past:
        return "passed"
    if window.free:
        return f"{window.free} free of {window.capacity}"
    return f"full ({window.capacity})"


def _bookings(window: CalendarWindow, references: dict[str, str]) -> str:
    """Your desk's plans with their case; plans at your cell's point by nation; every other
    place only as "booked"."""
    said = [
        f"yours: {references.get(slot.case_id, 'a case')} ({slot.status})"
        if slot.case_id
        else f"{slot.owner_nation} plan ({slot.status})"
        for slot in window.mine
    ]
    if window.others:
        said.append(f"{window.others} booked")
    return ", ".join(said) or "—"


@app.command("calendar")
def show_calendar(
    point: PointArgument,
    week: Annotated[
        str | None,
        typer.Option(help="ISO week, like 2026-W07 (Monday to Sunday); default: this week."),
    ] = None,
) -> None:
    """A point's windows for one week, in its local time and UTC: free places, your desk's
    plans marked "yours", everyone else's only counted as booked."""
    with _as_officer() as (session, keyring):
        point_id = _point_id(session, keyring, point)
        found = points.get_point(session=session, principal=keyring.principal, point_id=point_id)
        name, zone = found.name, found.time_zone
        first = _monday(week, clock.local(utcnow(), clock.zone(zone))[0])
        windows = calendar.calendar(
            session=session, principal=keyring.principal, point_id=point_id, first_day=first
        )
        references = case_service.references(
            session=session,
            case_ids=[slot.case_id for w in windows for slot in w.mine if slot.case_id],
        )
        days = [
            _day_rows(day, [w for w in windows if w.local_day == day], references)
            for day in (first + timedelta(days=offset) for offset in range(7))
        ]
    year, number, _weekday = first.isocalendar()
    console = _console()
    console.print(
        f"{name} · week {year}-W{number:02d}, {first:%a %Y-%m-%d} to "
        f"{first + timedelta(days=6):%a %Y-%m-%d} · times in {zone} and UTC"
    )
    table = Table("Day", zone, "UTC", "Places", "Bookings")
    for rows in days:
        for position, row in enumerate(rows, start=1):
            table.add_row(*row, end_section=position == len(rows))
    console.print(table)


def _day_rows(day: date, windows: list[CalendarWindow], references: dict[str, str]) -> list[Row]:
    """One day's rows, its name on the first: a shut day or a closed day with nothing booked
    in one row, otherwise a row a window."""
    label = f"{day:%a %Y-%m-%d}"
    if not windows:
        return [(label, "", "", "shut: no window this day", "")]
    closed = windows[0].closed
    if closed and not any(w.booked for w in windows):
        return [(label, "", "", f"closed: {closed}", "")]
    return [
        (
            label if position == 0 else "",
            w.local_start,
            f"{w.starts_at.astimezone(UTC):%H:%M}",
            _places(w),
            _bookings(w, references),
        )
        for position, w in enumerate(windows)
    ]


# ---- the cell: points and closures -----------------------------------------------------


def _days(text: str, given: str) -> list[int]:
    """'Mon-Fri', 'Sat', 'Mon,Wed': weekdays as 0 (Monday) to 6."""
    found: list[int] = []
    for part in text.lower().split(","):
        first, dash, last = part.partition("-")
        if first[:3] not in DAYS or (dash and last[:3] not in DAYS):
            raise BadInput(
                "--hours", f"{given!r}: {part!r} is not a weekday or a range like Mon-Fri"
            )
        start, end = DAYS[first[:3]], DAYS[last[:3]] if dash else DAYS[first[:3]]
        if end < start:
            raise BadInput("--hours", f"{given!r}: write the days Monday first, like Sat-Sun")
        found.extend(range(start, end + 1))
    return found


def _hours(given: list[str]) -> dict[int, list[tuple[str, str]]]:
    """`--hours "Mon-Fri 08:00-12:00,13:00-16:00"`, as many as needed: opening intervals by
    weekday, in the point's local time (the service checks the times themselves)."""
    hours: dict[int, list[tuple[str, str]]] = {}
    for text in given:
        days_text, _space, spans_text = text.strip().partition(" ")
        spans = [span for span in re.split(r"[,\s]+", spans_text) if span]
        if not spans:
            raise BadInput("--hours", f"{text!r}: write days then times, like Mon-Fri 08:00-12:00")
        for weekday in _days(days_text, text):
            for span in spans:
                opens, dash, closes = span.partition("-")
                if not dash:
                    raise BadInput("--hours", f"{span!r} is not opening-closing, like 08:00-12:00")
                hours.setdefault(weekday, []).append((opens, closes))
    return hours


@app.command("point-add")
def point_add(
    name: Annotated[str, typer.Argument(help="The crossing or facility's name.")],
    *,
    area: Annotated[str, typer.Option(help="The district it is in; never coordinates.")],
    unit: Annotated[
        list[str], typer.Option(help="A receiving unit at the point; repeat for each.")
    ],
    hours: Annotated[
        list[str],
        typer.Option(
            help='Opening hours in local time, like "Mon-Fri 08:00-12:00,13:00-16:00"; '
            "repeat for other days. Days not given are shut."
        ),
    ],
    capacity: Annotated[int, typer.Option(help="How many people one window can receive.")],
    window_minutes: Annotated[
        int, typer.Option(help="Length of a window; windows start at each opening time.")
    ] = 60,
    time_zone: Annotated[str, typer.Option(help="The point's IANA time zone.")] = "Asia/Baghdad",
) -> None:
    """Coordination cell: add a handover point run by your cell, with its receiving units,
    opening hours and places per window."""
    with _as_officer() as (session, keyring):
        made = points.create_point(
            session=session,
            principal=keyring.principal,
            data=PointData(
                name=name,
                area=area,
                units=unit,
                hours=_hours(hours),
                capacity=capacity,
                window_minutes=window_minutes,
                time_zone=time_zone,
            ),
        )
        said = f"{made.name} added ({made.area}, {clock.describe(points.weekly_hours(made))})"
    _console().print(f"{said}. Desks can book its windows now.")


@app.command("close")
def close(
    point: PointArgument,
    first_day: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First closed day, local.")
    ],
    last_day: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last closed day, included.")
    ],
    reason: Annotated[str, typer.Option(help="Why: desks see it in the calendar.")],
) -> None:
    """Coordination cell: close a point of your cell for whole days (local dates). Nothing
    can be booked then; plans already booked stay, for their desks to move."""
    with _as_officer() as (session, keyring):
        point_id = _point_id(session, keyring, point)
        closure = points.add_closure(
            session=session,
            principal=keyring.principal,
            point_id=point_id,
            first_day=first_day.date(),
            last_day=last_day.date(),
            reason=reason,
        )
        name = points.get_point(
            session=session, principal=keyring.principal, point_id=point_id
        ).name
        said = (
            f"{name} closed from {closure.first_day.isoformat()} to "
            f"{closure.last_day.isoformat()}: {closure.reason}"
        )
    _console().print(f"{said}. Desks see it in the calendar; plans booked then stay as they are.")


# ---- your desk's plans -----------------------------------------------------------------


@app.command("missed")
def missed() -> None:
    """Your desk's plans whose window passed with nobody handed over: re-book or cancel each
    (on the plan's page)."""
    with _as_officer() as (session, keyring):
        nation = keyring.principal.nation
        rows = [
            (
                row.reference,
                row.point_name,
                f"{row.window_starts_at:%Y-%m-%d %H:%M} UTC",
                row.plan_id,
            )
            for row in flows.missed(session=session, principal=keyring.principal)
        ]
    console = _console()
    if not rows:
        console.print(f"No missed window for the {nation} desk.")
        return
    table = Table("Case", "Point", "Window", "Plan", title=f"Missed windows: {len(rows)}")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _case(session: Session, keyring: Keyring, given: str) -> Case:
    """A case of the officer's desk, by reference (FRA-3F9A21C4) or id."""
    principal = keyring.principal
    case_id = given.strip()
    try:
        if "-" in case_id:
            case_id = case_service.get_case_by_reference(
                session=session, principal=principal, reference=case_id, permission=roles.CASE_READ
            ).id
        return access.own_case(session, principal, case_id)
    except NotFound as exc:
        raise BadInput("CASE", f"no case {given!r} of the {principal.nation} desk") from exc


def _approval(state: flows.PlanState) -> str:
    if state.plan.status == CANCELLED:
        return "cancelled"
    if state.approved:
        return "approved"
    if state.voided is not None:
        return f"approval voided ({state.voided.void_reason}): waiting for approval"
    return "waiting for approval"


def _flags(state: flows.PlanState) -> str:
    said = ["missed"] if state.missed else []
    if state.handover:
        said.append(handovers.STATE_WORDS.get(state.handover, state.handover))
    return ", ".join(said) or "—"


@app.command("plans")
def list_plans(
    case: Annotated[str, typer.Argument(help="The case's reference, like FRA-3F9A21C4, or id.")],
    details: Annotated[
        bool,
        typer.Option(
            "--details",
            help="Also open each plan's sealed details (unit, escort, what to bring, fallback, "
            "instructions); every opening is in the audit log.",
        ),
    ] = False,
) -> None:
    """A case's passage plans: point, window, approval, missed or not, the handover's state.
    Only your own desk's cases."""
    with _as_officer() as (session, keyring):
        principal = keyring.principal
        owned = _case(session, keyring, case)
        reference = owned.reference
        states = flows.case_plans(
            session=session,
            principal=principal,
            case_id=owned.id,
            owner_nation=owned.owner_nation,
            stage=owned.stage,
        )
        rows = [
            (
                state.plan.id,
                state.plan.point.name,
                _local(state.plan.window_starts_at, state.plan.point.time_zone),
                _approval(state),
                _flags(state),
            )
            for state in states
        ]
        opened = (
            [plans.open_plan(session=session, keyring=keyring, plan_id=s.plan.id) for s in states]
            if details
            else []
        )
    console = _console()
    if not rows:
        console.print(f"{reference} has no passage plan yet.")
        return
    table = Table("Plan", "Point", "Window", "Approval", "Flags", title=f"Plans of {reference}")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for view in opened:
        sealed = view.details
        console.print(f"\n[bold]Plan {view.id}[/bold] (sealed details)")
        for label, value in (
            ("Receiving unit", sealed.receiving_unit),
            ("Accompanied by", sealed.accompanied_by),
            ("To bring", sealed.bring),
            ("If the window is missed", sealed.fallback),
            ("Instructions", sealed.instructions),
        ):
            console.print(f"  {label}: {value or '—'}", soft_wrap=True)
