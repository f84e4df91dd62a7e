"""The inbox's work state on both engines: read state per officer, awaiting reply, and the
unread count the navigation shows equal to what the list marks."""

from __future__ import annotations

from homeward.contact import inbox
from homeward.contact import service as contact_service
from homeward.core.runtime import Runtime
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
