"""POST /api/v1/conversations/bulk: the inbox page's bulk actions over the API, with the same
policy: each conversation checked and audited as if alone, and one out of reach, or an action
the role may not take, refuses them all with nothing changed. Both engines."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from homeward.audit.models import AuditEvent
from homeward.contact import inbox
from homeward.contact import service as contact_service
from homeward.contact.models import Conversation
from homeward.contact.schemas import BulkIn
from homeward.core.runtime import Runtime
from tests import helpers

BULK = "/api/v1/conversations/bulk"
REASON = "Synthetic: the letter names a town near Lyon."


def write(runtime: Runtime, desk: str | None) -> str:
    with runtime.db.transaction() as session:
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        message = contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text="Synthetic letter.",
            desk_code=desk,
            files=[],
            max_chars=1000,
        )
        return message.conversation_id


def state(runtime: Runtime) -> tuple[dict[str, tuple[str, bool]], int]:
    """Each conversation's desk and star, and how many audit entries there are (read past the
    policy binding, as a test may)."""
    with runtime.db.engine.connect() as connection:
        rows = connection.execute(
            select(Conversation.id, Conversation.owner_nation, Conversation.starred)
        )
        desks = {row.id: (row.owner_nation, row.starred) for row in rows}
        audited = connection.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        return desks, int(audited)


def unread(runtime: Runtime, persona: helpers.Persona) -> set[str]:
    principal = helpers.keyring(runtime, persona).principal
    with runtime.db.transaction() as session:
        rows, _total = inbox.inbox(session=session, principal=principal)
    return {row.id for row in rows if row.unread}


def test_bulk_marks_and_stars_the_desk_s_conversations(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = personas["fra_officer"]
    own = [write(runtime, "FRA"), write(runtime, "FRA")]
    auth = helpers.api_token(client, runtime, fra)

    starred = client.post(BULK, json={"action": "star", "ids": [*own, own[0]]}, headers=auth)
    assert starred.status_code == 200, starred.text
    assert starred.json() == {"changed": 2}  # each once
    assert all(starred for _desk, starred in state(runtime)[0].values())

    read = client.post(BULK, json={"action": "read", "ids": own}, headers=auth)
    assert read.json() == {"changed": 2}
    assert unread(runtime, fra) == set()
    assert unread(runtime, personas["fra_supervisor"]) == set(own)  # read state is per officer

    back = client.post(BULK, json={"action": "unread", "ids": own[:1]}, headers=auth)
    assert back.json() == {"changed": 1}
    assert unread(runtime, fra) == {own[0]}
    unstarred = client.post(BULK, json={"action": "unstar", "ids": own}, headers=auth)
    assert unstarred.json() == {"changed": 2}
    assert not any(starred for _desk, starred in state(runtime)[0].values())


def test_one_conversation_out_of_reach_refuses_them_all(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = personas["fra_officer"]
    own, other = write(runtime, "FRA"), write(runtime, "DEU")
    auth = helpers.api_token(client, runtime, fra)
    before = state(runtime)
    for action in ("star", "read"):
        refused = client.post(BULK, json={"action": action, "ids": [own, other]}, headers=auth)
        assert refused.status_code == 404, refused.text
        assert other not in refused.text
    unknown = client.post(BULK, json={"action": "star", "ids": [own, "f" * 32]}, headers=auth)
    assert unknown.status_code == 404
    assert state(runtime) == before  # nothing starred, nothing audited
    assert unread(runtime, fra) == {own}


def test_routing_in_bulk_is_the_cell_s_with_a_desk_and_a_reason(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    lost = [write(runtime, None), write(runtime, None)]
    own = write(runtime, "FRA")
    cell = helpers.api_token(client, runtime, personas["coordinator"])
    desk = helpers.api_token(client, runtime, personas["fra_officer"])
    before = state(runtime)

    not_allowed = client.post(
        BULK, json={"action": "route", "ids": [own], "desk": "DEU", "reason": REASON}, headers=desk
    )
    assert not_allowed.status_code == 403, not_allowed.text
    no_reason = client.post(
        BULK, json={"action": "route", "ids": lost, "desk": "FRA"}, headers=cell
    )
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["detail"]
    no_desk = client.post(
        BULK, json={"action": "route", "ids": lost, "reason": REASON}, headers=cell
    )
    assert no_desk.status_code == 400
    assert "desk" in no_desk.json()["detail"]
    out_of_reach = client.post(
        BULK,
        json={"action": "route", "ids": [*lost, own], "desk": "DEU", "reason": REASON},
        headers=cell,
    )
    assert out_of_reach.status_code == 404
    assert state(runtime) == before

    routed = client.post(
        BULK, json={"action": "route", "ids": lost, "desk": "FRA", "reason": REASON}, headers=cell
    )
    assert routed.status_code == 200, routed.text
    assert routed.json() == {"changed": 2}
    desks = state(runtime)[0]
    assert [desks[one][0] for one in lost] == ["FRA", "FRA"]


def test_malformed_bulk_requests_are_named(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    own = write(runtime, "FRA")
    auth = helpers.api_token(client, runtime, personas["fra_officer"])
    before = state(runtime)
    for body, field in (
        ({"action": "delete", "ids": [own]}, "action"),
        ({"action": "star", "ids": []}, "ids"),
        ({"action": "star", "ids": [own] * (inbox.BULK_MAX + 1)}, "ids"),
        ({"action": "star", "ids": [own], "extra": 1}, "extra"),
        ({"action": "route", "ids": [own], "desk": "fr"}, "desk"),
    ):
        refused = client.post(BULK, json=body, headers=auth)
        assert refused.status_code == 422, (body, refused.text)
        assert field in refused.json()["detail"], (body, refused.text)
    assert state(runtime) == before
    ids = BulkIn.model_fields["ids"].metadata
    assert any(getattr(rule, "max_length", None) == inbox.BULK_MAX for rule in ids)
