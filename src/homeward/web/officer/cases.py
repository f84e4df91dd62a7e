"""Officer pages for cases: the list with its filters, stage counts and CSV export; one case
with only the actions this officer may take; opening a case from a conversation (transfers
waiting for the desk are in transfers.py). Every form carries the CSRF token, as on the
other officer pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.approvals import service as approvals_service
from homeward.cases import consent as case_consent
from homeward.cases import flows as case_flows
from homeward.cases import listing as case_listing
from homeward.cases import release_basis, transfers, transitions, views
from homeward.cases import service as case_service
from homeward.cases.exceptions import (
    TransferConflict,
    TransitionForbidden,
    TransitionNotAllowed,
)
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.schemas import CaseFilter
from homeward.cases.states import EXITS, FINAL, PATH
from homeward.core.errors import BadInput, HomewardError
from homeward.debrief import service as debrief
from homeward.households import service as households
from homeward.passage import flows as passage_flows
from homeward.policy import roles
from homeward.policy.labels import Classification
from homeward.screening import service as screening
from homeward.web.case_csv import csv_response
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer import family as family_pages
from homeward.web.officer import inbox as inbox_pages
from homeward.web.officer.case_timeline import describe, officer_ids
from homeward.web.officer.deps import SignedIn, render, require_csrf

router = APIRouter(prefix="/officer", include_in_schema=False)
router.add_api_route("/cases/{case_id}/family", family_pages.family_page, methods=["GET"])
router.add_api_route("/cases/{case_id}/family", family_pages.open_member, methods=["POST"])

SORT_LABELS = {
    "updated": "Last change",
    "oldest-in-stage": "Longest in stage",
    "reference": "Reference",
    "stage": "Stage",
}
Csrf = Annotated[str, Form()]
Line = Annotated[str, Form(max_length=200)]
Text = Annotated[str, Form(max_length=20_000)]


def _split(text: str) -> list[str]:
    """Form fields that hold lists are comma separated."""
    return [part.strip() for part in text.split(",") if part.strip()]


class Filters(CaseFilter):
    """The list's filters as the officer typed them (the assignee by username); links keep
    them while changing one."""

    def params(self, **changes: object) -> dict[str, str]:
        values = {**self.model_dump(), **changes}
        return {
            name: "1" if value is True else str(value)
            for name, value in values.items()
            if value not in ("", False, None) and not (name == "sort" and value == "updated")
        }

    def link(self, path: str = "/officer/cases", **changes: object) -> str:
        query = urlencode(self.params(**changes))
        return f"{path}?{query}" if query else path

    def query(self, session: Session, page: int = 1) -> case_listing.CaseQuery:
        """The service's query, the assignee's username turned into the officer's id."""
        filters: CaseFilter = self
        if self.assignee:
            officer = accounts_service.find_officer(session=session, username=self.assignee)
            if officer is None:
                raise BadInput("assignee", f"no officer is called {self.assignee!r}")
            filters = self.model_copy(update={"assignee": officer.id})
        return case_listing.CaseQuery.of(filters, page)


ListFilters = Annotated[Filters, Query()]
"""Read the same way by the list and its export (the fields are `CaseFilter`'s)."""


@router.get("/cases")
def case_list(
    request: Request,
    session: DbSession,
    keyring: SignedIn,
    filters: ListFilters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    runtime = runtime_of(request)
    principal = keyring.principal
    found = case_listing.list_cases(
        session=session,
        principal=principal,
        secrets=runtime.secrets,
        settings=runtime.settings,
        query=filters.query(session, page),
    )
    nations = [desk.code for desk in accounts_service.list_desks(session=session)]
    everything = sum(found.counts.values())
    chips = [("All", everything, filters.link(stage=""), not filters.stage)]
    for stage in (*PATH, *EXITS):
        count = found.counts.get(stage.value, 0)
        if stage in PATH or count:
            label = stage.value.replace("_", " ")
            chips.append((label, count, filters.link(stage=stage.value), filters.stage == stage))
    return render(
        request,
        "cases.html",
        principal=principal,
        found=found,
        filters=filters,
        chips=chips,
        pages=max(1, -(-found.total // case_listing.PAGE_SIZE)),
        nations=nations,
        stages=[stage.value for stage in (*PATH, *EXITS)],
        sorts=SORT_LABELS,
        levels={int(level): level.name for level in Classification},
        may_export=roles.may(principal.role, roles.CASE_EXPORT),
        missed={row.case_id for row in passage_flows.missed(session=session, principal=principal)},
        disputed={
            row.case_id for row in passage_flows.disputed(session=session, principal=principal)
        },
    )


@router.get("/cases/export.csv")
def case_export(
    request: Request, session: DbSession, keyring: SignedIn, filters: ListFilters
) -> Response:
    """Declared before /cases/{case_id}, which would otherwise take `export.csv` for an id."""
    runtime = runtime_of(request)
    export = case_listing.export_cases(
        session=session,
        principal=keyring.principal,
        secrets=runtime.secrets,
        settings=runtime.settings,
        query=filters.query(session),
    )
    return csv_response(export, keyring.principal.nation)


@dataclass(frozen=True)
class Refusal:
    """A stage move the service refused, for the case page: the reason in words, the field at
    fault, and what the officer typed, so nothing is lost."""

    message: str
    field: str
    typed: dict[str, str]


FIELD_WORDS = {
    "basis": "Basis",
    "consent_given_on": "Consent given on",
    "consent_how": "How consent was given",
    "grounds": "Grounds",
    "how": "How it was withdrawn",
    "note": "Why",
    "verified_by": "Verified by",
    "confirm": "Confirmation",
    "stage": "Stage",
}


def _refusal(exc: HomewardError, typed: dict[str, str]) -> Refusal:
    if isinstance(exc, BadInput):
        words = FIELD_WORDS.get(exc.field, exc.field.replace("_", " "))
        return Refusal(f"{words}: {exc.problem}", exc.field, typed)
    return Refusal(str(exc), "", typed)


def _case_response(
    request: Request,
    session: Session,
    keyring: Keyring,
    case_id: str,
    *,
    status_code: int = 200,
    refusal: Refusal | None = None,
    release_refusal: Refusal | None = None,
) -> Response:
    runtime = runtime_of(request)
    principal = keyring.principal
    shown = views.case_page(
        session=session,
        keyring=keyring,
        secrets=runtime.secrets,
        settings=runtime.settings,
        case_id=case_id,
    )
    view = shown.view
    assessments = screening.for_case_page(
        session=session, principal=principal, case_id=view.id, owner_nation=view.owner_nation
    )
    releases = case_consent.card(
        session=session,
        keyring=keyring,
        case=case_service.get_case(
            session=session, principal=principal, case_id=view.id, permission=roles.CASE_READ
        ),
    )
    names = {}
    for officer_id in (
        officer_ids(view)
        | {a.author_id for a in assessments or []}
        | (_release_officers(releases) if releases else set())
    ):
        officer = accounts_service.get_officer(session=session, officer_id=officer_id)
        names[officer_id] = officer.username if officer else "former officer"
    desks = accounts_service.list_desks(session=session)
    owner = view.owner_nation == principal.nation
    return render(
        request,
        "case.html",
        status_code=status_code,
        principal=principal,
        view=view,
        guide=shown.guide,
        refusal=refusal,
        typed=refusal.typed if refusal else {},
        final_exits=[stage.value for stage in FINAL],
        names=names,
        timeline=[describe(event, names) for event in reversed(view.timeline)],
        levels={int(level): level.name for level in Classification},
        may_note=owner and roles.may(principal.role, roles.CASE_NOTE),
        may_edit=owner and roles.may(principal.role, roles.CASE_EDIT),
        may_transfer=owner and roles.may(principal.role, roles.CASE_TRANSFER),
        plans=passage_flows.case_plans(
            session=session,
            principal=principal,
            case_id=view.id,
            owner_nation=view.owner_nation,
            stage=view.stage,
        ),
        may_plan=owner and view.stage == "cleared" and roles.may(principal.role, roles.PLAN_WRITE),
        assessments=assessments,
        approvals=approvals_service.for_case_page(
            session=session, keyring=keyring, case_id=view.id, owner_nation=view.owner_nation
        ),
        releases=releases,
        release_refusal=release_refusal,
        basis_kinds=release_basis.KINDS,
        family_offer=request.query_params.get("family") == "1"
        and households.may_link(principal, view.owner_nation),
        may_screen=owner and roles.may(principal.role, roles.SCREENING_WRITE),
        debriefs=debrief.reports(
            session=session, secrets=runtime.secrets, principal=principal, case_id=view.id
        )
        if roles.may(principal.role, roles.DEBRIEF_READ)
        else None,
        may_debrief=owner and roles.may(principal.role, roles.DEBRIEF_WRITE),
        household=households.card(
            session=session, principal=principal, secrets=runtime.secrets, case_id=view.id
        ),
        release_choices=[desk.code for desk in desks if desk.code != view.owner_nation],
        transfer_choices=[
            desk.code
            for desk in desks
            if not desk.is_coordination and desk.code != view.owner_nation
        ],
        settable_levels=[
            level
            for level in Classification
            if runtime.settings.case_min_classification <= level <= principal.clearance
        ],
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, session: DbSession, case_id: str, keyring: SignedIn) -> Response:
    return _case_response(request, session, keyring, case_id)


def _back(case_id: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/officer/cases/{case_id}{anchor}", status_code=303)


BasisField = Annotated[str, Form(max_length=2000)]


def _require_a_name(given_names: str, family_name: str, aliases: str) -> None:
    if not (given_names.strip() or family_name.strip() or aliases.strip()):
        raise BadInput("family_name", "give at least one name or alias")


@router.post("/conversations/{conversation_id}/case")
def open_from_conversation(
    request: Request,
    session: DbSession,
    conversation_id: str,
    *,
    keyring: SignedIn,
    given_names: Line = "",
    family_name: Line = "",
    aliases: Annotated[str, Form(max_length=4000)] = "",
    date_of_birth: Annotated[str, Form(max_length=10)] = "",
    place_of_birth: Line = "",
    nationalities: Line = "",
    labels: Line = "",
    classification: Annotated[int, Form(ge=0, le=3)] = int(Classification.RESTRICTED),
    release: Annotated[list[str] | None, Form(max_length=10)] = None,
    basis_kind: Annotated[str, Form(max_length=20)] = "",
    consent_given_on: Annotated[str, Form(max_length=10)] = "",
    consent_how: BasisField = "",
    grounds: BasisField = "",
    anyway: Annotated[str, Form(max_length=3)] = "",
    csrf: Csrf = "",
) -> Response:
    """A second case from the same conversation, or for a person "who might this be" finds a
    case for already, is opened only after the existing cases were shown and the officer
    answered "open anyway". A nation on the release list needs its basis, as when it is added
    later; refused, the conversation comes back with the form as it was typed."""
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    typed = {
        "given_names": given_names,
        "family_name": family_name,
        "aliases": aliases,
        "date_of_birth": date_of_birth,
        "place_of_birth": place_of_birth,
        "nationalities": nationalities,
        "labels": labels,
        "classification": str(classification),
        "release": ",".join(release or []),
        "basis_kind": basis_kind,
        "consent_given_on": consent_given_on,
        "consent_how": consent_how,
        "grounds": grounds,
    }
    identity = ClaimedIdentity(
        given_names=given_names,
        family_name=family_name,
        aliases=_split(aliases),
        date_of_birth=date_of_birth,
        place_of_birth=place_of_birth,
        nationalities=_split(nationalities),
    )
    try:
        with session.begin_nested():
            _require_a_name(given_names, family_name, aliases)
            existing = (
                []
                if anyway == "yes"
                else case_flows.existing_cases(
                    session=session,
                    secrets=runtime.secrets,
                    principal=keyring.principal,
                    conversation_id=conversation_id,
                    identity=identity,
                )
            )
            if existing:
                return render(
                    request,
                    "case_duplicate.html",
                    status_code=409,
                    principal=keyring.principal,
                    conversation_id=conversation_id,
                    existing=existing,
                    typed=typed,
                )
            case = case_flows.open_case(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                data=case_service.CaseOpen(
                    identity=identity,
                    conversation_ids=[conversation_id],
                    labels=_split(labels),
                    classification=classification,
                    release=release or [],
                    basis=_basis(basis_kind, "", consent_given_on, consent_how, grounds),
                ),
            )
            case_id = case.id
            found = family_pages.letters_mention_family(session, keyring, case_id)
    except BadInput as exc:
        return inbox_pages.conversation_page(
            request,
            session,
            keyring,
            conversation_id,
            status_code=status_of(exc),
            open_refusal=_refusal(exc, typed),
        )
    # The letter speaks of family: the case page offers to open each member's case.
    return _back(case_id, "?family=1" if found else "")


def _require_confirmation(stage: str, confirm: str) -> None:
    """An exit is never one click away: the page asks for a ticked box besides the reason."""
    if stage in {exit_stage.value for exit_stage in EXITS} and confirm != "yes":
        raise BadInput("confirm", "tick the box to confirm that the case leaves its path")


@router.post("/cases/{case_id}/stage")
def move(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    stage: Annotated[str, Form(max_length=30)] = "",
    note: Text = "",
    verified_by: Annotated[str, Form(max_length=64)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
    csrf: Csrf = "",
) -> Response:
    """A refused move comes back as the case page with the reason in words and the form as
    it was typed; nothing changed (the service checks everything before it writes)."""
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    typed = {"stage": stage, "note": note, "verified_by": verified_by}
    try:
        _require_confirmation(stage, confirm)
        transitions.transition(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            case_id=case_id,
            to_stage=stage,
            note=note,
            verified_by=verified_by,
        )
    except (BadInput, TransitionNotAllowed, TransitionForbidden) as exc:
        refusal = _refusal(exc, typed)
        return _case_response(
            request, session, keyring, case_id, status_code=status_of(exc), refusal=refusal
        )
    return _back(case_id)


@router.post("/cases/{case_id}/notes")
def add_note(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    text: Text = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    transitions.add_note(
        session=session, keyring=keyring, secrets=runtime.secrets, case_id=case_id, text=text
    )
    return _back(case_id, "#notes")


@router.post("/cases/{case_id}/labels")
def change_labels(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    labels: Annotated[str, Form(max_length=1000)] = "",
    assignees: Annotated[str, Form(max_length=1500)] = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    assignee_ids = []
    for username in _split(assignees):
        officer = accounts_service.find_officer(session=session, username=username)
        if officer is None:
            raise BadInput("assignees", f"no officer is called {username!r}")
        assignee_ids.append(officer.id)
    case_service.set_labels_and_assignees(
        session=session,
        principal=keyring.principal,
        secrets=runtime.secrets,
        case_id=case_id,
        labels=_split(labels),
        assignee_ids=assignee_ids,
    )
    return _back(case_id)


def _release_officers(card: case_consent.ReleaseCard) -> set[str]:
    found: set[str] = set()
    for basis in card.bases:
        found |= {basis.decided_by, basis.closed_by or basis.decided_by}
        if basis.consent is not None:
            found |= {basis.consent.recorded_by, basis.consent.withdrawn_by or basis.decided_by}
    return found


def _basis(
    kind: str, consent_id: str, given_on: str, how: str, grounds: str
) -> release_basis.Basis | None:
    """The basis as the form gave it; None when no kind was chosen (the service says whether
    one was needed)."""
    if not kind:
        return None
    day = None
    if kind == release_basis.CONSENT and not consent_id and given_on.strip():
        try:
            day = date.fromisoformat(given_on.strip())
        except ValueError:
            raise BadInput("consent_given_on", "a date such as 2026-11-30") from None
    return release_basis.Basis(
        kind=kind, given_on=day, how=how, consent_id=consent_id, grounds=grounds
    )


def _release_action(
    request: Request,
    session: Session,
    keyring: Keyring,
    case_id: str,
    *,
    action: Callable[[], object],
    typed: dict[str, str],
) -> Response:
    """One release step in a savepoint: a refusal undoes only what it wrote and the case page
    comes back with the reason beside the form, as it was typed."""
    try:
        with session.begin_nested():
            action()
    except (BadInput, TransferConflict) as exc:
        return _case_response(
            request,
            session,
            keyring,
            case_id,
            status_code=status_of(exc),
            release_refusal=_refusal(exc, typed),
        )
    return _back(case_id, "#releases")


@router.post("/cases/{case_id}/protection")
def change_protection(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    classification: Annotated[int, Form(ge=0, le=3)],
    release: Annotated[list[str] | None, Form(max_length=10)] = None,
    reason: Annotated[str, Form(max_length=2000)] = "",
    basis_kind: Annotated[str, Form(max_length=20)] = "",
    consent_id: Annotated[str, Form(max_length=32)] = "",
    consent_given_on: Annotated[str, Form(max_length=10)] = "",
    consent_how: BasisField = "",
    grounds: BasisField = "",
    csrf: Csrf = "",
) -> Response:
    """Each nation newly released needs a basis; refused, the page keeps what was typed."""
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    typed = {
        "form": "protection",
        "classification": str(classification),
        "release": ",".join(release or []),
        "reason": reason,
        "basis_kind": basis_kind,
        "consent_id": consent_id,
        "consent_given_on": consent_given_on,
        "consent_how": consent_how,
        "grounds": grounds,
    }
    return _release_action(
        request,
        session,
        keyring,
        case_id,
        action=lambda: case_flows.set_protection(
            session=session,
            principal=keyring.principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            classification=classification,
            release=release or [],
            reason=reason,
            basis=_basis(basis_kind, consent_id, consent_given_on, consent_how, grounds),
        ),
        typed=typed,
    )


@router.post("/cases/{case_id}/transfer")
def request_transfer(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    to_nation: Annotated[str, Form(max_length=3)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    basis_kind: Annotated[str, Form(max_length=20)] = "",
    consent_id: Annotated[str, Form(max_length=32)] = "",
    consent_given_on: Annotated[str, Form(max_length=10)] = "",
    consent_how: BasisField = "",
    grounds: BasisField = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    typed = {
        "form": "transfer",
        "to_nation": to_nation,
        "reason": reason,
        "basis_kind": basis_kind,
        "consent_id": consent_id,
        "consent_given_on": consent_given_on,
        "consent_how": consent_how,
        "grounds": grounds,
    }
    return _release_action(
        request,
        session,
        keyring,
        case_id,
        action=lambda: transfers.request_transfer(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            case_id=case_id,
            to_nation=to_nation,
            reason=reason,
            basis=_basis(basis_kind, consent_id, consent_given_on, consent_how, grounds),
        ),
        typed=typed,
    )


@router.post("/cases/{case_id}/consents/{consent_id}/withdraw")
def withdraw_consent(
    request: Request,
    session: DbSession,
    case_id: str,
    consent_id: str,
    *,
    keyring: SignedIn,
    how: BasisField = "",
    csrf: Csrf = "",
) -> Response:
    """The releases that rested on the consent are flagged for a supervisor's review."""
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    typed = {"form": f"withdraw-{consent_id}", "how": how}
    return _release_action(
        request,
        session,
        keyring,
        case_id,
        action=lambda: case_consent.withdraw(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            case_id=case_id,
            consent_id=consent_id,
            how=how,
        ),
        typed=typed,
    )


@router.post("/cases/{case_id}/releases/{basis_id}/review")
def review_release(
    request: Request,
    session: DbSession,
    case_id: str,
    basis_id: str,
    *,
    keyring: SignedIn,
    decision: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    basis_kind: Annotated[str, Form(max_length=20)] = "",
    consent_id: Annotated[str, Form(max_length=32)] = "",
    consent_given_on: Annotated[str, Form(max_length=10)] = "",
    consent_how: BasisField = "",
    grounds: BasisField = "",
    csrf: Csrf = "",
) -> Response:
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    typed = {
        "form": f"review-{basis_id}",
        "decision": decision,
        "reason": reason,
        "basis_kind": basis_kind,
        "consent_id": consent_id,
        "consent_given_on": consent_given_on,
        "consent_how": consent_how,
        "grounds": grounds,
    }
    return _release_action(
        request,
        session,
        keyring,
        case_id,
        action=lambda: case_consent.review(
            session=session,
            principal=keyring.principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            basis_id=basis_id,
            decision=decision,
            reason=reason,
            basis=_basis(basis_kind, consent_id, consent_given_on, consent_how, grounds),
        ),
        typed=typed,
    )
