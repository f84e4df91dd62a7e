"""Reading everything back as an officer does, through the services: used after a crash and
after a restore, where the only honest proof that nothing was lost is to decrypt it all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from homeward.contact import inbox
from homeward.core.runtime import Runtime
from tests import helpers


@dataclass(frozen=True)
class ReadMessage:
    conversation_id: str
    direction: str
    text: str
    files: tuple[tuple[str, bytes], ...]
    """(file name, decrypted content), in name order."""


def read_all(runtime: Runtime, persona: helpers.Persona) -> list[ReadMessage]:
    """Every message of every conversation the officer may read, files decrypted whole."""
    keyring = helpers.keyring(runtime, persona)
    blobs_dir = runtime.settings.blobs_dir
    read: list[ReadMessage] = []
    page = 1
    while True:
        with runtime.db.transaction() as session:
            rows, total = inbox.inbox(
                session=session, principal=keyring.principal, query=inbox.InboxQuery(page=page)
            )
        for row in rows:
            with runtime.db.transaction() as session:
                view = inbox.read(session=session, keyring=keyring, conversation_id=row.id)
                for message in view.messages:
                    files = []
                    for attachment in message.attachments:
                        opened = inbox.read_attachment(
                            session=session,
                            keyring=keyring,
                            attachment_id=attachment.id,
                            blobs_dir=blobs_dir,
                        )
                        files.append((opened.filename, b"".join(opened.chunks)))
                    read.append(
                        ReadMessage(row.id, message.direction, message.text, tuple(sorted(files)))
                    )
        if page * inbox.PAGE_SIZE >= total:
            return read
        page += 1


def half_written(runtime: Runtime) -> list[str]:
    """Rows that a crash between two writes would leave: each kind named with its count."""
    checks = {
        "attachment without its message": (
            "SELECT count(*) FROM attachment a LEFT JOIN message m ON m.id = a.message_id "
            "WHERE m.id IS NULL"
        ),
        "message without its conversation": (
            "SELECT count(*) FROM message m LEFT JOIN conversation c "
            "ON c.id = m.conversation_id WHERE c.id IS NULL"
        ),
        "message without a desk key wrap": (
            "SELECT count(*) FROM message m WHERE NOT EXISTS "
            "(SELECT 1 FROM key_wrap w WHERE w.message_id = m.id)"
        ),
        "attachment without a desk key wrap": (
            "SELECT count(*) FROM attachment a WHERE NOT EXISTS "
            "(SELECT 1 FROM key_wrap w WHERE w.attachment_id = a.id)"
        ),
        "conversation whose count is not its messages": (
            "SELECT count(*) FROM conversation c WHERE c.message_count <> "
            "(SELECT count(*) FROM message m WHERE m.conversation_id = c.id)"
        ),
        "contact message without its audit entry": (
            "SELECT (SELECT count(*) FROM message WHERE direction = 'contact') - "
            "(SELECT count(*) FROM audit_event WHERE action = 'contact:message:create')"
        ),
    }
    found = []
    with runtime.db.engine.connect() as connection:
        for what, query in checks.items():
            count = int(connection.execute(text(query)).scalar_one())
            if count:
                found.append(f"{count} {what}")
        names = set(connection.execute(text("SELECT blob_name FROM attachment")).scalars())
    missing = [name for name in names if not (runtime.settings.blobs_dir / name).is_file()]
    if missing:
        found.append(f"{len(missing)} attachments whose encrypted file is not on disk")
    return found


def unreferenced_blobs(runtime: Runtime) -> list[Path]:
    """Files in the blob store that no attachment names."""
    with runtime.db.engine.connect() as connection:
        names = set(connection.execute(text("SELECT blob_name FROM attachment")).scalars())
    folder = runtime.settings.blobs_dir
    if not folder.exists():
        return []
    return sorted(path for path in folder.iterdir() if path.name not in names)
