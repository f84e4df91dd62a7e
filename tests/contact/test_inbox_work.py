"""The inbox's work state on both engines: read state per officer, awaiting reply, and the
unread count the navigation shows equal to what the list marks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from homeward.audit import service as audit
from homeward.audit.models import AuditEvent
from homeward.contact import inbox
from homeward.contact import service as contact_service
from homeward.contact.models import Conversation
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers


def write(runtime: Runtime, desk: str | None = "FRA", texts: tuple[str, ...] = ("hello",)) -> str:
    """A new contact's letters to `desk`; the conversation's id."""
    with runtime.db.transaction() as session:
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        for text in texts:
            contact_service.write(
                session=session,
                secrets=runtime.secrets,
                contact_id=contact.id,
                keys=keys,
                text=text,
                desk_code=desk,
                files=[],
                max_chars=1000,
            )
        conversation = contact_service.own_conversation(session=session, contact=contact)
        assert conversation is not None
        return conversation.id


def unread_count(runtime: Runtime, persona: helpers.Persona) -> int:
    with runtime.db.transaction() as session:
        principal = helpers.keyring(runtime, persona).principal
        return inbox.unread_count(session=session, principal=principal)


def listed_unread(runtime: Runtime, persona: helpers.Persona) -> set[str]:
    with runtime.db.transaction() as session:
        principal = helpers.keyring(runtime, persona).principal
        rows, _total = inbox.inbox(session=session, principal=principal)
        return {row.id for row in rows if row.unread}


def open_conversation(runtime: Runtime, persona: helpers.Persona, conversation_id: str) -> None:
    with runtime.db.transaction() as session:
        keyring = helpers.keyring(runtime, persona)
        inbox.read(session=session, keyring=keyring, conversation_id=conversation_id)


def test_read_state_is_per_officer(runtime: Runtime, personas: helpers.Personas) -> None:
    first, second = write(runtime), write(runtime)
    write(runtime, desk="DEU")
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    assert unread_count(runtime, officer) == 2 == len(listed_unread(runtime, officer))
    open_conversation(runtime, officer, first)
    assert listed_unread(runtime, officer) == {second}
    assert unread_count(runtime, officer) == 1
    # The supervisor of the same desk still has both to read.
    assert listed_unread(runtime, supervisor) == {first, second}
    assert unread_count(runtime, supervisor) == 2
    # Other desks count only their own; a role that lists nothing counts nothing.
    assert unread_count(runtime, personas["deu_officer"]) == 1
    assert unread_count(runtime, personas["auditor"]) == 0


def test_opening_marks_read_and_mark_unread_undoes_it_for_that_officer(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    conversation_id = write(runtime)
    officer, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    open_conversation(runtime, officer, conversation_id)
    with runtime.db.transaction() as session:
        principal = helpers.keyring(runtime, supervisor).principal
        inbox.set_read(
            session=session, principal=principal, conversation_id=conversation_id, read=True
        )
    assert listed_unread(runtime, officer) == set()
    assert unread_count(runtime, supervisor) == 0
    with runtime.db.transaction() as session:
        principal = helpers.keyring(runtime, officer).principal
        inbox.set_read(
            session=session, principal=principal, conversation_id=conversation_id, read=False
        )
    assert listed_unread(runtime, officer) == {conversation_id}
    assert unread_count(runtime, officer) == 1
    assert listed_unread(runtime, supervisor) == set()


def test_a_new_letter_is_unread_again(runtime: Runtime, personas: helpers.Personas) -> None:
    with runtime.db.transaction() as session:
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        contact_id = contact.id

    def letter(text: str) -> str:
        with runtime.db.transaction() as session:
            message = contact_service.write(
                session=session,
                secrets=runtime.secrets,
                contact_id=contact_id,
                keys=keys,
                text=text,
                desk_code="FRA",
                files=[],
                max_chars=1000,
                language="ar",
            )
            return message.conversation_id

    conversation_id = letter("first")
    officer = personas["fra_officer"]
    open_conversation(runtime, officer, conversation_id)
    assert unread_count(runtime, officer) == 0
    letter("second")
    assert listed_unread(runtime, officer) == {conversation_id}
    with runtime.db.transaction() as session:
        rows, _total = inbox.inbox(
            session=session, principal=helpers.keyring(runtime, officer).principal
        )
    assert rows[0].language == "ar"
    assert len(rows[0].name.split()) == 2


def test_awaiting_reply_from_the_first_unanswered_letter(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    conversation_id = write(runtime, texts=("one", "two"))
    answered = write(runtime)
    keyring = helpers.keyring(runtime, personas["fra_officer"])

    def awaiting() -> dict[str, object]:
        with runtime.db.transaction() as session:
            rows, _total = inbox.inbox(
                session=session,
                principal=keyring.principal,
                query=inbox.InboxQuery(unanswered_only=True),
            )
            return {row.id: row.awaiting_reply_since for row in rows}

    before = awaiting()
    assert set(before) == {conversation_id, answered}
    assert all(before.values())
    with runtime.db.transaction() as session:
        inbox.reply(session=session, keyring=keyring, conversation_id=answered, text="We read it.")
    assert set(awaiting()) == {conversation_id}


def test_search_by_name(runtime: Runtime, personas: helpers.Personas) -> None:
    ids = [write(runtime) for _ in range(3)]
    principal = helpers.keyring(runtime, personas["fra_officer"]).principal
    with runtime.db.transaction() as session:
        rows, _total = inbox.inbox(session=session, principal=principal)
        name = next(row.name for row in rows if row.id == ids[1])
        found, total = inbox.inbox(
            session=session, principal=principal, query=inbox.InboxQuery(search=name.upper())
        )
    assert ids[1] in {row.id for row in found}
    assert all(row.name == name for row in found)
    assert total == len(found)


def test_bulk_refuses_rows_out_of_reach_without_changing_anything(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    own, other = write(runtime), write(runtime, desk="DEU")
    keyring = helpers.keyring(runtime, personas["fra_officer"])
    for action in ("star", "read"):
        with pytest.raises(NotFound), runtime.db.transaction() as session:
            inbox.bulk(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                action=action,
                conversation_ids=[own, other],
            )
    with runtime.db.transaction() as session:
        rows, _total = inbox.inbox(session=session, principal=keyring.principal)
    assert [(row.id, row.starred, row.unread) for row in rows] == [(own, False, True)]
    # A role without the route permission may not route at all, even its own.
    with pytest.raises(Forbidden), runtime.db.transaction() as session:
        inbox.bulk(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            action="route",
            conversation_ids=[own],
            desk_code="DEU",
            reason="Synthetic.",
        )
    with runtime.db.transaction() as session:
        done = inbox.bulk(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            action="star",
            conversation_ids=[own],
        )
        rows, _total = inbox.inbox(session=session, principal=keyring.principal)
    assert done == 1
    assert rows[0].starred


REASON = "Synthetic: the letter names a town near Lyon."


def route(runtime: Runtime, personas: helpers.Personas, conversation_id: str) -> None:
    with runtime.db.transaction() as session:
        inbox.route(
            session=session,
            keyring=helpers.keyring(runtime, personas["coordinator"]),
            secrets=runtime.secrets,
            conversation_id=conversation_id,
            desk_code="FRA",
            reason=REASON,
        )


def test_routing_needs_a_desk_and_a_reason_kept_sealed(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    conversation_id = write(runtime, desk=None)
    cell = helpers.keyring(runtime, personas["coordinator"])
    for desk, reason, field_name in (("", REASON, "desk"), ("FRA", "  ", "reason")):
        with pytest.raises(BadInput) as refused, runtime.db.transaction() as session:
            inbox.route(
                session=session,
                keyring=cell,
                secrets=runtime.secrets,
                conversation_id=conversation_id,
                desk_code=desk,
                reason=reason,
            )
        assert refused.value.field == field_name
    route(runtime, personas, conversation_id)
    with runtime.db.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT reason_sealed, to_nation FROM conversation_route")
        ).one()
    assert stored.to_nation == "FRA"
    assert REASON.encode() not in bytes(stored.reason_sealed)
    with runtime.db.transaction() as session:
        (shown,) = inbox.routed_by_desk(
            session=session, secrets=runtime.secrets, principal=cell.principal
        )
    assert (shown.to_nation, shown.reason, shown.opened_at) == ("FRA", REASON, None)
    actions = [e.action for e in audit_entries(runtime)]
    assert "contact:conversation:route" in actions
    assert "contact:conversation:receive" in actions


def test_recall_before_opening_and_refused_after(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    first, second = write(runtime, desk=None), write(runtime, desk=None)
    route(runtime, personas, first)
    route(runtime, personas, second)
    fra = helpers.keyring(runtime, personas["fra_officer"])
    # Another nation's desk, and the cell itself, cannot recall what went to FRA.
    for who, refused_with in (("deu_officer", NotFound), ("coordinator", NotFound)):
        with pytest.raises(refused_with), runtime.db.transaction() as session:
            inbox.recall(
                session=session,
                keyring=helpers.keyring(runtime, personas[who]),
                secrets=runtime.secrets,
                conversation_id=first,
                reason="Not ours.",
            )
    with runtime.db.transaction() as session:
        inbox.recall(
            session=session,
            keyring=fra,
            secrets=runtime.secrets,
            conversation_id=first,
            reason="Not ours: the family is in Bavaria.",
        )
    # Back with the cell, readable there and unread for it; gone from FRA.
    cell = personas["coordinator"]
    assert first in listed_unread(runtime, cell)
    open_conversation(runtime, cell, first)
    with pytest.raises(NotFound):
        open_conversation(runtime, fra_persona := personas["fra_officer"], first)
    # The second is opened at FRA: from then on it stays.
    open_conversation(runtime, fra_persona, second)
    with pytest.raises(BadInput) as refused, runtime.db.transaction() as session:
        inbox.recall(
            session=session,
            keyring=fra,
            secrets=runtime.secrets,
            conversation_id=second,
            reason="Not ours.",
        )
    assert "opened" in str(refused.value)
    with runtime.db.transaction() as session:
        shown = inbox.routed_by_desk(
            session=session,
            secrets=runtime.secrets,
            principal=helpers.keyring(runtime, cell).principal,
        )
    by_id = {r.conversation_id: r for r in shown}
    assert by_id[first].recall_reason == "Not ours: the family is in Bavaria."
    assert by_id[second].opened_at is not None
    with runtime.db.engine.connect() as connection:
        sealed = connection.execute(
            text(
                "SELECT recall_reason_sealed FROM conversation_route WHERE recalled_at IS NOT NULL"
            )
        ).scalar_one()
    assert b"Bavaria" not in bytes(sealed)
    assert "contact:conversation:recall" in [e.action for e in audit_entries(runtime)]


def audit_entries(runtime: Runtime) -> list[AuditEvent]:
    with runtime.db.transaction() as session:
        return list(audit.entries(session=session))


def test_the_start_page_finds_the_oldest_letters_beyond_the_inbox_s_first_page(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """The oldest unanswered letter is the one the start page must show, though the inbox
    (newest first) has it on its second page; another desk's and an answered letter are not
    counted."""
    oldest = write(runtime)
    later = [write(runtime) for _ in range(inbox.PAGE_SIZE)]
    other_desk, answered = write(runtime, desk="DEU"), write(runtime)
    keyring = helpers.keyring(runtime, personas["fra_officer"])
    long_ago = utcnow() - timedelta(days=10)
    with runtime.db.transaction() as session:
        for conversation_id, days in ((oldest, 10), (other_desk, 20), (answered, 30)):
            session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(
                    awaiting_reply_since=utcnow() - timedelta(days=days),
                    last_message_at=utcnow() - timedelta(days=days),
                )
            )
        inbox.reply(session=session, keyring=keyring, conversation_id=answered, text="Read.")
    with runtime.db.transaction() as session:
        first_page, _total = inbox.inbox(
            session=session,
            principal=keyring.principal,
            query=inbox.InboxQuery(unanswered_only=True),
        )
        waiting, total = inbox.awaiting_reply(session=session, principal=keyring.principal, limit=5)
    assert oldest not in {row.id for row in first_page}
    assert total == 1 + len(later)
    assert waiting[0].id == oldest
    assert waiting[0].since <= long_ago + timedelta(seconds=5)
    assert len(waiting) == 5
    assert [letter.since for letter in waiting] == sorted(letter.since for letter in waiting)
    assert {other_desk, answered}.isdisjoint(letter.id for letter in waiting)

    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, runtime, personas["fra_officer"])
        start = client.get("/officer/").text
    names = re.findall(r'<a href="/officer/conversations/([0-9a-f]+)">', start)
    assert names == [letter.id for letter in waiting]
    assert '<a href="/officer/inbox?show=unanswered">' in start
