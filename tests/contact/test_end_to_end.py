"""The issue's story over HTTP: a contact writes to FRA, FRA reads and answers, the contact
reads the answer; DEU and the administrator see nothing of it, neither listed nor by id."""

from __future__ import annotations

from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers


def test_contact_to_fra_and_back(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    codename = helpers.contact_start(client, "fr")
    assert helpers.contact_write(client, "Bonjour, je veux rentrer.", lang="fr") == 303

    officers = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    fra = helpers.api_token(officers, runtime, personas["fra_officer"])
    listed = officers.get("/api/v1/conversations", headers=fra).json()
    assert listed["total"] == 1
    conversation_id = listed["items"][0]["id"]
    opened = officers.get(f"/api/v1/conversations/{conversation_id}", headers=fra).json()
    assert opened["messages"][0]["text"] == "Bonjour, je veux rentrer."

    for other in ("deu_officer", "administrator"):
        headers = helpers.api_token(officers, runtime, personas[other])
        listing = officers.get("/api/v1/conversations", headers=headers)
        by_id = officers.get(f"/api/v1/conversations/{conversation_id}", headers=headers)
        if other == "administrator":
            assert listing.status_code == 403
            assert by_id.status_code == 403
        else:
            assert listing.json()["total"] == 0
            assert by_id.status_code == 404

    answer = officers.post(
        f"/api/v1/conversations/{conversation_id}/replies",
        headers=fra,
        json={"text": "Merci. Nous allons vous aider."},
    )
    assert answer.status_code == 201

    returning = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    landing = returning.get("/fr")
    signed_in = returning.post(
        "/fr/signin", data={"codename": codename, "csrf": helpers.csrf_of(landing.text)}
    )
    assert signed_in.status_code == 200
    assert "Merci. Nous allons vous aider." in signed_in.text
    assert "Bonjour, je veux rentrer." not in signed_in.text


def test_an_expired_contact_session_is_refused_and_deleted(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    from sqlalchemy import func, select, update

    from homeward.accounts.models import WebSession
    from homeward.core.db import utcnow

    helpers.contact_start(client, "en")
    with runtime.db.transaction() as session:
        session.execute(update(WebSession).values(expires_at=utcnow()))
    answer = client.get("/en/conversation")
    assert answer.status_code == 401
    with runtime.db.transaction() as session:
        left = session.scalar(select(func.count()).select_from(WebSession))
    assert left == 0
