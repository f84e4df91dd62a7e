"""The handover and the custody chain under /api/v1: each side's word on a plan's handover,
and a case's custody chain with its next link and the stage moves it allows. The same services
as the officer pages, with bearer tokens; times are ISO 8601 with their zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from homeward.passage import custody, handovers
from homeward.web.api.confirmed_twice import SideFields, word_of
from homeward.web.api.deps import ERRORS, Officer, Problem
from homeward.web.deps import DbSession, runtime_of

router = APIRouter(prefix="/api/v1", tags=["passage"])
HANDOVER_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    409: {"model": Problem, "description": "Not possible from the handover's or case's state"},
}


class HandoverWordIn(BaseModel):
    happened: bool
    happened_at: datetime | None = None
    received_by: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)


class SideOut(SideFields):
    pass


class HandoverOut(BaseModel):
    plan_id: str
    case_id: str | None
    point_name: str
    window_starts_at: datetime
    window_ends_at: datetime
    state: str
    sides: dict[str, SideOut]
    my_side: str | None
    may_confirm: bool


class CustodyIn(BaseModel):
    kind: Literal["screening_facility", "home_nation_officers", "journey_home", "arrival"]
    held_by: str = Field(max_length=200)
    received_from: str = Field(max_length=200)
    place: str = Field(max_length=200)
    starts_at: datetime
    ends_at: datetime | None = None
    reason: str = Field(max_length=2000)


class LinkOut(BaseModel):
    holder: str
    starts_at: datetime


class EntryOut(BaseModel):
    position: int
    kind: str
    held_by: str
    received_from: str
    place: str
    reason: str
    starts_at: datetime
    ends_at: datetime | None
    confirmed_by: str
    confirmed_nation: str


class ChainOut(BaseModel):
    case_id: str
    reference: str
    stage: str
    handover: LinkOut | None
    entries: list[EntryOut]
    ended: bool
    may_enter_custody: bool
    may_repatriate: bool


class StageIn(BaseModel):
    to: Literal["in_custody", "repatriated"]


def _handover(view: handovers.HandoverView) -> HandoverOut:
    return HandoverOut(
        plan_id=view.plan_id,
        case_id=view.case_id,
        point_name=view.point_name,
        window_starts_at=view.window_starts_at,
        window_ends_at=view.window_ends_at,
        state=view.state,
        sides={side: SideOut(**vars(word)) for side, word in view.sides.items()},
        my_side=view.my_side,
        may_confirm=view.may_confirm,
    )


def _chain(view: custody.ChainView) -> ChainOut:
    link = view.handover
    return ChainOut(
        case_id=view.case_id,
        reference=view.reference,
        stage=view.stage,
        handover=LinkOut(holder=link.holder, starts_at=link.starts_at) if link else None,
        entries=[EntryOut(**vars(entry)) for entry in view.entries],
        ended=view.ended,
        may_enter_custody=view.may_enter_custody,
        may_repatriate=view.may_repatriate,
    )


@router.get("/plans/{plan_id}/handover", operation_id="read_handover", responses=HANDOVER_ERRORS)
def read_handover(session: DbSession, *, plan_id: str, keyring: Officer) -> HandoverOut:
    return _handover(handovers.open_handover(session=session, keyring=keyring, plan_id=plan_id))


@router.post(
    "/plans/{plan_id}/handover", operation_id="confirm_handover", responses=HANDOVER_ERRORS
)
def confirm_handover(
    request: Request, session: DbSession, *, plan_id: str, body: HandoverWordIn, keyring: Officer
) -> HandoverOut:
    handovers.confirm(
        session=session,
        principal=keyring.principal,
        secrets=runtime_of(request).secrets,
        plan_id=plan_id,
        word=word_of(handovers.HandoverWord, body),
    )
    return _handover(handovers.open_handover(session=session, keyring=keyring, plan_id=plan_id))


@router.get("/cases/{case_id}/custody", operation_id="read_custody", responses=HANDOVER_ERRORS)
def read_custody(session: DbSession, *, case_id: str, keyring: Officer) -> ChainOut:
    return _chain(custody.open_chain(session=session, keyring=keyring, case_id=case_id))


@router.post(
    "/cases/{case_id}/custody",
    status_code=201,
    operation_id="record_custody",
    responses=HANDOVER_ERRORS,
)
def record_custody(
    request: Request, session: DbSession, *, case_id: str, body: CustodyIn, keyring: Officer
) -> ChainOut:
    custody.record(
        session=session,
        keyring=keyring,
        secrets=runtime_of(request).secrets,
        case_id=case_id,
        data=custody.CustodyData(
            kind=body.kind,
            held_by=body.held_by,
            received_from=body.received_from,
            place=body.place,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            reason=body.reason,
        ),
    )
    return _chain(custody.open_chain(session=session, keyring=keyring, case_id=case_id))


@router.post(
    "/cases/{case_id}/custody/stage", operation_id="move_by_custody", responses=HANDOVER_ERRORS
)
def move_by_custody(
    request: Request, session: DbSession, *, case_id: str, body: StageIn, keyring: Officer
) -> ChainOut:
    step = custody.enter_custody if body.to == "in_custody" else custody.repatriate
    step(session=session, keyring=keyring, secrets=runtime_of(request).secrets, case_id=case_id)
    return _chain(custody.open_chain(session=session, keyring=keyring, case_id=case_id))
