"""A letter written after the session ended is never lost: it comes back in the response (and
nowhere else) with a codename field, and sending it again signs in and stores it in one
request, after one Argon2id run, as /signin does. Both engines."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from homeward.accounts.models import WebSession
from homeward.contact import inbox
from homeward.contact.models import Message
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from tests import helpers

LETTER = "Synthetic: my brother is near the river, he wants to come home.\nPlease answer."


def end_sessions(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))


def messages(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Message)) or 0)


def blob_files(runtime: Runtime) -> int:
    folder = runtime.settings.blobs_dir
    return len(list(folder.iterdir())) if folder.exists() else 0


def test_a_letter_sent_after_the_session_ended_is_kept_and_sent_with_the_codename(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    codename = helpers.contact_start(client, "fr")
    csrf = helpers.csrf_of(client.get("/fr/write").text)
    end_sessions(runtime)

    back = client.post(
        "/fr/write",
        data={"csrf": csrf, "message": LETTER, "desk": "DEU"},
        files=[("files", ("livret.pdf", b"synthetic scan " * 50, "application/pdf"))],
    )
    assert back.status_code == 401
    page = back.text
    assert f">\n{html.escape(LETTER, quote=False)}</textarea>" in page  # the letter, kept
    assert 'value="DEU" checked' in page
    assert "<bdi>livret.pdf</bdi>" in page  # named: it could not be kept
    assert 'name="codename"' in page
    assert "30" in page  # how long the session lasted
    assert messages(runtime) == 0
    assert blob_files(runtime) == 0  # the file was never written, not even encrypted
    assert "hw_contact" not in client.cookies  # the ended session's cookie is dropped

    csrf = helpers.csrf_of(page)
    wrong = client.post(
        "/fr/write",
        data={"csrf": csrf, "message": LETTER, "desk": "DEU", "codename": "pas le bon"},
        files=[("files", ("", b"", "application/octet-stream"))],
    )
    assert wrong.status_code == 401
    assert re.search(r'id="codename"[^>]*aria-invalid="true"', wrong.text)
    assert "Ce nom de code n&#39;a pas été reconnu." in wrong.text
    assert f">\n{html.escape(LETTER, quote=False)}</textarea>" in wrong.text
    assert messages(runtime) == 0

    sent = client.post(
        "/fr/write",
        data={"csrf": csrf, "message": LETTER, "desk": "DEU", "codename": codename.upper()},
        files=[("files", ("", b"", "application/octet-stream"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/fr/conversation?sent=1"
    assert messages(runtime) == 1
    conversation = client.get("/fr/conversation")  # signed in by the same request
    assert conversation.status_code == 200
    keys = helpers.keyring(runtime, personas["deu_officer"])
    with runtime.db.transaction() as session:
        rows, total = inbox.inbox(session=session, principal=keys.principal)
        assert total == 1
        assert rows[0].language == "fr"  # the page it was written on, for the desk
        opened = inbox.read(session=session, keyring=keys, conversation_id=rows[0].id)
        assert opened.messages[0].text == LETTER.strip()


def test_a_letter_keeps_the_language_of_its_page(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    """The desk sees which language to answer in, as the inbox's Language column shows."""
    helpers.contact_start(client, "ar")
    assert helpers.contact_write(client, "رسالة تجريبية.", lang="ar") == 303
    keys = helpers.keyring(runtime, personas["fra_officer"])
    with runtime.db.transaction() as session:
        rows, _total = inbox.inbox(session=session, principal=keys.principal)
    assert [row.language for row in rows] == ["ar"]


def test_the_write_page_says_how_long_the_writer_has(runtime: Runtime, client: TestClient) -> None:
    helpers.contact_start(client, "de")
    page = client.get("/de/write").text
    minutes = runtime.settings.contact_idle_minutes
    assert f"nach <bdi>{minutes}</bdi> Minuten ohne Aktivität abgemeldet" in page
