"""The way home under /api/v1: handover points, closures, a point's calendar, plans (book,
read, change, cancel) and their approval. The same services, flows and policy as the pages;
approving moves the case to passage planned, a change or a cancellation moves it back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.passage import access, approvals, calendar, flows, plans, points
from homeward.passage.models import HandoverPoint
from homeward.passage.schemas import PlanDetails, PointData
from homeward.web.api.deps import ERRORS, Officer, Problem
from homeward.web.deps import DbSession, runtime_of

router = APIRouter(prefix="/api/v1", tags=["passage"])
PASSAGE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"model": Problem, "description": "The window is full, or the plan's state refuses it"},
}
Text = Annotated[str, Field(max_length=2000)]
Line = Annotated[str, Field(max_length=200)]


class Interval(BaseModel):
    opens: str = Field(max_length=5, examples=["08:00"])
    closes: str = Field(max_length=5, examples=["12:00"])


class PointIn(BaseModel):
    """Hours by weekday, 0 is Monday, in the point's own time zone."""

    name: Line
    area: Line
    units: list[Line] = Field(max_length=10)
    hours: dict[int, list[Interval]] = Field(max_length=7)
    capacity: int = Field(ge=1, le=500)
    window_minutes: int = Field(ge=1, le=1440)
    time_zone: str = Field("Asia/Baghdad", max_length=64)

    def data(self) -> PointData:
        return PointData(
            name=self.name,
            area=self.area,
            units=self.units,
            hours={
                day: [(span.opens, span.closes) for span in spans]
                for day, spans in self.hours.items()
            },
            capacity=self.capacity,
            window_minutes=self.window_minutes,
            time_zone=self.time_zone,
        )


class ClosureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    first_day: date
    last_day: date
    reason: str


class PointOut(BaseModel):
    id: str
    name: str
    area: str
    cell_nation: str
    time_zone: str
    capacity: int
    window_minutes: int
    units: list[str]
    hours: dict[int, list[Interval]]
    closures: list[ClosureOut]

    @classmethod
    def of(cls, point: HandoverPoint) -> PointOut:
        hours: dict[int, list[Interval]] = {}
        for row in point.hours:
            hours.setdefault(row.weekday, []).append(
                Interval(opens=_clock(row.opens_minute), closes=_clock(row.closes_minute))
            )
        return cls(
            id=point.id,
            name=point.name,
            area=point.area,
            cell_nation=point.cell_nation,
            time_zone=point.time_zone,
            capacity=point.capacity,
            window_minutes=point.window_minutes,
            units=[unit.name for unit in point.units],
            hours=hours,
            closures=[ClosureOut.model_validate(c) for c in point.closures],
        )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ClosureIn(BaseModel):
    first_day: date
    last_day: date
    reason: Annotated[str, Field(max_length=500)]


class SlotOut(BaseModel):
    plan_id: str
    owner_nation: str
    status: str
    case_id: str | None


class WindowOut(BaseModel):
    starts_at: datetime
    ends_at: datetime
    local_day: date
    local_start: str
    capacity: int
    booked: int
    free: int
    closed: str | None
    past: bool
    mine: list[SlotOut]
    others: int
    """Places taken by plans this officer may not open: only "booked"."""


class DetailsIn(BaseModel):
    receiving_unit: Line
    accompanied_by: Annotated[str, Field(max_length=500)] = ""
    bring: Text = ""
    fallback: Text = ""
    instructions: Annotated[str, Field(max_length=10_000)] = ""

    def details(self) -> PlanDetails:
        return PlanDetails(
            receiving_unit=self.receiving_unit,
            accompanied_by=self.accompanied_by,
            bring=self.bring,
            fallback=self.fallback,
            instructions=self.instructions,
        )


class PlanIn(DetailsIn):
    point_id: str = Field(max_length=32)
    starts_at: datetime
    """The window's start, with its time zone (UTC or the point's)."""


class PlanChangeIn(DetailsIn):
    point_id: str | None = Field(None, max_length=32)
    starts_at: datetime | None = None


class CancelIn(BaseModel):
    reason: Text


class PlanOut(BaseModel):
    id: str
    case_id: str
    owner_nation: str
    point_id: str
    point_name: str
    window_starts_at: datetime
    window_ends_at: datetime
    status: str
    approved: bool
    details: DetailsIn


class PlanRowOut(BaseModel):
    id: str
    point_id: str
    window_starts_at: datetime
    window_ends_at: datetime
    status: str
    approved: bool
    missed: bool


def _plan(session: Session, keyring: Keyring, plan_id: str) -> PlanOut:
    view = plans.open_plan(session=session, keyring=keyring, plan_id=plan_id)
    return PlanOut(
        id=view.id,
        case_id=view.case_id,
        owner_nation=view.owner_nation,
        point_id=view.point_id,
        point_name=view.point_name,
        window_starts_at=view.window_starts_at,
        window_ends_at=view.window_ends_at,
        status=view.status,
        approved=view.approved,
        details=DetailsIn(**vars(view.details)),
    )


@router.get("/passage/points", operation_id="list_points", responses=PASSAGE_ERRORS)
def list_points(session: DbSession, keyring: Officer) -> list[PointOut]:
    return [
        PointOut.of(p) for p in points.list_points(session=session, principal=keyring.principal)
    ]


@router.post(
    "/passage/points", status_code=201, operation_id="create_point", responses=PASSAGE_ERRORS
)
def create_point(session: DbSession, body: PointIn, keyring: Officer) -> PointOut:
    point = points.create_point(session=session, principal=keyring.principal, data=body.data())
    return PointOut.of(point)


@router.get("/passage/points/{point_id}", operation_id="get_point", responses=PASSAGE_ERRORS)
def get_point(session: DbSession, point_id: str, keyring: Officer) -> PointOut:
    return PointOut.of(
        points.get_point(session=session, principal=keyring.principal, point_id=point_id)
    )


@router.put("/passage/points/{point_id}", operation_id="update_point", responses=PASSAGE_ERRORS)
def update_point(session: DbSession, point_id: str, body: PointIn, keyring: Officer) -> PointOut:
    point = points.update_point(
        session=session, principal=keyring.principal, point_id=point_id, data=body.data()
    )
    return PointOut.of(point)


@router.post(
    "/passage/points/{point_id}/closures",
    status_code=201,
    operation_id="add_closure",
    responses=PASSAGE_ERRORS,
)
def add_closure(session: DbSession, point_id: str, body: ClosureIn, keyring: Officer) -> ClosureOut:
    closure = points.add_closure(
        session=session,
        principal=keyring.principal,
        point_id=point_id,
        first_day=body.first_day,
        last_day=body.last_day,
        reason=body.reason,
    )
    return ClosureOut.model_validate(closure)


@router.delete(
    "/passage/closures/{closure_id}",
    status_code=204,
    operation_id="lift_closure",
    responses=PASSAGE_ERRORS,
)
def lift_closure(session: DbSession, closure_id: str, keyring: Officer) -> Response:
    points.lift_closure(session=session, principal=keyring.principal, closure_id=closure_id)
    return Response(status_code=204)


@router.get(
    "/passage/points/{point_id}/calendar",
    operation_id="point_calendar",
    responses=PASSAGE_ERRORS,
    description="Every window from first_day (a local date at the point) for `days` dates.",
)
def point_calendar(
    session: DbSession,
    point_id: str,
    keyring: Officer,
    first_day: date,
    days: Annotated[int, Query(ge=1, le=calendar.CALENDAR_DAYS_MAX)] = 7,
) -> list[WindowOut]:
    found = calendar.calendar(
        session=session,
        principal=keyring.principal,
        point_id=point_id,
        first_day=first_day,
        days=days,
    )
    return [
        WindowOut(
            starts_at=w.starts_at,
            ends_at=w.ends_at,
            local_day=w.local_day,
            local_start=w.local_start,
            capacity=w.capacity,
            booked=w.booked,
            free=w.free,
            closed=w.closed,
            past=w.past,
            mine=[SlotOut(**vars(slot)) for slot in w.mine],
            others=w.others,
        )
        for w in found
    ]


@router.get("/cases/{case_id}/plans", operation_id="list_plans", responses=PASSAGE_ERRORS)
def list_plans(session: DbSession, case_id: str, keyring: Officer) -> list[PlanRowOut]:
    principal = keyring.principal
    found = plans.plans_of(session=session, principal=principal, case_id=case_id)
    stage = access.own_case(session, principal, case_id).stage
    return [
        PlanRowOut(
            id=plan.id,
            point_id=plan.point_id,
            window_starts_at=plan.window_starts_at,
            window_ends_at=plan.window_ends_at,
            status=plan.status,
            approved=approvals.is_approved(plan),
            missed=flows.state_of(plan, stage, handover=flows.handover_of(session, plan)).missed,
        )
        for plan in found
    ]


@router.post(
    "/cases/{case_id}/plans", status_code=201, operation_id="book_plan", responses=PASSAGE_ERRORS
)
def book_plan(
    request: Request, session: DbSession, case_id: str, body: PlanIn, keyring: Officer
) -> PlanOut:
    plan = plans.book(
        session=session,
        principal=keyring.principal,
        secrets=runtime_of(request).secrets,
        settings=runtime_of(request).settings,
        case_id=case_id,
        point_id=body.point_id,
        starts_at=body.starts_at,
        details=body.details(),
    )
    plan_id = plan.id
    return _plan(session, keyring, plan_id)


@router.get("/passage/plans/{plan_id}", operation_id="get_plan", responses=PASSAGE_ERRORS)
def get_plan(session: DbSession, plan_id: str, keyring: Officer) -> PlanOut:
    return _plan(session, keyring, plan_id)


@router.put("/passage/plans/{plan_id}", operation_id="change_plan", responses=PASSAGE_ERRORS)
def change_plan(
    request: Request, session: DbSession, plan_id: str, body: PlanChangeIn, keyring: Officer
) -> PlanOut:
    flows.change(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        plan_id=plan_id,
        details=body.details(),
        point_id=body.point_id,
        starts_at=body.starts_at,
    )
    return _plan(session, keyring, plan_id)


@router.post(
    "/passage/plans/{plan_id}/cancel", operation_id="cancel_plan", responses=PASSAGE_ERRORS
)
def cancel_plan(
    request: Request, session: DbSession, plan_id: str, body: CancelIn, keyring: Officer
) -> PlanOut:
    flows.cancel(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        plan_id=plan_id,
        reason=body.reason,
    )
    return _plan(session, keyring, plan_id)


@router.post(
    "/passage/plans/{plan_id}/approve", operation_id="approve_plan", responses=PASSAGE_ERRORS
)
def approve_plan(request: Request, session: DbSession, plan_id: str, keyring: Officer) -> PlanOut:
    flows.approve(
        session=session, keyring=keyring, secrets=runtime_of(request).secrets, plan_id=plan_id
    )
    return _plan(session, keyring, plan_id)
