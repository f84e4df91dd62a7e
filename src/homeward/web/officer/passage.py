"""Officer pages for the way home: handover points and closures (the cell runs them, desks
read them), a point's calendar by week, booking a plan from a cleared case, the plan with its
approval, change, cancellation, and the person told through the conversation.

A thin adapter: every change goes through passage's services and flows; a refused form comes
back with the reason in words and what was typed kept, nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.passage import access, approvals, calendar, flows, handovers, plans, points
from homeward.passage import hours as clock
from homeward.passage.models import HandoverPoint, PassagePlan
from homeward.passage.schemas import CalendarWindow, PlanDetails, PointData
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy.check import Principal
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer.deps import SignedIn, render, require_csrf

router = APIRouter(prefix="/officer", include_in_schema=False)
Csrf = Annotated[str, Form()]
Line = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=10_000)]
BOOKING_DAYS = 14
"""How far ahead the plan form offers windows (the calendar shows any week)."""

FIELD_WORDS = {
    "name": "Name",
    "area": "Area",
    "units": "Receiving units",
    "hours": "Opening hours",
    "capacity": "Capacity",
    "window_minutes": "Window length",
    "time_zone": "Time zone",
    "first_day": "First day",
    "last_day": "Last day",
    "reason": "Reason",
    "point": "Handover point",
    "window": "Window",
    "receiving_unit": "Receiving unit",
    "accompanied_by": "Accompanied by",
    "bring": "What to bring",
    "fallback": "Fallback",
    "instructions": "Instructions",
    "case": "Case",
    "plan": "Plan",
    "approver": "Approval",
    "reply": "Message",
    "conversation": "Conversation",
}


@dataclass(frozen=True)
class Problem:
    """A refusal on a form: the reason in words and the field at fault."""

    message: str
    field: str


def problem(exc: BadInput) -> Problem:
    words = FIELD_WORDS.get(exc.field, exc.field.replace("_", " ").capitalize())
    return Problem(f"{words}: {exc.problem}", exc.field)


def _names(session: Session, officer_ids: set[str]) -> dict[str, str]:
    names = {}
    for officer_id in officer_ids:
        officer = accounts_service.get_officer(session=session, officer_id=officer_id)
        names[officer_id] = officer.username if officer else "former officer"
    return names


# ---- handover points ------------------------------------------------------------------


@router.get("/passage")
def way_home(request: Request, session: DbSession, keyring: SignedIn) -> Response:
    """The points, and for a desk its plans to come and those whose window was missed."""
    principal = keyring.principal
    found = points.list_points(session=session, principal=principal)
    return render(
        request,
        "passage_points.html",
        principal=principal,
        points=found,
        hours={point.id: clock.describe(points.weekly_hours(point)) for point in found},
        upcoming=flows.desk_plans(session=session, principal=principal),
        missed=flows.missed(session=session, principal=principal),
        may_manage=_runs_points(session, principal),
        when=_when,
    )


def _runs_points(session: Session, principal: Principal) -> bool:
    if not roles.may(principal.role, roles.POINT_MANAGE):
        return False
    return accounts_service.get_desk(session=session, code=principal.nation).is_coordination


def _when(point: HandoverPoint, instant: datetime) -> str:
    tz = clock.zone(point.time_zone)
    there = instant.astimezone(tz)
    return f"{there:%a %Y-%m-%d %H:%M} {tz.key} ({instant.astimezone(UTC):%H:%M} UTC)"


def _span(point: HandoverPoint, starts_at: datetime, ends_at: datetime) -> str:
    """'Tue 2026-12-08 09:00-10:00 Asia/Baghdad (06:00-07:00 UTC)'."""
    tz = clock.zone(point.time_zone)
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    return (
        f"{start:%a %Y-%m-%d %H:%M}-{end:%H:%M} {tz.key} "
        f"({starts_at.astimezone(UTC):%H:%M}-{ends_at.astimezone(UTC):%H:%M} UTC)"
    )


def _hours_text(point: HandoverPoint | None) -> dict[int, str]:
    if point is None:
        return {weekday: "08:00-12:00" if weekday < 5 else "" for weekday in range(7)}
    weekly = points.weekly_hours(point)
    return {
        weekday: ", ".join(
            f"{clock.clock(i.opens)}-{clock.clock(i.closes)}" for i in weekly.get(weekday, [])
        )
        for weekday in range(7)
    }


def _parse_hours(typed: dict[int, str]) -> dict[int, list[tuple[str, str]]]:
    """'08:00-12:00, 13:00-16:00' per weekday; an empty day is a day the point is shut."""
    parsed: dict[int, list[tuple[str, str]]] = {}
    for weekday, text in typed.items():
        spans = [span.strip() for span in text.split(",") if span.strip()]
        for span in spans:
            opens, dash, closes = span.partition("-")
            if not dash:
                raise BadInput(
                    "hours",
                    f"{clock.WEEKDAYS[weekday]}: {span!r} is not opening-closing, like 08:00-12:00",
                )
            parsed.setdefault(weekday, []).append((opens.strip(), closes.strip()))
    return parsed


def _point_form(
    request: Request,
    principal: Principal,
    *,
    point: HandoverPoint | None,
    typed: dict[str, str] | None = None,
    hours: dict[int, str] | None = None,
    refusal: Problem | None = None,
    status_code: int = 200,
) -> Response:
    if typed is None:
        typed = {
            "name": point.name if point else "",
            "area": point.area if point else "",
            "units": "\n".join(unit.name for unit in point.units) if point else "",
            "capacity": str(point.capacity) if point else "4",
            "window_minutes": str(point.window_minutes) if point else "60",
            "time_zone": point.time_zone if point else "Asia/Baghdad",
        }
    return render(
        request,
        "passage_point_form.html",
        status_code=status_code,
        principal=principal,
        point=point,
        typed=typed,
        hours=hours if hours is not None else _hours_text(point),
        weekdays=clock.WEEKDAYS,
        refusal=refusal,
    )


@router.get("/passage/points/new")
def new_point(request: Request, session: DbSession, keyring: SignedIn) -> Response:
    if not _runs_points(session, keyring.principal):
        raise Forbidden("only a coordination cell runs handover points")
    return _point_form(request, keyring.principal, point=None)


def _point_data(typed: dict[str, str], hours: dict[int, str]) -> PointData:
    def number(field: str) -> int:
        try:
            return int(typed[field].strip())
        except ValueError as exc:
            raise BadInput(field, f"{typed[field]!r} is not a whole number") from exc

    return PointData(
        name=typed["name"],
        area=typed["area"],
        units=typed["units"].replace(",", "\n").splitlines(),
        hours=_parse_hours(hours),
        capacity=number("capacity"),
        window_minutes=number("window_minutes"),
        time_zone=typed["time_zone"].strip() or "Asia/Baghdad",
    )


def _save_point(
    request: Request, session: Session, keyring: Keyring, point_id: str | None, typed: PointForm
) -> Response:
    require_csrf(request, typed.csrf)
    principal = keyring.principal
    form = typed.model_dump(exclude={"csrf", *(f"hours_{day}" for day in range(7))})
    hours = {weekday: str(getattr(typed, f"hours_{weekday}")) for weekday in range(7)}
    point = (
        points.get_point(session=session, principal=principal, point_id=point_id)
        if point_id
        else None
    )
    try:
        with session.begin_nested():
            data = _point_data(form, hours)
            if point is None:
                saved = points.create_point(session=session, principal=principal, data=data)
            else:
                saved = points.update_point(
                    session=session, principal=principal, point_id=point.id, data=data
                )
    except BadInput as exc:
        return _point_form(
            request,
            principal,
            point=point,
            typed=form,
            hours=hours,
            refusal=problem(exc),
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/passage/points/{saved.id}", status_code=303)


class PointForm(BaseModel):
    """The point form as typed: numbers stay text until checked, so a wrong one comes back."""

    name: str = Field("", max_length=200)
    area: str = Field("", max_length=200)
    units: str = Field("", max_length=1000)
    capacity: str = Field("", max_length=6)
    window_minutes: str = Field("", max_length=6)
    time_zone: str = Field("", max_length=64)
    hours_0: str = Field("", max_length=200)
    hours_1: str = Field("", max_length=200)
    hours_2: str = Field("", max_length=200)
    hours_3: str = Field("", max_length=200)
    hours_4: str = Field("", max_length=200)
    hours_5: str = Field("", max_length=200)
    hours_6: str = Field("", max_length=200)
    csrf: str = ""


@router.post("/passage/points")
def create_point(
    request: Request, session: DbSession, keyring: SignedIn, form: Annotated[PointForm, Form()]
) -> Response:
    return _save_point(request, session, keyring, None, form)


@router.get("/passage/points/{point_id}")
def point_page(request: Request, session: DbSession, point_id: str, keyring: SignedIn) -> Response:
    principal = keyring.principal
    point = points.get_point(session=session, principal=principal, point_id=point_id)
    return _point_page(request, session, principal, point)


def _point_page(
    request: Request,
    session: Session,
    principal: Principal,
    point: HandoverPoint,
    *,
    refusal: Problem | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    manages = _runs_points(session, principal) and point.cell_nation == principal.nation
    return render(
        request,
        "passage_point.html",
        status_code=status_code,
        principal=principal,
        point=point,
        hours=clock.describe(points.weekly_hours(point)),
        manages=manages,
        refusal=refusal,
        typed=typed or {},
        names=_names(session, {closure.created_by for closure in point.closures}),
    )


@router.post("/passage/points/{point_id}")
def update_point(
    request: Request,
    session: DbSession,
    point_id: str,
    keyring: SignedIn,
    form: Annotated[PointForm, Form()],
) -> Response:
    return _save_point(request, session, keyring, point_id, form)


@router.get("/passage/points/{point_id}/edit")
def edit_point(request: Request, session: DbSession, point_id: str, keyring: SignedIn) -> Response:
    principal = keyring.principal
    point = points.get_point(session=session, principal=principal, point_id=point_id)
    if not (_runs_points(session, principal) and point.cell_nation == principal.nation):
        raise Forbidden(f"{point.name} is run by the {point.cell_nation} cell, not yours")
    return _point_form(request, principal, point=point)


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadInput(field, f"{text!r} is not a date as YYYY-MM-DD") from exc


@router.post("/passage/points/{point_id}/closures")
def add_closure(
    request: Request,
    session: DbSession,
    point_id: str,
    *,
    keyring: SignedIn,
    first_day: Annotated[str, Form(max_length=10)] = "",
    last_day: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    principal = keyring.principal
    typed = {"first_day": first_day, "last_day": last_day, "reason": reason}
    try:
        with session.begin_nested():
            points.add_closure(
                session=session,
                principal=principal,
                point_id=point_id,
                first_day=_day(first_day, "first_day"),
                last_day=_day(last_day, "last_day"),
                reason=reason,
            )
    except BadInput as exc:
        point = points.get_point(session=session, principal=principal, point_id=point_id)
        return _point_page(
            request,
            session,
            principal,
            point,
            refusal=problem(exc),
            typed=typed,
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/passage/points/{point_id}#closures", status_code=303)


@router.post("/passage/points/{point_id}/closures/{closure_id}/lift")
def lift_closure(
    request: Request,
    session: DbSession,
    point_id: str,
    closure_id: str,
    *,
    keyring: SignedIn,
    csrf: Csrf = "",
) -> Response:
    """Only the cell that runs the point lifts one of its closures (the service checks)."""
    require_csrf(request, csrf)
    points.lift_closure(session=session, principal=keyring.principal, closure_id=closure_id)
    return RedirectResponse(f"/officer/passage/points/{point_id}#closures", status_code=303)


# ---- the calendar -----------------------------------------------------------------------


@router.get("/passage/points/{point_id}/calendar")
def point_calendar(
    request: Request,
    session: DbSession,
    point_id: str,
    *,
    keyring: SignedIn,
    week: Annotated[str, Query(max_length=10)] = "",
    case: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    """A week of windows from `week` (a local date; today there by default): free and booked
    places, this officer's plans linked, everyone else's only as "booked"; with `case`, each
    free window links to booking it for that case."""
    principal = keyring.principal
    point = points.get_point(session=session, principal=principal, point_id=point_id)
    tz = clock.zone(point.time_zone)
    first = _day(week, "week") if week else utcnow().astimezone(tz).date()
    windows = calendar.calendar(
        session=session, principal=principal, point_id=point.id, first_day=first, days=7
    )
    days: dict[date, list[CalendarWindow]] = {
        first + timedelta(days=offset): [] for offset in range(7)
    }
    for window in windows:
        days.setdefault(window.local_day, []).append(window)
    for_case = None
    if case and roles.may(principal.role, roles.PLAN_WRITE):
        for_case = access.own_case(session, principal, case)
    return render(
        request,
        "passage_calendar.html",
        principal=principal,
        point=point,
        days=days,
        first=first,
        previous=(first - timedelta(days=7)).isoformat(),
        following=(first + timedelta(days=7)).isoformat(),
        for_case=for_case,
        zone=tz.key,
    )


# ---- plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def _window_choices(
    session: Session, principal: Principal, point: HandoverPoint, keep: str
) -> list[Choice]:
    """The point's free windows to come over the next days, and the one typed (kept even when
    it was refused, so the form comes back as it was)."""
    tz = clock.zone(point.time_zone)
    found = calendar.calendar(
        session=session,
        principal=principal,
        point_id=point.id,
        first_day=utcnow().astimezone(tz).date(),
        days=BOOKING_DAYS,
    )
    choices = [
        Choice(
            window.starts_at.isoformat(),
            f"{_when(point, window.starts_at)} · {window.free} of {window.capacity} free",
        )
        for window in found
        if window.free > 0
    ]
    if keep and keep not in {choice.value for choice in choices}:
        try:
            label = _when(point, datetime.fromisoformat(keep))
        except ValueError:
            label = keep
        choices.insert(0, Choice(keep, label))
    return choices


def _chosen(point_id: str) -> str:
    if not point_id:
        raise BadInput("point", "choose a handover point")
    return point_id


def _starts_at(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadInput("window", "choose one of the point's windows") from exc


def _plan_form(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    case_id: str,
    typed: dict[str, str],
    plan: PassagePlan | None = None,
    refusal: Problem | None = None,
    status_code: int = 200,
) -> Response:
    case = access.own_case(session, principal, case_id)
    all_points = points.list_points(session=session, principal=principal)
    point = next((p for p in all_points if p.id == typed.get("point")), None)
    return render(
        request,
        "passage_plan_form.html",
        status_code=status_code,
        principal=principal,
        case=case,
        plan=plan,
        points=all_points,
        point=point,
        windows=_window_choices(session, principal, point, typed.get("window", ""))
        if point
        else [],
        typed=typed,
        refusal=refusal,
    )


class PlanForm(BaseModel):
    """The plan form as typed (the window is the UTC instant of one of the point's windows)."""

    point: str = Field("", max_length=32)
    window: str = Field("", max_length=40)
    receiving_unit: str = Field("", max_length=200)
    accompanied_by: str = Field("", max_length=500)
    bring: str = Field("", max_length=2000)
    fallback: str = Field("", max_length=2000)
    instructions: str = Field("", max_length=10_000)
    csrf: str = ""


@router.get("/cases/{case_id}/plans/new")
def new_plan(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    point: Annotated[str, Query(max_length=32)] = "",
    window: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    principal = keyring.principal
    policy.require_permission(principal, roles.PLAN_WRITE)
    typed = PlanForm(point=point, window=window).model_dump(exclude={"csrf"})
    return _plan_form(request, session, principal, case_id=case_id, typed=typed)


def _details(typed: dict[str, str]) -> PlanDetails:
    return PlanDetails(
        receiving_unit=typed["receiving_unit"],
        accompanied_by=typed["accompanied_by"],
        bring=typed["bring"],
        fallback=typed["fallback"],
        instructions=typed["instructions"],
    )


@router.post("/cases/{case_id}/plans")
def book_plan(
    request: Request,
    session: DbSession,
    case_id: str,
    keyring: SignedIn,
    form: Annotated[PlanForm, Form()],
) -> Response:
    require_csrf(request, form.csrf)
    principal = keyring.principal
    typed = form.model_dump(exclude={"csrf"})
    point, window = form.point, form.window
    try:
        with session.begin_nested():
            plan = plans.book(
                session=session,
                principal=principal,
                secrets=runtime_of(request).secrets,
                settings=runtime_of(request).settings,
                case_id=case_id,
                point_id=_chosen(point),
                starts_at=_starts_at(window),
                details=_details(typed),
            )
    except BadInput as exc:
        return _plan_form(
            request,
            session,
            principal,
            case_id=case_id,
            typed=typed,
            refusal=problem(exc),
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/passage/plans/{plan.id}", status_code=303)


def _plan_page(
    request: Request,
    session: Session,
    keyring: Keyring,
    plan_id: str,
    *,
    refusal: Problem | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    principal = keyring.principal
    view = plans.open_plan(session=session, keyring=keyring, plan_id=plan_id)
    binding.bind(session, principal)
    plan = session.get(PassagePlan, view.id)
    if plan is None:  # pragma: no cover - open_plan found it in this transaction
        raise NotFound("plan")
    owner = plan.owner_nation == principal.nation
    case = access.own_case(session, principal, plan.case_id) if owner else None
    state = flows.state_of(
        plan, case.stage if case else "", handover=flows.handover_of(session, plan)
    )
    officers = {a.approver_id for a in plan.approvals} | set(approvals.authors(plan))
    officers |= {a.voided_by for a in plan.approvals if a.voided_by}
    return render(
        request,
        "passage_plan.html",
        status_code=status_code,
        principal=principal,
        view=view,
        plan=plan,
        case=case,
        state=state,
        live=approvals.live_approval(plan),
        authors=approvals.authors(plan),
        names=_names(session, officers),
        window=_span(plan.point, plan.window_starts_at, plan.window_ends_at),
        may_write=owner and roles.may(principal.role, roles.PLAN_WRITE),
        may_approve=owner and roles.may(principal.role, roles.PLAN_APPROVE),
        handover_words=handovers.STATE_WORDS,
        refusal=refusal,
        typed=typed or {},
    )


@router.get("/passage/plans/{plan_id}")
def plan_page(request: Request, session: DbSession, plan_id: str, keyring: SignedIn) -> Response:
    return _plan_page(request, session, keyring, plan_id)


def _act_on_plan(
    request: Request,
    session: Session,
    keyring: Keyring,
    plan_id: str,
    action: Callable[[], object],
    *,
    typed: dict[str, str] | None = None,
) -> Response:
    """One action from the plan page, in a savepoint: a refusal undoes only what the action
    wrote (the request keeps its one transaction) and the plan page comes back with the
    reason and what was typed; otherwise back to the plan."""
    try:
        with session.begin_nested():
            action()
    except BadInput as exc:
        return _plan_page(
            request,
            session,
            keyring,
            plan_id,
            refusal=problem(exc),
            typed=typed,
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/passage/plans/{plan_id}", status_code=303)


@router.post("/passage/plans/{plan_id}/approve")
def approve_plan(
    request: Request, session: DbSession, plan_id: str, *, keyring: SignedIn, csrf: Csrf = ""
) -> Response:
    require_csrf(request, csrf)
    secrets = runtime_of(request).secrets
    return _act_on_plan(
        request,
        session,
        keyring,
        plan_id,
        lambda: flows.approve(session=session, keyring=keyring, secrets=secrets, plan_id=plan_id),
    )


@router.post("/passage/plans/{plan_id}/cancel")
def cancel_plan(
    request: Request,
    session: DbSession,
    plan_id: str,
    *,
    keyring: SignedIn,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    secrets = runtime_of(request).secrets
    return _act_on_plan(
        request,
        session,
        keyring,
        plan_id,
        lambda: flows.cancel(
            session=session, keyring=keyring, secrets=secrets, plan_id=plan_id, reason=reason
        ),
        typed={"reason": reason},
    )


@router.get("/passage/plans/{plan_id}/change")
def change_form(request: Request, session: DbSession, plan_id: str, keyring: SignedIn) -> Response:
    principal = keyring.principal
    policy.require_permission(principal, roles.PLAN_WRITE)
    plan = access.own_plan(session, principal, plan_id)
    view = plans.open_plan(session=session, keyring=keyring, plan_id=plan.id)
    typed = {
        "point": plan.point_id,
        "window": plan.window_starts_at.isoformat(),
        "receiving_unit": view.details.receiving_unit,
        "accompanied_by": view.details.accompanied_by,
        "bring": view.details.bring,
        "fallback": view.details.fallback,
        "instructions": view.details.instructions,
    }
    return _plan_form(request, session, principal, case_id=plan.case_id, typed=typed, plan=plan)


@router.post("/passage/plans/{plan_id}/change")
def change_plan(
    request: Request,
    session: DbSession,
    plan_id: str,
    keyring: SignedIn,
    form: Annotated[PlanForm, Form()],
) -> Response:
    require_csrf(request, form.csrf)
    principal = keyring.principal
    typed = form.model_dump(exclude={"csrf"})
    point, window = form.point, form.window
    try:
        with session.begin_nested():
            flows.change(
                session=session,
                keyring=keyring,
                secrets=runtime_of(request).secrets,
                plan_id=plan_id,
                details=_details(typed),
                point_id=point or None,
                starts_at=_starts_at(window) if window else None,
            )
    except BadInput as exc:
        plan = access.own_plan(session, principal, plan_id)
        return _plan_form(
            request,
            session,
            principal,
            case_id=plan.case_id,
            typed=typed,
            plan=plan,
            refusal=problem(exc),
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/passage/plans/{plan_id}", status_code=303)


@router.get("/passage/plans/{plan_id}/tell")
def tell_form(request: Request, session: DbSession, plan_id: str, keyring: SignedIn) -> Response:
    """The draft in each linked conversation's language, to edit; nothing is sent yet."""
    return _tell_page(request, session, keyring, plan_id)


def _tell_page(
    request: Request,
    session: Session,
    keyring: Keyring,
    plan_id: str,
    *,
    typed: dict[str, str] | None = None,
    refusal: Problem | None = None,
    status_code: int = 200,
) -> Response:
    principal = keyring.principal
    drafted = flows.draft(session=session, keyring=keyring, plan_id=plan_id)
    plan = access.own_plan(session, principal, plan_id)
    return render(
        request,
        "passage_tell.html",
        status_code=status_code,
        principal=principal,
        plan=plan,
        draft=drafted,
        typed=typed or {},
        refusal=refusal,
    )


@router.post("/passage/plans/{plan_id}/tell")
def tell(
    request: Request,
    session: DbSession,
    plan_id: str,
    *,
    keyring: SignedIn,
    conversation: Annotated[str, Form(max_length=32)] = "",
    text: Annotated[str, Form(max_length=40_000)] = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    try:
        with session.begin_nested():
            flows.tell(
                session=session,
                keyring=keyring,
                secrets=runtime_of(request).secrets,
                plan_id=plan_id,
                conversation_id=conversation,
                text=text,
            )
    except BadInput as exc:
        return _tell_page(
            request,
            session,
            keyring,
            plan_id,
            typed={"conversation": conversation, "text": text},
            refusal=problem(exc),
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/conversations/{conversation}", status_code=303)
