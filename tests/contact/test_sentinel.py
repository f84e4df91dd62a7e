"""The security model's test: a copy of the database, the data directory and the logs, without
an officer's password or a live session, holds none of what contacts and officers wrote, nor
the contact's codename, user agent or address.

Unique markers go into messages, file names, file contents and replies; then the raw bytes of
every file under the data directory (SQLite database, WAL, blobs, keys), a PostgreSQL dump and
everything logged are searched for them, in UTF-8 and in hex. The codename is searched too.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

from homeward.accounts import service as accounts_service
from homeward.accounts.models import WebSession
from homeward.cli import main
from homeward.contact.models import Contact, Conversation
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.web.app import create_app
from tests import helpers, sentinel


def test_nothing_written_is_stored_or_logged_in_clear(
    runtime: Runtime,
    personas: helpers.Personas,
    client: TestClient,
    captured_log: Path,
) -> None:
    message_marker = sentinel.marker("message")
    later_marker = sentinel.marker("second-message")
    file_name_marker = sentinel.marker("filename")
    file_body_marker = sentinel.marker("filebody")
    reply_marker = sentinel.marker("reply")
    unrouted_marker = sentinel.marker("unrouted")
    late_marker = sentinel.marker("after-the-session")
    late_name_marker = sentinel.marker("late-filename")
    late_body_marker = sentinel.marker("late-filebody")

    agent_marker = sentinel.marker("useragent")
    address_marker = "203.0.113.77"  # TEST-NET-3: an address that is nobody's
    client.headers.update(
        {"user-agent": f"Mozilla/5.0 {agent_marker}", "x-forwarded-for": address_marker}
    )
    # A letter written after the session ended: it travels back in the response, its file is
    # never written, and it is sent with the codename; that codename was typed back first.
    late = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    late_codename = helpers.contact_start(late, "fr", typed_back=False)
    typed_back = late.post(
        "/fr/codename/confirm",
        data={"csrf": helpers.csrf_of(late.get("/fr/codename").text), "typed": late_codename},
        follow_redirects=False,
    )
    assert typed_back.status_code == 303
    late_csrf = helpers.csrf_of(late.get("/fr/write").text)
    with runtime.db.transaction() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    kept = late.post(
        "/fr/write",
        data={"csrf": late_csrf, "message": late_marker, "desk": "FRA"},
        files=[
            ("files", (f"{late_name_marker}.txt", late_body_marker.encode() * 50, "text/plain"))
        ],
    )
    assert kept.status_code == 401
    assert late_marker in kept.text
    sent = late.post(
        "/fr/write",
        data={
            "csrf": helpers.csrf_of(kept.text),
            "message": late_marker,
            "desk": "FRA",
            "codename": late_codename,
        },
        files=[("files", ("", b"", "application/octet-stream"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303

    codename = helpers.contact_start(client, "de")  # not typed back: kept in the session
    status = helpers.contact_write(
        client,
        f"Hallo {message_marker}",
        lang="de",
        files=[(f"{file_name_marker}.txt", (file_body_marker * 500).encode(), "text/plain")],
    )
    assert status == 303
    assert helpers.contact_write(client, later_marker, lang="de", desk=None) == 303

    other = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    other_codename = helpers.contact_start(other, "ar")
    assert helpers.contact_write(other, unrouted_marker, lang="ar", desk="unknown") == 303

    officer = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    headers = helpers.api_token(officer, runtime, personas["fra_officer"])
    listed = officer.get("/api/v1/conversations", headers=headers).json()["items"]
    conversations = {
        item["id"]: officer.get(f"/api/v1/conversations/{item['id']}", headers=headers).json()
        for item in listed
    }
    [(conversation_id, opened)] = [
        (key, value)
        for key, value in conversations.items()
        if message_marker in value["messages"][0]["text"]
    ]
    [late_letter] = [
        value for value in conversations.values() if late_marker in value["messages"][0]["text"]
    ]
    assert late_letter["messages"][0]["attachments"] == []
    # The markers really went in: the desk reads them back in clear.
    assert message_marker in opened["messages"][0]["text"]
    attachment = opened["messages"][0]["attachments"][0]
    assert file_name_marker in attachment["filename"]
    body = officer.get(f"/api/v1/attachments/{attachment['id']}", headers=headers).content
    assert file_body_marker.encode() in body
    replied = officer.post(
        f"/api/v1/conversations/{conversation_id}/replies",
        headers=headers,
        json={"text": reply_marker},
    )
    assert replied.status_code == 201
    assert reply_marker in client.get("/de/conversation").text

    runtime.db.dispose()  # let SQLite fold its WAL; the WAL file is searched all the same
    markers = [
        message_marker,
        later_marker,
        file_name_marker,
        file_body_marker,
        reply_marker,
        unrouted_marker,
        codename,
        other_codename,
        late_codename,
        late_marker,
        late_name_marker,
        late_body_marker,
        agent_marker,
        address_marker,
    ]
    searched: dict[str, bytes] = {
        str(path): path.read_bytes() for path in sentinel.files_under(runtime.settings.data_dir)
    }
    searched["postgres dump"] = sentinel.dump(runtime)
    searched["log"] = captured_log.read_bytes()
    found = {where: sentinel.hits(blob, markers) for where, blob in searched.items()}
    assert {where: hits for where, hits in found.items() if hits} == {}

    # Nor is any private key that would open them: the officer's, the desk's, the contact's.
    with runtime.db.transaction() as session:
        keys = helpers.keyring(runtime, personas["fra_officer"])
        private_keys = [
            keys.private_key,
            *accounts_service.desk_private_keys(session=session, keyring=keys).values(),
        ]
    for key in private_keys:
        for where, blob in searched.items():
            assert key not in blob, f"a private key in {where}"
            assert key.hex().encode() not in blob, f"a private key (hex) in {where}"

    # The search itself works: what is stored in clear on purpose is found.
    everything = b"".join(searched.values())
    assert personas["fra_officer"].username.encode() in everything
    assert any(name.endswith(".sqlite3") for name in searched) or searched["postgres dump"]


def _traced(runtime: Runtime, contact_id: str) -> dict[str, bytes]:
    """Every value stored for one contact: what "delete everything" must leave nowhere."""
    traced: dict[str, bytes] = {}
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: trace every value stored for the contact")
        contact = session.get(Contact, contact_id)
        assert contact is not None
        assert contact.conversation is not None
        traced["lookup"] = contact.lookup
        traced["reply public key"] = contact.reply_public_key
        for n, message in enumerate(contact.conversation.messages):
            traced[f"{message.direction} {n} body"] = message.body
            if message.contact_sealed_key is not None:
                traced[f"{message.direction} {n} key sealed to the contact"] = (
                    message.contact_sealed_key
                )
            for w, wrap in enumerate(message.wraps):
                traced[f"{message.direction} {n} wrap {w}"] = wrap.sealed_key
            for a, attachment in enumerate(message.attachments):
                traced[f"file {n}.{a} meta"] = attachment.meta
                traced[f"file {n}.{a} blob name"] = attachment.blob_name.encode()
                for w, wrap in enumerate(attachment.wraps):
                    traced[f"file {n}.{a} wrap {w}"] = wrap.sealed_key
        for s, row in enumerate(
            session.scalars(select(WebSession).where(WebSession.subject_id == contact_id))
        ):
            traced[f"session {s}"] = row.sealed_secret
    return traced


def _traced_hits(searched: dict[str, bytes], traced: dict[str, bytes]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for where, blob in searched.items():
        names = [
            name
            for name, value in traced.items()
            if value in blob or value.hex().encode() in blob or value.hex().upper().encode() in blob
        ]
        if names:
            found[where] = names
    return found


def _everything(runtime: Runtime) -> dict[str, bytes]:
    """The data directory as a copy would find it (the server still running: no checkpoint on
    close), and the PostgreSQL dump."""
    searched = {
        str(path): path.read_bytes() for path in sentinel.files_under(runtime.settings.data_dir)
    }
    searched["postgres dump"] = sentinel.dump(runtime)
    return searched


def test_delete_everything_leaves_nothing_in_files_log_or_dump(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    """Issue 9, point 4: after "delete everything", none of the contact's stored values is in
    the database file, its write-ahead log or shared-memory file, the blobs or a pg_dump."""
    helpers.contact_start(client, "fr")
    file_body = sentinel.marker("filebody")
    assert (
        helpers.contact_write(
            client,
            f"Bonjour {sentinel.marker('message')}",
            lang="fr",
            files=[(f"{sentinel.marker('filename')}.txt", file_body.encode() * 200, "text/plain")],
        )
        == 303
    )
    assert helpers.contact_write(client, sentinel.marker("second"), lang="fr", desk=None) == 303
    # Someone else's letter stays: the deletion is the contact's own, not a wipe.
    other = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    helpers.contact_start(other, "en")
    kept = sentinel.marker("kept")
    assert helpers.contact_write(other, kept, lang="en", desk="DEU") == 303

    officer = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    headers = helpers.api_token(officer, runtime, personas["fra_officer"])
    conversation_id = officer.get("/api/v1/conversations", headers=headers).json()["items"][0]["id"]
    replied = officer.post(
        f"/api/v1/conversations/{conversation_id}/replies",
        headers=headers,
        json={"text": sentinel.marker("reply")},
    )
    assert replied.status_code == 201
    assert client.get("/fr/conversation").status_code == 200

    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the contact behind the conversation")
        contact_id = session.scalars(
            select(Conversation.contact_id).where(Conversation.id == conversation_id)
        ).one()
    traced = _traced(runtime, contact_id)
    assert len(traced) >= 10
    blob_paths = [
        runtime.settings.blobs_dir / value.decode()
        for name, value in traced.items()
        if name.endswith("blob name")
    ]
    assert blob_paths
    assert all(path.exists() for path in blob_paths)
    # The search works: before the deletion, every traced value is found somewhere.
    before = _traced_hits(_everything(runtime), traced)
    assert set().union(*before.values()) == set(traced), before

    form = client.get("/fr/delete")
    deleted = client.post("/fr/delete", data={"confirm": "yes", "csrf": helpers.csrf_of(form.text)})
    assert deleted.status_code == 200

    after = _everything(runtime)
    if runtime.db.engine.dialect.name == "sqlite":
        assert any(where.endswith(".sqlite3-wal") for where in after)  # searched, not skipped
    assert _traced_hits(after, traced) == {}
    assert not any(path.exists() for path in blob_paths)
    with runtime.db.transaction() as session:
        assert session.get(Contact, contact_id) is None
    officer_view = officer.get(
        "/api/v1/conversations",
        headers=helpers.api_token(officer, runtime, personas["deu_officer"]),
    )
    assert officer_view.status_code == 200
    assert len(officer_view.json()["items"]) == 1  # the other contact's letter is still there


def _pages(runtime: Runtime) -> bytes:
    """Every page of every table, index and TOAST relation of the test's own database, read
    through pageinspect: dead rows included, as a copy of the data files would hold them."""
    url = runtime.settings.effective_database_url
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        relations = connection.execute(
            "SELECT c.oid::regclass::text,"
            " pg_relation_size(c.oid) / current_setting('block_size')::int"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't')"
        ).fetchall()
        return b"".join(
            bytes(connection.execute("SELECT get_raw_page(%s, %s)", (name, block)).fetchone()[0])
            for name, blocks in relations
            for block in range(blocks)
        )


def test_purge_compact_leaves_no_dead_rows_on_postgresql(
    runtime: Runtime,
    personas: helpers.Personas,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL keeps a deleted row's bytes in its pages (and indexes) until VACUUM, and a
    plain VACUUM may leave them: `homeward purge --compact` rewrites the contact tables."""
    if runtime.db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's pages are zeroed at deletion (secure_delete): see the test above")
    helpers.contact_start(client)
    files = [("scan.txt", b"synthetic scan", "text/plain")]
    assert helpers.contact_write(client, sentinel.marker("letter"), files=files) == 303
    with runtime.db.transaction() as session:
        contact_id = session.scalars(select(Contact.id)).one()
    traced = _traced(runtime, contact_id)
    form = client.get("/en/delete")
    deleted = client.post("/en/delete", data={"confirm": "yes", "csrf": helpers.csrf_of(form.text)})
    assert deleted.status_code == 200
    assert _traced_hits({"pages": _pages(runtime)}, traced)  # dead rows: still in the pages
    assert _traced_hits({"dump": sentinel.dump(runtime)}, traced) == {}  # though no dump shows them

    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", runtime.settings.database_url)
    result = CliRunner().invoke(main.app, ["purge", "--compact"])
    assert result.exit_code == 0, result.output
    assert _traced_hits({"pages": _pages(runtime)}, traced) == {}
