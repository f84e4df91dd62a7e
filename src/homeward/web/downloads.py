"""A contact's file handed to an officer, the same way for the pages and the API."""

from __future__ import annotations

import itertools

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.contact import inbox as inbox_service
from homeward.core.errors import NotFound
from homeward.web.deps import runtime_of
from homeward.web.text import attachment_disposition


def download_response(
    request: Request, session: Session, keyring: Keyring, attachment_id: str
) -> Response:
    """Decrypt a file for an officer of its desk, streamed as a download. The response, its
    headers and the first chunk are made before the request's transaction commits the read's
    audit entry, so a download that cannot start leaves no entry saying it was read."""
    opened = inbox_service.read_attachment(
        session=session,
        keyring=keyring,
        attachment_id=attachment_id,
        blobs_dir=runtime_of(request).settings.blobs_dir,
    )
    return file_response(opened)


def file_response(opened: inbox_service.OpenedFile) -> StreamingResponse:
    """Always a download, never rendered inline: a contact's file is untrusted content."""
    try:
        first = next(opened.chunks, b"")
    except FileNotFoundError as exc:  # the encrypted file is gone from disk
        raise NotFound("file") from exc
    return StreamingResponse(
        itertools.chain([first], opened.chunks),
        media_type="application/octet-stream",
        headers={
            "content-disposition": attachment_disposition(opened.filename),
            "content-length": str(opened.size_bytes),
        },
    )
