"""A contact's letter to the FRA desk, written through the contact service, with files whose
stored names are set as given (past the upload's own cleaning, to stand for any name that
reaches the database)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from homeward.contact import service as contact_service
from homeward.contact.blobs import BlobWriter, StoredBlob
from homeward.core.runtime import Runtime


def write_letter(
    runtime: Runtime, text: str, files: Sequence[tuple[str, bytes]] = ()
) -> tuple[str, list[StoredBlob]]:
    """Returns the conversation's id and the stored files."""
    blobs = []
    for name, content in files:
        writer = BlobWriter(
            runtime.settings.blobs_dir, max_bytes=100_000, filename="x", content_type="text/plain"
        )
        writer.write(content)
        blobs.append(dataclasses.replace(writer.finish(), filename=name))
    with runtime.db.transaction() as session:
        _codename, contact, keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost
        )
        contact_service.write(
            session=session,
            secrets=runtime.secrets,
            contact_id=contact.id,
            keys=keys,
            text=text,
            desk_code="FRA",
            files=blobs,
            max_chars=runtime.settings.message_max_chars,
        )
        assert contact.conversation is not None
        return contact.conversation.id, blobs
