"""The household card's forms: link a family member's case by its reference, remove a link
with a reason, record a child's best-interests assessment (and open one). Each action runs in a
savepoint, so a refusal comes back with the reason and what was typed, and stores nothing;
success goes back to the case page's card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.cases import service as case_service
from homeward.core.errors import BadInput
from homeward.households import best_interests
from homeward.households import service as households
from homeward.policy import roles
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer.deps import SignedIn, render, require_csrf

router = APIRouter(prefix="/officer", include_in_schema=False)
Csrf = Annotated[str, Form()]
Short = Annotated[str, Form(max_length=20)]
FIELD_WORDS = {
    "member": "Reference of the member's case",
    "relation": "The member is this case's",
    "basis": "How it is known",
    "reason": "Why the link is wrong",
    "outcome": "Outcome",
    "case": "Case",
}


def _act(
    request: Request,
    session: Session,
    keyring: Keyring,
    case_id: str,
    action: Callable[[], object],
    *,
    typed: dict[str, str],
    link_id: str = "",
    form: str = "",
) -> Response:
    try:
        with session.begin_nested():
            action()
    except BadInput as exc:
        case = case_service.get_case(
            session=session,
            principal=keyring.principal,
            case_id=case_id,
            permission=roles.CASE_READ,
        )
        return render(
            request,
            "household_refused.html",
            status_code=status_of(exc),
            principal=keyring.principal,
            reference=case.reference,
            case_id=case_id,
            link_id=link_id,
            action=form or ("unlink" if link_id else "link"),
            refusal=f"{FIELD_WORDS.get(exc.field, exc.field)}: {exc.problem}",
            field=exc.field,
            typed=typed,
        )
    return RedirectResponse(f"/officer/cases/{case_id}#household", status_code=303)


@router.post("/cases/{case_id}/household")
def link(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    member_reference: Short = "",
    relation: Short = "",
    basis: Short = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    secrets = runtime_of(request).secrets
    return _act(
        request,
        session,
        keyring,
        case_id,
        lambda: households.link(
            session=session,
            principal=keyring.principal,
            secrets=secrets,
            case_id=case_id,
            member_reference=member_reference,
            relation=relation,
            basis=basis,
        ),
        typed={"member_reference": member_reference, "relation": relation, "basis": basis},
    )


@router.post("/cases/{case_id}/household/{link_id}/unlink")
def unlink(
    request: Request,
    session: DbSession,
    case_id: str,
    link_id: str,
    *,
    keyring: SignedIn,
    reason: Annotated[str, Form(max_length=2000)] = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    secrets = runtime_of(request).secrets
    return _act(
        request,
        session,
        keyring,
        case_id,
        lambda: households.unlink(
            session=session,
            principal=keyring.principal,
            secrets=secrets,
            case_id=case_id,
            link_id=link_id,
            reason=reason,
        ),
        typed={"reason": reason},
        link_id=link_id,
    )


@router.post("/cases/{case_id}/household/best-interests")
def record_best_interests(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    outcome: Annotated[str, Form(max_length=best_interests.OUTCOME_MAX_CHARS)] = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    secrets = runtime_of(request).secrets
    return _act(
        request,
        session,
        keyring,
        case_id,
        lambda: best_interests.record(
            session=session, keyring=keyring, secrets=secrets, case_id=case_id, outcome=outcome
        ),
        typed={"outcome": outcome},
        form="assess",
    )


@router.get("/cases/{case_id}/household/best-interests/{best_interests_id}")
def best_interests_page(
    request: Request, session: DbSession, case_id: str, best_interests_id: str, keyring: SignedIn
) -> Response:
    """The sealed outcome, opened for the owning desk (the read is audited)."""
    opened = best_interests.open_outcome(
        session=session, keyring=keyring, case_id=case_id, assessment_id=best_interests_id
    )
    case = case_service.get_case(
        session=session, principal=keyring.principal, case_id=case_id, permission=roles.CASE_READ
    )
    author = accounts_service.get_officer(session=session, officer_id=opened.author_id)
    return render(
        request,
        "best_interests.html",
        principal=keyring.principal,
        reference=case.reference,
        case_id=case_id,
        opened=opened,
        author=author.username if author else "former officer",
    )
