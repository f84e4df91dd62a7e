"""The case API end to end: open from a conversation, move, note, transfer, accept."""

from __future__ import annotations

from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers


def test_case_life_over_the_api(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    helpers.contact_start(client, "fr")
    assert helpers.contact_write(client, "Je veux rentrer.", lang="fr") == 303
    api = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    fra = helpers.api_token(api, runtime, personas["fra_officer"])
    conversation_id = api.get("/api/v1/conversations", headers=fra).json()["items"][0]["id"]
    opened = api.post(
        "/api/v1/cases",
        headers=fra,
        json={
            "identity": {
                "given_names": "Mohamed",
                "family_name": "Benali",
                "date_of_birth": "1994-08",
                "nationalities": ["FRA", "DEU"],
            },
            "conversation_ids": [conversation_id],
            "labels": ["family-contact"],
        },
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["stage"] == "new"
    assert case["allowed_stages"][0] == "in_contact"
    assert case["conversation_ids"] == [conversation_id]
    case_id = case["id"]

    moved = api.post(f"/api/v1/cases/{case_id}/stage", headers=fra, json={"stage": "in_contact"})
    assert moved.status_code == 200, moved.text
    skipped = api.post(
        f"/api/v1/cases/{case_id}/stage", headers=fra, json={"stage": "repatriated", "note": "x"}
    )
    assert skipped.status_code == 409
    assert "in contact cannot be moved to repatriated" in skipped.json()["detail"]
    noted = api.post(
        f"/api/v1/cases/{case_id}/notes", headers=fra, json={"text": "Called the mother."}
    )
    assert noted.status_code == 201
    assert [note["text"] for note in noted.json()["notes"]] == ["Called the mother."]
    assert [event["kind"] for event in noted.json()["timeline"]] == [
        "case:open",
        "case:stage:change",
        "case:note:add",
    ]

    listed = api.get("/api/v1/cases", headers=fra, params={"q": "benali"}).json()
    assert listed["total"] == 1
    assert listed["items"][0]["display_name"] == "Mohamed BENALI"
    deu = helpers.api_token(api, runtime, personas["deu_officer"])
    assert api.get(f"/api/v1/cases/{case_id}", headers=deu).status_code == 404
    assert api.get("/api/v1/cases", headers=deu).json()["total"] == 0

    asked = api.post(
        f"/api/v1/cases/{case_id}/transfer",
        headers=fra,
        json={
            "to_nation": "DEU",
            "reason": "holds German nationality",
            "basis": {"kind": "legal_obligation", "grounds": "Synthetic: court order."},
        },
    )
    assert asked.status_code == 201
    waiting = api.get("/api/v1/transfers", headers=deu).json()
    assert [item["reference"] for item in waiting] == [case["reference"]]
    accepted = api.post(f"/api/v1/transfers/{waiting[0]['id']}/accept", headers=deu)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["owner_nation"] == "DEU"
    assert accepted.json()["notes"][0]["text"] == "Called the mother."
    assert api.get(f"/api/v1/cases/{case_id}", headers=fra).status_code == 404
    admin = helpers.api_token(api, runtime, personas["administrator"])
    assert api.get("/api/v1/cases", headers=admin).status_code == 403
