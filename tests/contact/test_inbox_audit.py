"""Every read of sealed content and every change on the officers' side leaves an audit entry,
in the same transaction as the change."""

from __future__ import annotations

from homeward.audit import service as audit
from homeward.contact import inbox
from homeward.contact import service as contact_service
from homeward.contact.blobs import BlobWriter
from homeward.core.runtime import Runtime
from tests import helpers


def _actions(runtime: Runtime) -> list[str]:
    with runtime.db.transaction() as session:
        return [entry.action for entry in audit.entries(session=session)]


def test_reads_and_changes_are_audited(runtime: Runtime, personas: helpers.Personas) -> None:
    writer = BlobWriter(
        runtime.settings.blobs_dir, max_bytes=10_000, filename="scan.jpg", content_type="image/jpeg"
    )
    writer.write(b"\xff\xd8 synthetic image bytes")
    blob = writer.finish()
    with runtime.db.transaction() as session:
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        for text in ("first letter", "second letter"):
            contact_service.write(
                session=session,
                secrets=runtime.secrets,
                contact_id=contact.id,
                keys=keys,
                text=text,
                desk_code="FRA",
                files=[blob] if text == "first letter" else [],
                max_chars=1000,
            )
        assert contact.conversation is not None
        conversation_id = contact.conversation.id
    keyring = helpers.keyring(runtime, personas["fra_officer"])
    before = _actions(runtime)
    with runtime.db.transaction() as session:
        view = inbox.read(session=session, keyring=keyring, conversation_id=conversation_id)
        attachment_id = view.messages[0].attachments[0].id
        opened = inbox.read_attachment(
            session=session,
            keyring=keyring,
            attachment_id=attachment_id,
            blobs_dir=runtime.settings.blobs_dir,
        )
        assert b"".join(opened.chunks) == b"\xff\xd8 synthetic image bytes"
        inbox.reply(session=session, keyring=keyring, conversation_id=conversation_id, text="ok")
        inbox.set_starred(
            session=session,
            principal=keyring.principal,
            conversation_id=conversation_id,
            starred=True,
        )
    added = _actions(runtime)[len(before) :]
    assert added.count("contact:message:read") == 2
    assert added.count("contact:attachment:read") == 1
    assert "contact:reply:create" in added
    assert "contact:conversation:star" in added
    assert before.count("contact:message:create") == 2
    assert "contact:account:create" in before
