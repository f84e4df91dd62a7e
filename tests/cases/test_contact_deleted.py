"""A contact who deletes everything leaves a mark on each case opened from the conversation
(a timeline entry by the contact and the date), written before the conversation's rows go;
cases of other conversations are left alone. Both engines."""

from __future__ import annotations

from sqlalchemy import select

from homeward.cases import flows
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseConversation
from homeward.contact import service as contact_service
from homeward.core.runtime import Runtime
from homeward.policy import binding
from tests import helpers


def test_deletion_notes_each_linked_case(runtime: Runtime, personas: helpers.Personas) -> None:
    keyring = helpers.keyring(runtime, personas["fra_officer"])
    opened: dict[str, tuple[str, str]] = {}
    for who in ("leaving", "staying"):
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
                desk_code="FRA",
                files=[],
                max_chars=1000,
            )
            case = flows.open_case(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                data=case_service.CaseOpen(
                    identity=ClaimedIdentity(given_names="Walid", family_name="Saidi"),
                    conversation_ids=[message.conversation_id],
                ),
            )
            opened[who] = (contact.id, case.id)
    contact_id, case_id = opened["leaving"]
    with runtime.db.transaction() as session:
        conversation_id = contact_service.conversation_id_of(session=session, contact_id=contact_id)
        assert flows.note_contact_deleted(session, conversation_id) == 1
        contact_service.delete_account(session=session, contact_id=contact_id)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: read back the cases")
        leaving = session.get(Case, case_id)
        staying = session.get(Case, opened["staying"][1])
        assert leaving is not None
        assert staying is not None
        assert leaving.contact_deleted_at is not None
        assert staying.contact_deleted_at is None
        (event,) = [e for e in leaving.events if e.kind == flows.CONTACT_DELETED]
        assert (event.actor_id, event.actor_name) == ("contact", "contact")
        assert not [e for e in staying.events if e.kind == flows.CONTACT_DELETED]
        # The link went with the conversation; the case stays.
        links = session.scalars(select(CaseConversation).where(CaseConversation.case_id == case_id))
        assert list(links) == []
    assert flows.note_contact_deleted(session, None) == 0
