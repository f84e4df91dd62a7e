"""The security model's test: a copy of the database, the data directory and the logs, without
an officer's password or a live session, holds none of what contacts and officers wrote, nor
the contact's codename, user agent or address.

Unique markers go into messages, file names, file contents and replies; then the raw bytes of
every file under the data directory (SQLite database, WAL, blobs, keys), a PostgreSQL dump and
everything logged are searched for them, in UTF-8 and in hex. The codename is searched too.
"""

from __future__ import annotations

import logging
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from homeward.accounts import service as accounts_service
from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers


def _marker(kind: str) -> str:
    return f"SENTINEL-{kind}-{secrets.token_hex(8)}"


def _forms(marker: str) -> list[bytes]:
    raw = marker.encode()
    return [raw, raw.hex().encode(), marker.encode("utf-16-le")]


def _hits(blob: bytes, markers: list[str]) -> list[str]:
    return [m for m in markers if any(form in blob for form in _forms(m))]


def _files_under(folder: Path) -> Iterator[Path]:
    yield from (path for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def captured_log(tmp_path: Path) -> Iterator[Path]:
    """Everything any logger emits, at every level, goes to a file we search afterwards."""
    path = tmp_path / "everything.log"
    handler = logging.FileHandler(path)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(previous)
    handler.close()


def _dump(runtime: Runtime) -> bytes:
    url = runtime.settings.effective_database_url
    if not url.startswith("postgresql"):
        return b""
    return subprocess.run(
        ["pg_dump", "--no-owner", url], check=True, capture_output=True, timeout=120
    ).stdout


def test_nothing_written_is_stored_or_logged_in_clear(
    runtime: Runtime,
    personas: helpers.Personas,
    client: TestClient,
    captured_log: Path,
) -> None:
    message_marker = _marker("message")
    later_marker = _marker("second-message")
    file_name_marker = _marker("filename")
    file_body_marker = _marker("filebody")
    reply_marker = _marker("reply")
    unrouted_marker = _marker("unrouted")

    agent_marker = _marker("useragent")
    address_marker = "203.0.113.77"  # TEST-NET-3: an address that is nobody's
    client.headers.update(
        {"user-agent": f"Mozilla/5.0 {agent_marker}", "x-forwarded-for": address_marker}
    )
    codename = helpers.contact_start(client, "de")
    status = helpers.contact_write(
        client,
        f"Hallo {message_marker}",
        lang="de",
        files=[(f"{file_name_marker}.txt", (file_body_marker * 500).encode(), "text/plain")],
    )
    assert status == 303
    assert helpers.contact_write(client, later_marker, lang="de", desk=None) == 303

    other = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    helpers.contact_start(other, "ar")
    assert helpers.contact_write(other, unrouted_marker, lang="ar", desk="unknown") == 303

    officer = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    headers = helpers.api_token(officer, runtime, personas["fra_officer"])
    conversation_id = officer.get("/api/v1/conversations", headers=headers).json()["items"][0]["id"]
    opened = officer.get(f"/api/v1/conversations/{conversation_id}", headers=headers).json()
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
        agent_marker,
        address_marker,
    ]
    searched: dict[str, bytes] = {
        str(path): path.read_bytes() for path in _files_under(runtime.settings.data_dir)
    }
    searched["postgres dump"] = _dump(runtime)
    searched["log"] = captured_log.read_bytes()
    found = {where: _hits(blob, markers) for where, blob in searched.items()}
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
