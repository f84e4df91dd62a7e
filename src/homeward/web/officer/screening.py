"""Screening pages: the assessment form, generated from the instrument (new: the newest version;
a draft: the version it was written against), the assessment as written, and the review form
for a supervisor of the desk who did not write it. Each action runs in a savepoint, so a
refusal comes back on the same page with the reason and what was typed, and stores nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.core.errors import BadInput
from homeward.policy import roles
from homeward.screening import service as screening
from homeward.screening.instrument import Instrument
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer.deps import SignedIn, render, require_csrf

router = APIRouter(prefix="/officer", include_in_schema=False)
Csrf = Annotated[str, Form()]
DECISIONS = (
    ("eligible", "Eligible for return"),
    ("not_eligible", "Not eligible"),
    ("refer", "Refer to the home nation's prosecutor"),
)


async def _form(request: Request) -> FormData:
    return await request.form(max_fields=400)


Fields = Annotated[FormData, Depends(_form)]


def _answers(found: Instrument, form: FormData) -> dict[str, object]:
    """The form's fields (`q_<question id>`) as answers: several values for many_of."""
    answers: dict[str, object] = {}
    for question in found.questions():
        name = f"q_{question.id}"
        if question.type == "many_of":
            answers[question.id] = [str(value) for value in form.getlist(name)]
        else:
            value = form.get(name)
            answers[question.id] = str(value) if value is not None else ""
    return answers


def _typed(form: FormData) -> dict[str, object]:
    """What was typed, to fill the form again after a refusal."""
    return {key.removeprefix("q_"): form.getlist(key) for key in form if key.startswith("q_")}


def _names(session: Session, officer_ids: set[str | None]) -> dict[str, str]:
    names = {}
    for officer_id in {found for found in officer_ids if found}:
        officer = accounts_service.get_officer(session=session, officer_id=officer_id)
        names[officer_id] = officer.username if officer else "former officer"
    return names


def _refused(exc: BadInput) -> dict[str, str]:
    return {"field": exc.field, "message": str(exc)}


@router.get("/screening/cases/{case_id}/new")
def new_form(request: Request, session: DbSession, case_id: str, keyring: SignedIn) -> Response:
    return _new_page(request, session, keyring, case_id)


def _new_page(
    request: Request,
    session: Session,
    keyring: Keyring,
    case_id: str,
    *,
    refusal: dict[str, str] | None = None,
    typed: dict[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    principal = keyring.principal
    screening.require_writer(principal)
    case = screening.case_heading(session=session, principal=principal, case_id=case_id)
    return render(
        request,
        "screening_form.html",
        status_code=status_code,
        principal=principal,
        case=case,
        instrument=screening.newest_instrument(runtime_of(request).settings),
        action=f"/officer/screening/cases/{case_id}",
        answers={},
        typed=typed,
        refusal=refusal,
    )


@router.post("/screening/cases/{case_id}")
def write(
    request: Request, session: DbSession, case_id: str, *, keyring: SignedIn, form: Fields
) -> Response:
    require_csrf(request, str(form.get("csrf") or ""))
    runtime = runtime_of(request)
    submit = form.get("action") == "submit"
    found = screening.newest_instrument(runtime.settings)
    try:
        with session.begin_nested():
            assessment = screening.create(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                case_id=case_id,
                answers=_answers(found, form),
            )
            if submit:
                screening.submit(
                    session=session,
                    keyring=keyring,
                    secrets=runtime.secrets,
                    assessment_id=assessment.id,
                )
    except BadInput as exc:
        return _new_page(
            request,
            session,
            keyring,
            case_id,
            refusal=_refused(exc),
            typed=_typed(form),
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/screening/{assessment.id}", status_code=303)


@router.get("/screening/{assessment_id}")
def assessment_page(
    request: Request, session: DbSession, assessment_id: str, keyring: SignedIn
) -> Response:
    return _page(request, session, keyring, assessment_id)


def _page(
    request: Request,
    session: Session,
    keyring: Keyring,
    assessment_id: str,
    *,
    refusal: dict[str, str] | None = None,
    typed: dict[str, object] | None = None,
    status_code: int = 200,
) -> Response:
    principal = keyring.principal
    view = screening.open_assessment(session=session, keyring=keyring, assessment_id=assessment_id)
    case = screening.case_heading(session=session, principal=principal, case_id=view.case_id)
    mine = view.author_id == principal.officer_id
    return render(
        request,
        "screening_assessment.html",
        status_code=status_code,
        principal=principal,
        case=case,
        view=view,
        instrument=view.instrument,
        names=_names(session, {view.author_id, view.reviewer_id}),
        may_edit=view.state == "draft" and mine,
        may_review=view.state == "submitted"
        and not mine
        and roles.may(principal.role, roles.SCREENING_REVIEW),
        decisions=DECISIONS,
        action=f"/officer/screening/{view.id}",
        answers=view.answers,
        typed=typed,
        refusal=refusal,
    )


def _act(
    request: Request,
    session: Session,
    keyring: Keyring,
    assessment_id: str,
    action: Callable[[], object],
    *,
    typed: dict[str, object],
) -> Response:
    try:
        with session.begin_nested():
            action()
    except BadInput as exc:
        return _page(
            request,
            session,
            keyring,
            assessment_id,
            refusal=_refused(exc),
            typed=typed,
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/officer/screening/{assessment_id}", status_code=303)


@router.post("/screening/{assessment_id}")
def change(
    request: Request, session: DbSession, assessment_id: str, *, keyring: SignedIn, form: Fields
) -> Response:
    require_csrf(request, str(form.get("csrf") or ""))
    secrets = runtime_of(request).secrets
    view = screening.open_assessment(session=session, keyring=keyring, assessment_id=assessment_id)
    answers = _answers(view.instrument, form)
    return _act(
        request,
        session,
        keyring,
        assessment_id,
        lambda: screening.update(
            session=session,
            keyring=keyring,
            secrets=secrets,
            assessment_id=assessment_id,
            answers=answers,
            submit=form.get("action") == "submit",
        ),
        typed=_typed(form),
    )


@router.post("/screening/{assessment_id}/review")
def review(
    request: Request,
    session: DbSession,
    assessment_id: str,
    *,
    keyring: SignedIn,
    decision: Annotated[str, Form(max_length=20)] = "",
    reasons: Annotated[str, Form(max_length=8000)] = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    secrets = runtime_of(request).secrets
    return _act(
        request,
        session,
        keyring,
        assessment_id,
        lambda: screening.review(
            session=session,
            keyring=keyring,
            secrets=secrets,
            assessment_id=assessment_id,
            decision=decision,
            reasons=reasons,
        ),
        typed={"decision": decision, "reasons": reasons},
    )
