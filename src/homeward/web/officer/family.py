"""Family in a letter: the page that opens a family member's case already linked to the
household of a case (offered first when the case's letters speak of family, reachable by hand
from the household card). One member per form; a refusal comes back with the reason and what
was typed and stores nothing; success comes back to the page, to open the next member. The
case pages' router (cases.py) serves these two routes under /officer/cases/{case_id}/family."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.cases import children
from homeward.cases import service as case_service
from homeward.cases.identity import SEXES
from homeward.contact import inbox as inbox_service
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.households import family
from homeward.households import service as households
from homeward.households.models import RELATIONSHIPS
from homeward.policy import check as policy
from homeward.policy import roles
from homeward.web.deps import DbSession, runtime_of
from homeward.web.errors import status_of
from homeward.web.officer.deps import SignedIn, render, require_csrf

Csrf = Annotated[str, Form()]
Short = Annotated[str, Form(max_length=20)]
Name = Annotated[str, Form(max_length=200)]
FIELD_WORDS = {
    "relation": "The member is this case's",
    "basis": "How it is known",
    "given_names": "Given names",
    "family_name": "Family name",
    "sex": "Sex",
    "date_of_birth": "Date of birth",
    "age_years": "Age estimate",
    "age_basis": "How the age is known",
    "nationalities": "Nationalities",
    "member": "Member",
}


def letters_mention_family(session: Session, keyring: Keyring, case_id: str) -> list[str]:
    """The family words in the contact's letters of the case's conversations this officer may
    read (an audited read, as opening the conversation is)."""
    case = case_service.get_case(
        session=session, principal=keyring.principal, case_id=case_id, permission=roles.CASE_READ
    )
    texts: list[str] = []
    for link in case.conversations:
        try:
            view = inbox_service.read(
                session=session, keyring=keyring, conversation_id=link.conversation_id
            )
        except (NotFound, Forbidden):
            continue  # routed elsewhere since, or not this officer's to read
        texts += [message.text for message in view.messages if message.direction == "contact"]
    return family.mentions(texts)


def _page(
    request: Request,
    session: Session,
    keyring: Keyring,
    case_id: str,
    *,
    status_code: int = 200,
    opened: str = "",
    refusal: str = "",
    field: str = "",
    typed: dict[str, str] | None = None,
) -> Response:
    principal = keyring.principal
    policy.require_permission(principal, roles.HOUSEHOLD_LINK)  # as the form's POST is
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    if not households.may_link(principal, case.owner_nation):
        raise NotFound("case")
    members = households.household(session=session, principal=principal, case_id=case.id)
    just_opened = next((m for m in members if m.case_id == opened), None)
    return render(
        request,
        "case_family.html",
        status_code=status_code,
        principal=principal,
        case_id=case.id,
        reference=case.reference,
        found=letters_mention_family(session, keyring, case.id),
        has_letters=bool(case.conversations),
        members=members,
        just_opened=just_opened,
        refusal=refusal,
        field=field,
        typed=typed or {"nationalities": principal.nation, "basis": "stated"},
        relations=RELATIONSHIPS,
        sexes=SEXES,
        age_bases=children.BASES,
    )


def family_page(
    request: Request,
    session: DbSession,
    case_id: str,
    keyring: SignedIn,
    opened: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    return _page(request, session, keyring, case_id, opened=opened)


def _years(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 3:
        raise BadInput("age_years", "a whole number of years, such as 7")
    return int(text)


def open_member(
    request: Request,
    session: DbSession,
    case_id: str,
    *,
    keyring: SignedIn,
    relation: Short = "",
    given_names: Name = "",
    family_name: Name = "",
    sex: Short = "",
    date_of_birth: Short = "",
    age_years: Short = "",
    age_basis: Short = "",
    nationalities: Name = "",
    basis: Short = "stated",
    csrf: Csrf = "",
) -> Response:
    """Open the member's case and link it, in one transaction; refused, nothing is stored."""
    require_csrf(request, csrf)
    runtime = runtime_of(request)
    typed = {
        "relation": relation,
        "given_names": given_names,
        "family_name": family_name,
        "sex": sex,
        "date_of_birth": date_of_birth,
        "age_years": age_years,
        "age_basis": age_basis,
        "nationalities": nationalities,
        "basis": basis,
    }
    try:
        with session.begin_nested():
            member, _link_id = family.open_member(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                case_id=case_id,
                member=family.NewMember(
                    relation=relation,
                    given_names=given_names,
                    family_name=family_name,
                    sex=sex,
                    date_of_birth=date_of_birth,
                    age_years=_years(age_years),
                    age_basis=age_basis,
                    link_basis=basis,
                    nationalities=[n for n in nationalities.replace(",", " ").split() if n],
                ),
            )
            member_id = member.id
    except BadInput as exc:
        return _page(
            request,
            session,
            keyring,
            case_id,
            status_code=status_of(exc),
            refusal=f"{FIELD_WORDS.get(exc.field, exc.field.replace('_', ' '))}: {exc.problem}",
            field=exc.field,
            typed=typed,
        )
    return RedirectResponse(f"/officer/cases/{case_id}/family?opened={member_id}", status_code=303)
