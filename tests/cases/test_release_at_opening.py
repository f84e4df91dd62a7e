"""A case opened with a release list records the basis of each nation, as adding the nation
later does: the same refusals (nothing stored), one record per nation with who and when, the
case event naming the kind; the officer's open-case form comes back with the reason and what
was typed. Both engines."""

from __future__ import annotations

import html
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from homeward.cases.models import Case, CaseConsent, CaseEvent, CaseReleaseBasis
from homeward.contact import service as contact_service
from homeward.core.runtime import Runtime
from homeward.policy import binding
from tests import helpers

IDENTITY = {"given_names": "Karim", "family_name": "Benali", "date_of_birth": "1993"}
LEGAL = {"kind": "legal_obligation", "grounds": "Synthetic: a court order from Paris."}
CONSENT = {
    "kind": "consent",
    "consent_given_on": "2026-11-02",
    "consent_how": "Synthetic: in his first letter he agrees.",
}


def _stored(runtime: Runtime) -> dict[str, int]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: what a refusal must leave as it was")
        return {
            table.__tablename__: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in (Case, CaseEvent, CaseReleaseBasis, CaseConsent)
        }


def _open(client: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return client.post(
        "/api/v1/cases", headers=headers, json={"identity": IDENTITY, "release": ["DEU"], **body}
    )


def test_opening_with_a_release_list_needs_a_basis_and_records_one_per_nation(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    before = _stored(runtime)
    refused = _open(client, fra, release=["DEU", "GBR"])
    assert refused.status_code == 400, refused.text
    assert "basis" in refused.text
    assert "DEU, GBR" in refused.text  # the same words as adding the nations later
    for basis, field in (
        ({"kind": "consent", "consent_given_on": "2026-11-02"}, "consent_how"),
        ({**CONSENT, "consent_given_on": "2999-01-01"}, "consent_given_on"),
        ({"kind": "vital_interest"}, "grounds"),
        ({"kind": "consent", "consent_id": "0" * 32}, "consent_id"),  # none can be on file yet
    ):
        answer = _open(client, fra, basis=basis)
        assert answer.status_code == 400, answer.text
        assert field in answer.text, answer.text
    assert _stored(runtime) == before

    not_released = _open(client, fra, release=[])  # no nation, no basis needed
    assert not_released.status_code == 201, not_released.text
    opened = _open(client, fra, release=["DEU", "GBR"], basis=CONSENT)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["release"] == ["DEU", "GBR"]
    rows = client.get(f"/api/v1/cases/{case['id']}/releases", headers=fra).json()
    assert sorted(row["nation"] for row in rows) == ["DEU", "GBR"]
    assert {row["kind"] for row in rows} == {"consent"}
    assert {row["decided_by"] for row in rows} == {personas["fra_officer"].officer_id}
    assert len({row["consent"]["id"] for row in rows}) == 1
    assert rows[0]["consent"]["how"] == CONSENT["consent_how"]
    (event,) = [e for e in case["timeline"] if e["kind"] == "case:open"]
    assert event["detail"]["basis"] == {"nations": ["DEU", "GBR"], "kind": "consent"}

    legal = _open(client, fra, basis=LEGAL).json()
    (row,) = client.get(f"/api/v1/cases/{legal['id']}/releases", headers=fra).json()
    assert (row["nation"], row["kind"], row["grounds"]) == ("DEU", LEGAL["kind"], LEGAL["grounds"])
    deu = helpers.api_token(client, runtime, personas["deu_officer"])
    assert client.get(f"/api/v1/cases/{legal['id']}", headers=deu).status_code == 200


def _letter(runtime: Runtime) -> str:
    with runtime.db.transaction() as session:
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        message = contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text="Synthetic: I want to come home.",
            desk_code="FRA",
            files=[],
            max_chars=1000,
            language="en",
        )
        return message.conversation_id


def test_the_open_case_form_refuses_nations_without_a_basis_and_keeps_what_was_typed(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    conversation_id = _letter(runtime)
    page = TestClient(client.app, base_url="http://127.0.0.1")
    helpers.officer_signin(page, runtime, personas["fra_officer"])
    url = f"/officer/conversations/{conversation_id}"
    shown = page.get(url).text
    assert 'name="release" value="DEU"' in shown
    assert 'name="basis_kind" value="consent"' in shown
    form = {
        "given_names": "Karim",
        "family_name": "Benali-Typed",
        "nationalities": "FRA",
        "classification": "1",
        "release": "DEU",
        "csrf": helpers.csrf_of(shown),
    }
    before = _stored(runtime)
    answer = page.post(f"{url}/case", data=form, follow_redirects=False)
    assert answer.status_code == 400, answer.text
    text = html.unescape(answer.text)
    assert "No case was opened." in text
    assert "Basis: say on what basis DEU may read the case" in text
    assert 'value="Benali-Typed"' in text
    assert 'value="DEU" checked' in text
    assert '<details class="card open-case" id="open-case" open>' in text
    no_how = page.post(
        f"{url}/case",
        data={**form, "basis_kind": "consent", "consent_given_on": "2026-11-02"},
        follow_redirects=False,
    )
    assert no_how.status_code == 400
    assert "How consent was given: say how the person gave consent" in html.unescape(no_how.text)
    assert 'value="consent" checked' in no_how.text
    assert _stored(runtime) == before

    opened = page.post(
        f"{url}/case",
        data={**form, "basis_kind": "legal_obligation", "grounds": LEGAL["grounds"]},
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    case_page = page.get(opened.headers["location"]).text
    assert "a legal obligation" in case_page
    assert LEGAL["grounds"] in html.unescape(case_page)
    page.close()
