"""Routing and desk keys, end to end: the coordination cell hands an 'I don't know'
conversation to a desk by re-wrapping keys (and keeps none), a rotated desk key leaves old
messages readable, and an officer who joins a desk later gets its keys from a colleague."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.cli.main import app as cli
from homeward.core.runtime import Runtime
from homeward.policy.labels import Classification
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers

BASE_URL = "http://127.0.0.1"
LETTER = "Je ne sais pas quel bureau choisir. Je suis ne a Lyon."
SCAN = bytes(range(256)) * 12

REASON = "Synthetic: the letter names a town in France."


@pytest.fixture
def officers(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), base_url=BASE_URL) as made:
        yield made


def bearer(client: TestClient, runtime: Runtime, persona: helpers.Persona) -> dict[str, str]:
    return helpers.api_token(client, runtime, persona)


def only_conversation(runtime: Runtime) -> str:
    with runtime.db.engine.connect() as connection:
        return str(connection.execute(text("SELECT id FROM conversation")).scalar_one())


def wraps_by_desk(runtime: Runtime, conversation_id: str) -> list[tuple[str, int, str]]:
    """(desk, key version, 'message'|'attachment') for every key wrap of a conversation."""
    query = text(
        """
        SELECT k.desk_code, k.version,
               CASE WHEN w.message_id IS NULL THEN 'attachment' ELSE 'message' END
        FROM key_wrap w
        JOIN desk_key k ON k.id = w.desk_key_id
        LEFT JOIN attachment a ON a.id = w.attachment_id
        JOIN message m ON m.id = COALESCE(w.message_id, a.message_id)
        WHERE m.conversation_id = :conversation
        ORDER BY m.created_at, 3 DESC
        """
    )
    with runtime.db.engine.connect() as connection:
        rows = connection.execute(query, {"conversation": conversation_id}).all()
    return [(row[0], row[1], row[2]) for row in rows]


def test_coordination_cell_routes_to_fra_and_keeps_nothing(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, officers: TestClient
) -> None:
    helpers.contact_start(client, "fr")
    files = [("acte-de-naissance.jpg", SCAN, "image/jpeg")]
    assert helpers.contact_write(client, LETTER, lang="fr", desk="unknown", files=files) == 303
    conversation_id = only_conversation(runtime)
    url = f"/api/v1/conversations/{conversation_id}"
    cell = bearer(officers, runtime, personas["coordinator"])
    fra = bearer(officers, runtime, personas["fra_officer"])

    listed = officers.get("/api/v1/conversations", headers=cell).json()
    assert [item["id"] for item in listed["items"]] == [conversation_id]
    assert officers.get(url, headers=cell).json()["messages"][0]["text"] == LETTER
    assert officers.get(url, headers=fra).status_code == 404
    assert wraps_by_desk(runtime, conversation_id) == [
        ("IRQ", 1, "message"),
        ("IRQ", 1, "attachment"),
    ]

    assert (
        officers.post(
            url + "/route", headers=cell, json={"desk": "FRA", "reason": REASON}
        ).status_code
        == 204
    )

    opened = officers.get(url, headers=fra).json()
    assert opened["desk"] == "FRA"
    assert opened["routed_at"] is not None
    assert opened["messages"][0]["text"] == LETTER
    (attachment,) = opened["messages"][0]["attachments"]
    assert attachment["filename"] == "acte-de-naissance.jpg"
    download = officers.get(f"/api/v1/attachments/{attachment['id']}", headers=fra)
    assert download.status_code == 200
    assert download.content == SCAN
    assert officers.get(url, headers=cell).status_code == 404
    assert officers.get(f"/api/v1/attachments/{attachment['id']}", headers=cell).status_code == 404
    assert officers.get("/api/v1/conversations", headers=cell).json()["total"] == 0
    assert wraps_by_desk(runtime, conversation_id) == [
        ("FRA", 1, "message"),
        ("FRA", 1, "attachment"),
    ]

    # The contact still reads the desk's answer with the codename-derived key.
    answer = {"text": "Le bureau France vous repond."}
    assert officers.post(url + "/replies", headers=fra, json=answer).status_code == 201
    assert "Le bureau France vous repond." in client.get("/fr/conversation").text


def test_routing_refuses_the_cell_an_unknown_desk_and_the_same_desk(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, officers: TestClient
) -> None:
    helpers.contact_start(client)
    assert helpers.contact_write(client, "Synthetic letter.", desk="unknown") == 303
    conversation_id = only_conversation(runtime)
    url = f"/api/v1/conversations/{conversation_id}/route"
    cell = bearer(officers, runtime, personas["coordinator"])
    before = wraps_by_desk(runtime, conversation_id)
    # IRQ is both the coordination cell and, here, the desk that already holds it; CAN has no
    # officer, hence no key yet.
    for desk in ("IRQ", "ZZZ", "CAN"):
        response = officers.post(url, headers=cell, json={"desk": desk, "reason": REASON})
        assert response.status_code == 400, response.text
        assert desk in response.json()["detail"]
        assert response.json()["detail"].startswith("desk: ")
    assert officers.get(url.removesuffix("/route"), headers=cell).json()["desk"] == "IRQ"
    assert wraps_by_desk(runtime, conversation_id) == before

    # The pages refuse the same way, naming the desk.
    helpers.officer_signin(officers, runtime, personas["coordinator"])
    page = officers.get(f"/officer/conversations/{conversation_id}")
    form = {"desk": "ZZZ", "reason": REASON, "csrf": helpers.csrf_of(page.text)}
    refused = officers.post(f"/officer/conversations/{conversation_id}/route", data=form)
    assert refused.status_code == 400
    assert "ZZZ is not a desk" in refused.text


def test_a_desk_officer_with_the_route_permission_cannot_route_to_their_own_desk(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, officers: TestClient
) -> None:
    """'Same desk' for a conversation a national desk owns, by an officer allowed to route."""
    router = add_officer(runtime, "fra.router", Role.COORDINATOR)
    helpers.contact_start(client)
    assert helpers.contact_write(client, "Synthetic letter.", desk="FRA") == 303
    url = f"/api/v1/conversations/{only_conversation(runtime)}/route"
    response = officers.post(
        url, headers=bearer(officers, runtime, router), json={"desk": "FRA", "reason": REASON}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "desk: the conversation is already with FRA"}


def add_officer(runtime: Runtime, username: str, role: Role) -> helpers.Persona:
    password = secrets.token_urlsafe(16)
    with runtime.db.transaction() as session:
        officer, _uri = accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            actor=audit.SYSTEM,
            data=NewOfficer(username, password, role, "FRA", int(Classification.SECRET)),
        )
        return helpers.Persona(username, officer.username, password, role, "FRA", officer.id)


def write_again(client: TestClient, words: str) -> None:
    assert helpers.contact_write(client, words, desk=None) == 303


def test_messages_before_and_after_key_rotation_stay_readable(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, officers: TestClient
) -> None:
    helpers.contact_start(client)
    assert helpers.contact_write(client, "Before any rotation.", desk="FRA") == 303
    conversation_id = only_conversation(runtime)
    fra = bearer(officers, runtime, personas["fra_officer"])  # signed in before both rotations

    with runtime.db.transaction() as session:
        rotated = accounts_service.rotate_desk_key(
            session=session, actor=audit.SYSTEM, desk_code="FRA"
        )
        assert rotated.version == 2
    write_again(client, "After the service rotation.")

    env = {
        "HOMEWARD_DATA_DIR": str(runtime.settings.data_dir),
        "HOMEWARD_DATABASE_URL": runtime.settings.database_url,
    }
    result = CliRunner().invoke(cli, ["desk", "rotate-key", "fra"], env=env)
    assert result.exit_code == 0, result.output
    assert "Desk FRA now seals new content to key version 3." in result.output
    write_again(client, "After the command-line rotation.")

    opened = officers.get(f"/api/v1/conversations/{conversation_id}", headers=fra).json()
    assert [m["text"] for m in opened["messages"]] == [
        "Before any rotation.",
        "After the service rotation.",
        "After the command-line rotation.",
    ]
    assert wraps_by_desk(runtime, conversation_id) == [
        ("FRA", 1, "message"),
        ("FRA", 2, "message"),
        ("FRA", 3, "message"),
    ]
    unknown = CliRunner().invoke(cli, ["desk", "rotate-key", "XYZ"], env=env)
    assert unknown.exit_code == 2
    assert "XYZ" in unknown.output


def test_an_officer_added_later_gets_the_desk_keys_when_a_colleague_signs_in(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, officers: TestClient
) -> None:
    helpers.contact_start(client)
    assert helpers.contact_write(client, "Written before the newcomer.", desk="FRA") == 303
    url = f"/api/v1/conversations/{only_conversation(runtime)}"
    newcomer = add_officer(runtime, "fra.newcomer", Role.DESK_OFFICER)
    own = bearer(officers, runtime, newcomer)

    def held() -> int:
        query = text("SELECT count(*) FROM officer_desk_key WHERE officer_id = :officer")
        with runtime.db.engine.connect() as connection:
            return int(connection.execute(query, {"officer": newcomer.officer_id}).scalar_one())

    assert held() == 0
    # Listed (the policy allows it) but unreadable: no key, so as good as absent.
    assert officers.get("/api/v1/conversations", headers=own).json()["total"] == 1
    assert officers.get(url, headers=own).status_code == 404

    bearer(officers, runtime, personas["fra_officer"])  # the colleague's sign-in grants keys
    assert held() == 1
    opened = officers.get(url, headers=own)  # the same session, no new sign-in needed
    assert opened.status_code == 200
    assert opened.json()["messages"][0]["text"] == "Written before the newcomer."
