"""A child's handover to a child-protection actor: under /api/v1/cases/{case_id}/child-protection
for the owning desk (read it opened, record it, the desk's word, the arrival home) and under
/api/v1/child-protection for the coordination cell (what waits for its word, its word). The
same services and policy as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import AwareDatetime, BaseModel, Field

from homeward.households import child_protection as cp
from homeward.web.api.confirmed_twice import SideFields, word_of
from homeward.web.api.deps import ERRORS, Officer
from homeward.web.deps import DbSession, runtime_of

router = APIRouter(tags=["child protection"])
CASE = "/api/v1/cases/{case_id}/child-protection"
Name = Annotated[str, Field(max_length=cp.NAME_MAX)]
Note = Annotated[str, Field(max_length=cp.NOTE_MAX)]


class HandoverIn(BaseModel):
    organisation: Name = Field(examples=["A UNICEF-supported partner, Erbil"])
    contact: Name = ""
    place: Name = ""
    planned_at: AwareDatetime


class WordIn(BaseModel):
    happened: bool
    happened_at: AwareDatetime | None = None
    received_by: Name = Field("", description="Who received the child at the organisation")
    note: Note = Field("", description="Why, when it did not happen")


class ArrivalIn(BaseModel):
    arrived_at: AwareDatetime
    note: Note = Field(description="Who received the child at home")


class SideOut(SideFields):
    side: Literal["desk", "cell"]


class HandoverOut(BaseModel):
    id: str
    case_id: str | None = Field(description="Only for the owning desk")
    state: Literal["pending", "confirmed", "disputed", "not_happened"]
    organisation: str
    contact: str
    place: str
    planned_at: datetime
    recorded_by: str
    sides: list[SideOut]
    my_side: str | None
    may_confirm: bool
    missing: list[str] = Field(description="The sides whose word is still missing")
    next_step: str
    arrived_at: datetime | None


class CasePathOut(BaseModel):
    child: bool
    because: str
    current: HandoverOut | None
    earlier: list[HandoverOut]
    may_record: bool
    why_not: str


class StateOut(BaseModel):
    id: str
    state: str


def _out(view: cp.HandoverView) -> HandoverOut:
    return HandoverOut(
        id=view.id,
        case_id=view.case_id,
        state=view.state,
        organisation=view.organisation,
        contact=view.contact,
        place=view.place,
        planned_at=view.planned_at,
        recorded_by=view.recorded_by,
        sides=[SideOut(**vars(side)) for side in view.sides.values()],
        my_side=view.my_side,
        may_confirm=view.may_confirm,
        missing=view.missing,
        next_step=view.next_step,
        arrived_at=view.arrived_at,
    )


def _path(request: Request, session: DbSession, keyring: Officer, case_id: str) -> CasePathOut:
    path = cp.of_case(
        session=session, keyring=keyring, secrets=runtime_of(request).secrets, case_id=case_id
    )
    return CasePathOut(
        child=bool(path.child and path.child.child),
        because=path.child.because if path.child else "no date of birth and no age estimate",
        current=_out(path.current) if path.current else None,
        earlier=[_out(view) for view in path.earlier],
        may_record=path.may_record,
        why_not=path.why_not,
    )


@router.get(CASE, operation_id="get_child_protection", responses=ERRORS)
def get_case_path(
    request: Request, session: DbSession, case_id: str, keyring: Officer
) -> CasePathOut:
    """The child's handovers, opened for the owning desk (the read is audited)."""
    return _path(request, session, keyring, case_id)


@router.post(CASE, status_code=201, operation_id="record_child_protection", responses=ERRORS)
def record(
    request: Request, session: DbSession, case_id: str, body: HandoverIn, keyring: Officer
) -> CasePathOut:
    """A child's case only, from any open stage before handed over."""
    cp.record(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        case_id=case_id,
        details=cp.Organisation(
            organisation=body.organisation,
            contact=body.contact,
            place=body.place,
            planned_at=body.planned_at,
        ),
    )
    return _path(request, session, keyring, case_id)


@router.post(CASE + "/arrival", operation_id="record_child_protection_arrival", responses=ERRORS)
def arrival(
    request: Request, session: DbSession, case_id: str, body: ArrivalIn, keyring: Officer
) -> CasePathOut:
    """The child arrived home after a confirmed handover: the case becomes repatriated."""
    cp.record_arrival(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        case_id=case_id,
        arrived_at=body.arrived_at,
        note=body.note,
    )
    return _path(request, session, keyring, case_id)


@router.get(
    "/api/v1/child-protection", operation_id="list_child_protection_waiting", responses=ERRORS
)
def waiting(session: DbSession, keyring: Officer) -> list[HandoverOut]:
    """For the coordination cell: handovers waiting for its word or disputed, earliest first."""
    return [_out(view) for view in cp.waiting_for_cell(session=session, keyring=keyring)]


@router.post(
    "/api/v1/child-protection/{handover_id}/confirm",
    operation_id="confirm_child_protection",
    responses=ERRORS,
)
def confirm(
    request: Request, session: DbSession, handover_id: str, body: WordIn, keyring: Officer
) -> StateOut:
    """One side's word (the owning desk's or the cell's, by who asks)."""
    found = cp.confirm(
        session=session,
        principal=keyring.principal,
        secrets=runtime_of(request).secrets,
        handover_id=handover_id,
        word=word_of(cp.Word, body),
    )
    return StateOut(id=found.id, state=found.state)
