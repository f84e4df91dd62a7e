"""The officer pages for cases, driven as an officer drives them: the list with its filters,
stage counts and stale flags; a case page offering only the actions this officer may take;
opening a case from a conversation; transfers accepted and refused; CSRF refused. SQLite and
PostgreSQL; nothing mocked."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from homeward.cases import flows as case_flows
from homeward.cases import listing as case_listing
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import CaseEvent, CaseNote
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.web.app import create_app
from tests import helpers
from tests.cases.case_pages_world import (
    ROW,
    Officers,
    age,
    listed,
    move,
    open_case,
    post_form,
    reference_of,
    refused,
    stage_options,
)


@pytest.fixture
def officer(runtime: Runtime, personas: helpers.Personas) -> Iterator[Officers]:
    with Officers(runtime, personas) as made:
        yield made


def test_list_filters_counts_and_stale_cases(
    runtime: Runtime, personas: helpers.Personas, officer: Officers
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    benali = open_case(runtime, fra, "Mohamed", "Benali", labels=["priority"])
    amrani = open_case(runtime, fra, "Youssef", "Amrani")
    open_case(runtime, fra, "Karim", "Haddad")
    open_case(runtime, deu, "Jonas", "Becker")
    move(runtime, fra, amrani, "in_contact")
    age(runtime, benali, 8)  # a new case may wait 7 days
    refs = {key: reference_of(runtime, key) for key in (benali, amrani)}
    client = officer("fra_officer")

    page = client.get("/officer/cases").text
    assert len(ROW.findall(page)) == 3
    assert "Jonas" not in page  # DEU's case stays out of FRA's list
    assert re.search(r'>new <span class="n">2</span>', page)
    assert re.search(r'>in contact <span class="n">1</span>', page)
    stale_rows = re.findall(
        r'<tr class="is-stale">\s*<td><a class="ref" href="/officer/cases/(\w+)"', page
    )
    assert stale_rows == [benali]
    assert page.count('<span class="badge stale"') == 1

    assert listed(client, "?q=BENALI") == [refs[benali]]
    assert listed(client, "?q=mohamed+b%C3%A9nali") == [refs[benali]]
    assert listed(client, "?label=priority") == [refs[benali]]
    assert listed(client, "?stage=in_contact") == [refs[amrani]]
    assert listed(client, "?stale=1") == [refs[benali]]
    assert listed(client, "?nation=DEU") == []
    assert len(listed(client, f"?assignee={fra.username}")) == 3
    assert listed(client, f"?assignee={deu.username}") == []
    assert listed(client, "?sort=reference") == sorted(listed(client))
    assert listed(client, "?sort=oldest-in-stage")[0] == refs[benali]
    refused(client.get("/officer/cases?stage=teleported"), 400, "stage: unknown stage")
    refused(client.get("/officer/cases?assignee=nobody"), 400, "assignee")
    refused(client.get("/officer/cases?sort=size"), 400, "sort")

    assert '<span class="badge stale">' in client.get(f"/officer/cases/{benali}").text
    assert '<span class="badge stale">' not in client.get(f"/officer/cases/{amrani}").text
    start = client.get("/officer/").text
    assert re.search(r'Too long in their stage <span class="n">1</span>', start)
    assert f'href="/officer/cases/{benali}">{refs[benali]}</a>' in start
    assert 'href="/officer/cases?stale=1"' in start
    deu_start = officer("deu_officer").get("/officer/").text
    assert re.search(r'Too long in their stage <span class="n">0</span>', deu_start)
    assert refs[benali] not in deu_start


def test_the_list_pages_by_fifty(runtime: Runtime, personas: helpers.Personas) -> None:
    keyring = helpers.keyring(runtime, personas["fra_officer"])
    with runtime.db.transaction() as session:
        for number in range(case_listing.PAGE_SIZE + 1):
            case_flows.open_case(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                data=case_service.CaseOpen(identity=ClaimedIdentity(family_name=f"Nom{number}")),
            )
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, runtime, personas["fra_officer"])
        first = client.get("/officer/cases?sort=reference").text
        assert len(ROW.findall(first)) == 50
        assert "Page 1 of 2" in first
        assert 'href="/officer/cases?sort=reference&amp;page=2"' in first
        second = listed(client, "?sort=reference&page=2")
    assert len(second) == 1
    assert second[0] not in [reference for _id, reference in ROW.findall(first)]


def test_a_case_page_offers_only_what_this_officer_may_do(
    runtime: Runtime, personas: helpers.Personas, officer: Officers
) -> None:
    case_id = open_case(runtime, personas["fra_officer"], "Anis", "Mansouri")
    move(runtime, personas["fra_officer"], case_id, "in_contact")
    url = f"/officer/cases/{case_id}"
    desk = officer("fra_officer")

    page = desk.get(url).text
    assert "Anis MANSOURI" in page
    assert stage_options(page)[0] == "identity_verified"
    assert "cleared" not in stage_options(page)
    assert 'name="verified_by"' in page
    for form in ("stage", "notes", "labels", "protection", "transfer"):
        assert f'action="{url}/{form}"' in page
    assert re.findall(r'<nav class="main".*?</nav>', page, re.S)[0].count("<a ") == 6

    verified = post_form(
        desk,
        url,
        f"{url}/stage",
        {"stage": "identity_verified", "note": "Passport seen in Erbil.", "verified_by": ""},
    )
    refused(verified, 400, "verified_by")
    verified = post_form(
        desk,
        url,
        f"{url}/stage",
        {
            "stage": "identity_verified",
            "note": "Passport seen in Erbil.",
            "verified_by": personas["fra_supervisor"].username,
        },
    )
    assert verified.status_code == 303
    page = desk.get(url).text
    assert "Passport seen in Erbil." in page
    assert f"identity verified by {personas['fra_supervisor'].username}" in page
    assert "cleared" not in stage_options(page)  # made only by a reviewed screening decision
    assert "cleared" not in stage_options(officer("fra_supervisor").get(url).text)
    assert "The case is cleared when a supervisor of the desk" in page
    cleared = post_form(desk, url, f"{url}/stage", {"stage": "cleared", "note": "Checks done."})
    refused(cleared, 409, "only through a reviewed screening decision")
    assert "The case was not moved." in cleared.text

    reader = officer("deu_officer")
    refused(reader.get(url), 404, "case not found")
    released = post_form(
        desk,
        url,
        f"{url}/protection",
        {
            "classification": "1",
            "release": "DEU",
            "reason": "German desk helps",
            "basis_kind": "legal_obligation",
            "grounds": "Synthetic: a treaty obliges it.",
        },
    )
    assert released.status_code == 303, released.text
    page = reader.get(url).text
    assert "Anis MANSOURI" in page
    assert "REL TO DEU" in page
    assert "only the owning desk works it" in page
    assert 'method="post" action="/officer/cases/' not in page
    assert stage_options(page) == []


def test_open_a_case_from_a_conversation(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, officer: Officers
) -> None:
    helpers.contact_start(client, "fr")
    assert helpers.contact_write(client, "Mon fils veut rentrer.", lang="fr") == 303
    desk = officer("fra_officer")
    conversation_id = re.findall(
        r'href="/officer/conversations/(\w+)"', desk.get("/officer/").text
    )[0]
    page = f"/officer/conversations/{conversation_id}"
    action = f"{page}/case"
    assert f'action="{action}"' in desk.get(page).text
    form = {
        "given_names": "Mohammed",
        "family_name": "Al-Faransi",
        "aliases": "Abu Mariam al-Faransi, أبو مريم",
        "date_of_birth": "31/02/1990",
        "nationalities": "FRA",
        "labels": "family-contact",
        "classification": "1",
    }
    refused(post_form(desk, page, action, form), 400, "date_of_birth")
    assert listed(desk) == []
    opened = post_form(desk, page, action, {**form, "date_of_birth": "~1990"})
    assert opened.status_code == 303, opened.text
    case_page = desk.get(opened.headers["location"]).text
    assert "Mohammed AL-FARANSI" in case_page
    assert "أبو مريم" in case_page
    assert f'href="/officer/conversations/{conversation_id}"' in case_page
    assert "linked to 1 conversation" in case_page
    assert len(listed(desk, "?q=abu+mariam")) == 1

    other = officer("deu_officer")
    assert 'action="' + action not in other.get(page).text
    refused(post_form(other, "/officer/", action, form | {"date_of_birth": ""}), 404, "not found")
    assert listed(other) == []


def test_transfers_are_accepted_and_refused_on_their_page(
    runtime: Runtime, personas: helpers.Personas, officer: Officers
) -> None:
    fra = personas["fra_officer"]
    kept, given = (
        open_case(runtime, fra, "Elias", "Weber"),
        open_case(runtime, fra, "Omar", "Khalil"),
    )
    desk = officer("fra_officer")
    note = post_form(
        desk,
        f"/officer/cases/{given}",
        f"/officer/cases/{given}/notes",
        {"text": "Mother in Köln."},
    )
    assert note.status_code == 303
    for case_id, why in ((given, "born in Köln"), (kept, "German papers too")):
        url = f"/officer/cases/{case_id}"
        asked = post_form(
            desk,
            url,
            f"{url}/transfer",
            {"to_nation": "DEU", "reason": why, "basis_kind": "vital_interest", "grounds": why},
        )
        assert asked.status_code == 303, asked.text

    receiving = officer("deu_officer")
    assert "2 transfers waiting for this desk's answer." in receiving.get("/officer/").text
    page = receiving.get("/officer/transfers").text
    assert "born in Köln" in page
    assert reference_of(runtime, kept) in page
    accepts = re.findall(r'action="(/officer/transfers/\w+/accept)"', page)
    refuses = re.findall(r'action="(/officer/transfers/\w+/refuse)"', page)
    assert len(accepts) == len(refuses) == 2
    first_is_given = page.index("born in Köln") < page.index("German papers too")
    accept, refuse = (accepts[0], refuses[1]) if first_is_given else (accepts[1], refuses[0])

    accepted = post_form(receiving, "/officer/transfers", accept, {})
    assert accepted.headers["location"] == f"/officer/cases/{given}"
    case_page = receiving.get(f"/officer/cases/{given}").text
    assert "owned by <strong>DEU</strong>" in case_page
    assert "Mother in Köln." in case_page
    refused(desk.get(f"/officer/cases/{given}"), 404, "case not found")

    refused(post_form(receiving, "/officer/transfers", refuse, {"reason": " "}), 400, "reason")
    done = post_form(receiving, "/officer/transfers", refuse, {"reason": "No German record."})
    assert done.headers["location"] == "/officer/transfers"
    assert "No transfer is waiting" in receiving.get("/officer/transfers").text
    history = desk.get(f"/officer/cases/{kept}").text
    assert "Transfer refused" in history
    assert "No German record." in history
    refused(officer("coordinator").get("/officer/transfers"), 403, "officer:case:accept")


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    runtime: Runtime, personas: helpers.Personas, officer: Officers
) -> None:
    case_id = open_case(runtime, personas["fra_officer"], "Idris", "Nasser")
    desk = officer("fra_officer")
    url = f"/officer/cases/{case_id}"

    def counts() -> tuple[int, int]:
        with runtime.db.transaction() as session:
            binding.as_system(session, "test: count rows")
            events = session.scalar(select(func.count(CaseEvent.id)))
            notes = session.scalar(select(func.count(CaseNote.id)))
        return int(events or 0), int(notes or 0)

    before = counts()
    for action, form in (
        ("notes", {"text": "Should not be stored."}),
        ("stage", {"stage": "in_contact"}),
        ("labels", {"labels": "x"}),
        ("transfer", {"to_nation": "DEU", "reason": "x"}),
    ):
        for token in ({}, {"csrf": "0" * 64}):
            response = desk.post(f"{url}/{action}", data={**form, **token}, follow_redirects=False)
            refused(response, 400, "csrf: the form has expired")
    assert counts() == before
    assert "Should not be stored." not in desk.get(url).text
