"""A transfer carries its case's classification to the desk it is addressed to: an officer of
that desk cleared below the case's level neither sees the transfer (list, page, start page) nor
answers it, and nothing is written when they try; a colleague cleared high enough does both.
Through the real API and pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases import transfers
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.release_basis import Basis
from homeward.core.runtime import Runtime
from homeward.policy.labels import Classification
from homeward.policy.roles import Role
from tests import helpers
from tests.cases.case_pages_world import Officers, post_form, reference_of
from tests.cases.matrix_world import add_officers

SECRET, RESTRICTED = int(Classification.SECRET), int(Classification.RESTRICTED)
LOW = (Role.DESK_OFFICER, "DEU", RESTRICTED)


@dataclass(frozen=True)
class Waiting:
    """A case FRA asked DEU to take over."""

    case_id: str
    transfer_id: str
    reference: str
    reason: str


@pytest.fixture
def desks(runtime: Runtime) -> helpers.Personas:
    """FRA's keyholder, and two DEU desk officers: one SECRET, one RESTRICTED."""
    made = add_officers(runtime, {LOW})
    return {
        "fra": made[(Role.DESK_OFFICER, "FRA", SECRET)],
        "deu_secret": made[(Role.DESK_OFFICER, "DEU", SECRET)],
        "deu_restricted": made[LOW],
    }


@pytest.fixture
def officer(runtime: Runtime, desks: helpers.Personas) -> Iterator[Officers]:
    with Officers(runtime, desks) as made:
        yield made


def ask(runtime: Runtime, fra: helpers.Persona, family: str, level: int, reason: str) -> Waiting:
    """FRA opens a case at `level` and asks DEU to take it over."""
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        case = case_flows.open_case(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(given_names="Karim", family_name=family),
                classification=level,
            ),
        )
        transfer = transfers.request_transfer(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            case_id=case.id,
            to_nation="DEU",
            reason=reason,
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )
        case_id, transfer_id = case.id, transfer.id
    return Waiting(case_id, transfer_id, reference_of(runtime, case_id), reason)


def footprint(runtime: Runtime, case_id: str) -> tuple[object, ...]:
    """What an answer to a transfer would change: the case's events, owner, note wraps and
    the transfer's status."""
    with runtime.db.engine.connect() as connection:
        return tuple(
            connection.execute(text(sql), {"case": case_id}).all()
            for sql in (
                "SELECT count(*) FROM case_event WHERE case_id = :case",
                "SELECT owner_nation, classification FROM case_file WHERE id = :case",
                "SELECT status, decided_by FROM case_transfer WHERE case_id = :case",
                "SELECT count(*) FROM audit_event",
            )
        )


def test_an_officer_below_the_case_level_neither_sees_nor_answers_its_transfer(
    runtime: Runtime, client: TestClient, desks: helpers.Personas
) -> None:
    fra = desks["fra"]
    low = ask(runtime, fra, "Lowlevel", RESTRICTED, "Synthetic: born in Köln.")
    accepted = ask(runtime, fra, "Secretone", SECRET, "Synthetic: German papers, Bonn.")
    declined = ask(runtime, fra, "Secrettwo", SECRET, "Synthetic: mother in Hamburg.")
    restricted = helpers.api_token(client, runtime, desks["deu_restricted"])
    cleared = helpers.api_token(client, runtime, desks["deu_secret"])

    listing = client.get("/api/v1/transfers", headers=restricted)
    assert listing.status_code == 200, listing.text
    assert [item["id"] for item in listing.json()] == [low.transfer_id]
    for hidden in (accepted, declined):
        assert hidden.reference not in listing.text
        assert hidden.reason not in listing.text

    before = {hidden.case_id: footprint(runtime, hidden.case_id) for hidden in (accepted, declined)}
    for hidden in (accepted, declined):
        base = f"/api/v1/transfers/{hidden.transfer_id}"
        refusal = client.post(f"{base}/refuse", headers=restricted, json={"reason": "Not ours."})
        assert refusal.status_code == 404, refusal.text
        assert refusal.json()["detail"] == "transfer not found"
        acceptance = client.post(f"{base}/accept", headers=restricted)
        assert acceptance.status_code == 404, acceptance.text
        assert acceptance.json()["detail"] == "transfer not found"
        assert hidden.reference not in refusal.text + acceptance.text
    after = {hidden.case_id: footprint(runtime, hidden.case_id) for hidden in (accepted, declined)}
    assert after == before, "a refused attempt wrote something"

    listing = client.get("/api/v1/transfers", headers=cleared).json()
    assert {item["id"] for item in listing} == {
        low.transfer_id,
        accepted.transfer_id,
        declined.transfer_id,
    }
    assert {item["reference"] for item in listing} >= {accepted.reference, declined.reference}
    refusal = client.post(
        f"/api/v1/transfers/{declined.transfer_id}/refuse",
        headers=cleared,
        json={"reason": "Synthetic: no German record."},
    )
    assert refusal.status_code == 204, refusal.text
    taken = client.post(f"/api/v1/transfers/{accepted.transfer_id}/accept", headers=cleared)
    assert taken.status_code == 200, taken.text
    assert (taken.json()["owner_nation"], taken.json()["classification"]) == ("DEU", SECRET)
    assert taken.json()["timeline"][-1]["kind"] == "case:transfer:accept"
    assert footprint(runtime, declined.case_id)[2] == [("refused", desks["deu_secret"].officer_id)]

    # Decided transfers stay out of reach too: 404 before 409, so the answer tells nothing.
    late = client.post(f"/api/v1/transfers/{declined.transfer_id}/accept", headers=restricted)
    assert late.status_code == 404, late.text
    again = client.post(f"/api/v1/transfers/{declined.transfer_id}/accept", headers=cleared)
    assert again.status_code == 409, again.text


def test_the_transfers_page_shows_and_answers_only_what_the_officer_is_cleared_for(
    runtime: Runtime, desks: helpers.Personas, officer: Officers
) -> None:
    fra = desks["fra"]
    low = ask(runtime, fra, "Lowpage", RESTRICTED, "Synthetic: born in Köln.")
    hidden = ask(runtime, fra, "Secretpage", SECRET, "Synthetic: German papers, Bonn.")

    restricted = officer("deu_restricted")
    page = restricted.get("/officer/transfers")
    assert page.status_code == 200, page.text
    assert low.reference in page.text
    assert low.reason in page.text
    assert hidden.reference not in page.text
    assert hidden.reason not in page.text
    assert hidden.transfer_id not in page.text
    assert "1 transfer waiting for this desk's answer." in restricted.get("/officer/").text

    before = footprint(runtime, hidden.case_id)
    for action, form in (("refuse", {"reason": "Not ours."}), ("accept", {})):
        url = f"/officer/transfers/{hidden.transfer_id}/{action}"
        answer = post_form(restricted, "/officer/transfers", url, form)
        assert answer.status_code == 404, answer.text
        assert hidden.reference not in answer.text
    assert footprint(runtime, hidden.case_id) == before

    cleared = officer("deu_secret")
    page = cleared.get("/officer/transfers")
    assert hidden.reference in page.text
    assert hidden.reason in page.text
    assert "2 transfers waiting for this desk's answer." in cleared.get("/officer/").text
    refuse = re.findall(r'action="(/officer/transfers/\w+/refuse)"', page.text)
    assert f"/officer/transfers/{hidden.transfer_id}/refuse" in refuse
    done = post_form(
        cleared,
        "/officer/transfers",
        f"/officer/transfers/{hidden.transfer_id}/refuse",
        {"reason": "Synthetic: no German record."},
    )
    assert done.status_code == 303, done.text
    assert footprint(runtime, hidden.case_id)[2] == [("refused", desks["deu_secret"].officer_id)]


def test_a_pending_transfer_follows_its_case_classification(
    runtime: Runtime, client: TestClient, desks: helpers.Personas
) -> None:
    """Labels are read from the case when asked, not copied at the request: raising the case
    while its transfer waits takes the transfer out of the RESTRICTED officer's reach."""
    waiting = ask(runtime, desks["fra"], "Raised", RESTRICTED, "Synthetic: dual national.")
    restricted = helpers.api_token(client, runtime, desks["deu_restricted"])
    listed = client.get("/api/v1/transfers", headers=restricted).json()
    assert [item["id"] for item in listed] == [waiting.transfer_id]

    with runtime.db.transaction() as session:
        case_flows.set_protection(
            session=session,
            principal=helpers.keyring(runtime, desks["fra"]).principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=waiting.case_id,
            classification=SECRET,
            release=[],
            reason="Synthetic: a source came forward.",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )
    assert client.get("/api/v1/transfers", headers=restricted).json() == []
    refusal = client.post(
        f"/api/v1/transfers/{waiting.transfer_id}/refuse",
        headers=restricted,
        json={"reason": "Not ours."},
    )
    assert refusal.status_code == 404, refusal.text
