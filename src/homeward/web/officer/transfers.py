"""Officer pages for transfers waiting for the desk: accept, or refuse with a reason that
lands on the case's timeline. The case itself stays out of sight until it is accepted."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from homeward.cases import flows as case_flows
from homeward.cases import transfers
from homeward.web.deps import DbSession, runtime_of
from homeward.web.officer.deps import SignedIn, render, require_csrf

router = APIRouter(prefix="/officer", include_in_schema=False)
Csrf = Annotated[str, Form()]


@router.get("/transfers")
def incoming_transfers(request: Request, session: DbSession, keyring: SignedIn) -> Response:
    runtime = runtime_of(request)
    waiting = transfers.incoming(
        session=session, principal=keyring.principal, secrets=runtime.secrets
    )
    return render(request, "cases_transfers.html", principal=keyring.principal, waiting=waiting)


@router.post("/transfers/{transfer_id}/accept")
def accept_transfer(
    request: Request, session: DbSession, transfer_id: str, keyring: SignedIn, csrf: Csrf = ""
) -> Response:
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    case = case_flows.accept_transfer(
        session=session, keyring=keyring, secrets=runtime.secrets, transfer_id=transfer_id
    )
    case_id = case.id
    return RedirectResponse(f"/officer/cases/{case_id}", status_code=303)


@router.post("/transfers/{transfer_id}/refuse")
def refuse_transfer(
    request: Request,
    session: DbSession,
    transfer_id: str,
    *,
    keyring: SignedIn,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    transfers.refuse_transfer(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        transfer_id=transfer_id,
        reason=reason,
    )
    return RedirectResponse("/officer/transfers", status_code=303)
