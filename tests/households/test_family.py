"""Family in a letter: a case opened from a letter that speaks of family offers to open each
member's case, linked to the household in one step; an officer can always do it by hand. The
member's case is owned by the desk (its nation by default), has the case's level, a child's
age estimate when given; a refusal names the field, keeps what was typed and stores nothing;
another desk neither sees the page nor opens anything through it. Both engines."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from homeward.cases import service as case_service
from homeward.cases.models import Case
from homeward.contact import service as contact_service
from homeward.core.runtime import Runtime
from homeward.households import family
from homeward.policy import binding
from homeward.policy.roles import Role
from tests import helpers
from tests.approvals.world import add_officer
from tests.households import world


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Mon fils Walid et ma femme sont au camp.", ["fils", "ma femme"]),
        ("I am writing about my husband and our two children.", ["husband", "children"]),
        ("Meine Tochter ist krank, mein Mann auch.", ["tochter", "mein mann"]),
        ("وابني في المخيم مع زوجتي", ["ابني", "زوجتي"]),
        ("ابني كريم مع زوجته وطفلهما، والأطفال بخير", ["ابني", "زوجته", "طفلهما", "أطفال"]),
        ("هل هو هنا أم لا؟ أريد أن أعود", []),  # أم alone is "or"
        ("أمي مريضة", ["أمي"]),
        ("Je veux rentrer. I want to go home. Ich will nach Hause.", []),
        ("Familienname Sonnenberg, Kindergarten, femme de ménage", []),
    ],
)
def test_family_words_in_four_languages(text: str, found: list[str]) -> None:
    assert family.mentions([text]) == found


def _letter(runtime: Runtime, text: str, language: str = "fr") -> str:
    with runtime.db.transaction() as session:
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        message = contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text=text,
            desk_code="FRA",
            files=[],
            max_chars=1000,
            language=language,
        )
        return message.conversation_id


def _signed_in(client: TestClient, runtime: Runtime, persona: helpers.Persona) -> TestClient:
    page = TestClient(client.app, base_url="http://127.0.0.1")
    helpers.officer_signin(page, runtime, persona)
    return page


def _open_from(page: TestClient, conversation_id: str, family_name: str) -> str:
    url = f"/officer/conversations/{conversation_id}"
    opened = page.post(
        f"{url}/case",
        data={
            "given_names": "Karim",
            "family_name": family_name,
            "nationalities": "FRA",
            "csrf": helpers.csrf_of(page.get(url).text),
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    return str(opened.headers["location"])


def _kept(runtime: Runtime) -> tuple[world.Stored, int]:
    """What a refusal leaves as it was (the page's audited read of the letter aside)."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: how many cases")
        cases = session.scalar(select(func.count()).select_from(Case)) or 0
    return dataclasses.replace(world.stored(runtime), audit=0), cases


def test_a_letter_about_family_offers_to_open_each_member_s_case_linked(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = personas["fra_officer"]
    conversation_id = _letter(runtime, "Mon fils Walid (7 ans) et ma femme sont avec moi.")
    page = _signed_in(client, runtime, fra)
    location = _open_from(page, conversation_id, "Benali")
    assert location.endswith("?family=1"), location
    case_id = location.split("/")[-1].split("?")[0]
    case_page = page.get(location).text
    assert "This letter may concern family members" in case_page
    assert f'href="/officer/cases/{case_id}/family"' in case_page
    assert "This letter may concern family" not in page.get(f"/officer/cases/{case_id}").text

    url = f"/officer/cases/{case_id}/family"
    offer = html.unescape(page.get(url).text)
    assert "This letter may concern family members" in offer
    words = re.findall(r'<bdi class="family-word">([^<]+)</bdi>', offer)
    assert words == ["fils", "ma femme"]
    assert 'value="FRA"' in offer  # the member's nation defaults to the desk's
    csrf = helpers.csrf_of(offer)

    child = {
        "relation": "child",
        "given_names": "Walid",
        "family_name": "Benali",
        "sex": "M",
        "age_years": "7",
        "age_basis": "stated",
        "nationalities": "FRA",
        "basis": "stated",
        "csrf": csrf,
    }
    before = _kept(runtime)
    for wrong, field, words in (
        ({"relation": ""}, "relation", "The member is this case's: choose one of"),
        ({"date_of_birth": "2019"}, "age_years", "Age estimate: give a date of birth or"),
        ({"age_years": "19"}, "age_years", "an estimate is for a child"),
        ({"age_basis": ""}, "age_basis", "How the age is known"),
        ({"sex": "Q"}, "sex", "Sex: M, F, X"),
        ({"given_names": "", "family_name": ""}, "given_names", "give at least a given name"),
        ({"nationalities": "France"}, "nationalities", "Nationalities: ISO 3166"),
    ):
        refused = page.post(url, data={**child, **wrong}, follow_redirects=False)
        assert refused.status_code == 400, (wrong, refused.text)
        text = html.unescape(refused.text)
        assert "No case was opened." in text, wrong
        assert words in text, (wrong, text[text.find("No case was opened") :][:300])
        assert f'name="{field}"' in text
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', text), field
        assert 'value="Walid"' in text or wrong.get("given_names") == ""
    assert _kept(runtime) == before

    opened = page.post(url, data=child, follow_redirects=False)
    assert opened.status_code == 303, opened.text
    member_id = opened.headers["location"].split("opened=")[1]
    confirmation = page.get(opened.headers["location"]).text
    assert "(this case's child) and linked it to this household" in confirmation

    (member,) = world.members(runtime, fra, case_id)
    assert (member.case_id, member.relation, member.basis) == (member_id, "child", "stated")
    (back,) = world.members(runtime, fra, member_id)
    assert (back.case_id, back.relation) == (case_id, "parent")
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the member's case")
        made = session.get(Case, member_id)
        assert made is not None
        assert (made.owner_nation, made.release_list) == ("FRA", [])
        identity = case_service.identity_of(runtime.secrets, made)
        assert (identity.given_names, identity.sex, identity.nationalities) == (
            "Walid",
            "M",
            ["FRA"],
        )
    assert {"case:open", "household:link", "case:age:estimate"} <= set(
        world.event_kinds(runtime, member_id)
    )
    member_page = page.get(f"/officer/cases/{member_id}").text
    assert "A child's case" in member_page
    assert "<dt>Sex</dt><dd>male</dd>" in member_page

    # The wife, by hand from the same page: no age, documented.
    wife = {**child, "relation": "spouse", "given_names": "Samira", "sex": "F", "age_years": ""}
    wife |= {"age_basis": "", "date_of_birth": "~1995", "basis": "documented"}
    assert page.post(url, data=wife, follow_redirects=False).status_code == 303
    assert [m.relation for m in world.members(runtime, fra, case_id)] == ["child", "spouse"]
    page.close()


def test_without_family_words_the_step_is_there_by_hand_and_only_for_the_owning_desk(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    conversation_id = _letter(runtime, "Je veux rentrer en France.")
    page = _signed_in(client, runtime, personas["fra_officer"])
    location = _open_from(page, conversation_id, "Haddad")
    assert "?" not in location
    case_id = location.split("/")[-1]
    case_page = page.get(location).text
    assert "This letter may concern family members" not in case_page
    assert f'href="/officer/cases/{case_id}/family"' in case_page  # the household card's link
    shown = page.get(f"/officer/cases/{case_id}/family").text
    assert "The letter uses none of the family words we look for" in shown
    csrf = helpers.csrf_of(shown)
    page.close()

    before = _kept(runtime)
    deu = _signed_in(client, runtime, personas["deu_officer"])
    assert deu.get(f"/officer/cases/{case_id}/family").status_code == 404
    tried = deu.post(
        f"/officer/cases/{case_id}/family",
        data={
            "relation": "child",
            "given_names": "Walid",
            "csrf": helpers.csrf_of(deu.get("/officer/").text),
        },
        follow_redirects=False,
    )
    assert tried.status_code == 404
    assert _kept(runtime) == before
    deu.close()
    assert csrf


FAMILY_ROUTE = "/officer/cases/{case_id}/family"


def is_family_route(template: str) -> bool:
    """The family page's routes, covered by the rows below (tests/web/test_authorization.py
    leaves them here)."""
    return template == FAMILY_ROUTE


DENIED = (
    ("administrator", 403),
    ("auditor", 403),
    ("fra_debriefer", 403),
    ("coordinator", 403),
    ("deu_officer", 404),
    ("deu_supervisor", 404),
)
FAMILY_ROWS = {
    "GET": (*DENIED, ("fra_officer", 200), ("fra_supervisor", 200)),
    "POST": (*DENIED, ("fra_officer", 303), ("fra_supervisor", 303)),
}


def test_the_family_routes_by_role_and_nation(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    from tests.web.authorization_world import app_routes

    routes = {r for r in app_routes(client.app) if is_family_route(r[1])}  # type: ignore[arg-type]
    assert routes == {(method, FAMILY_ROUTE) for method in FAMILY_ROWS}
    personas["fra_debriefer"] = add_officer(runtime, "fra.debriefer", Role.DEBRIEFER, "FRA")
    personas["deu_supervisor"] = add_officer(runtime, "deu.supervisor", Role.SUPERVISOR, "DEU")
    anchor = world.open_case(runtime, personas["fra_officer"], release=("DEU", "IRQ"))
    url = FAMILY_ROUTE.format(case_id=anchor)
    pages = {who: _signed_in(client, runtime, personas[who]) for _m, rows in
             FAMILY_ROWS.items() for who, _status in rows}  # fmt: skip
    for who, status in FAMILY_ROWS["GET"]:
        assert pages[who].get(url).status_code == status, who
    for who, status in FAMILY_ROWS["POST"]:
        before = _kept(runtime)
        token = helpers.csrf_of(pages[who].get("/officer/").text)
        body = {"relation": "sibling", "given_names": f"Nour {who}", "csrf": token}
        answer = pages[who].post(url, data=body, follow_redirects=False)
        assert answer.status_code == status, (who, answer.status_code)
        if status >= 400:
            assert _kept(runtime) == before, who
    assert len(world.members(runtime, personas["fra_officer"], anchor)) == 2
    for page in pages.values():
        page.close()
