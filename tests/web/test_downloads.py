"""A contact's file downloads whatever its name: Arabic, Cyrillic, accented, emoji, and names
built to break the header (quotes, CR LF, bidi controls). The officer pages and the API send
`filename*` (RFC 6266/5987, UTF-8) with an ASCII fallback, the header parses back to the name,
and a download that cannot be made leaves no audit entry of a read. SQLite and PostgreSQL."""

from __future__ import annotations

from email import utils as email_utils
from email.message import Message

import httpx2
import pytest
from fastapi.testclient import TestClient

from homeward.audit import service as audit
from homeward.core.runtime import Runtime
from homeward.web.text import ascii_filename, attachment_disposition
from tests import helpers
from tests.web.letters import write_letter

CONTENT = b"Synthetic scan of a family record.\n"
READ = "contact:attachment:read"
LETTER = "Voici les documents."

# (name as stored, name the header must give back, its ASCII fallback)
NAMES = [
    ("وثيقة الهوية.pdf", "وثيقة الهوية.pdf", "file.pdf"),
    ("Паспорт Иванова.jpg", "Паспорт Иванова.jpg", "file.jpg"),
    ("Acte – Hélène Müller.pdf", "Acte – Hélène Müller.pdf", "Acte _ Helene Muller.pdf"),
    ("photo 😀 famille.png", "photo 😀 famille.png", "photo _ famille.png"),
    ('rapport "final" \\ v2.txt', 'rapport "final" \\ v2.txt', "rapport final  v2.txt"),
    ("note\r\nX-Injected: 1.txt", "noteX-Injected: 1.txt", "noteX-Injected: 1.txt"),
    ("invoice\u202efdp.exe", "invoicefdp.exe", "invoicefdp.exe"),
    ("\u2067مرحبا\u2069\u200f.txt", "مرحبا.txt", "file.txt"),
    ("a;b=c'd%41.txt", "a;b=c'd%41.txt", "a;b=c'd%41.txt"),
]


def parsed_names(header: str) -> tuple[str, str]:
    """(filename*, filename) as a mail parser reads them: RFC 2231/5987 decoded, quoted
    string unquoted."""
    message = Message()
    message["content-disposition"] = header
    params = message.get_params(header="content-disposition")
    assert params is not None
    assert params[0] == ("attachment", "")
    extended = [value for key, value in params if key == "filename" and isinstance(value, tuple)]
    plain = [value for key, value in params if key == "filename" and isinstance(value, str)]
    assert (len(extended), len(plain)) == (1, 1), params
    assert extended[0][0] == "UTF-8"
    return email_utils.collapse_rfc2231_value(extended[0]), plain[0]


@pytest.mark.parametrize(("stored", "expected", "fallback"), NAMES)
def test_the_header_names_the_file_and_is_plain_ascii(
    stored: str, expected: str, fallback: str
) -> None:
    header = attachment_disposition(stored)
    assert header.isascii()
    assert not any(ch in header for ch in "\r\n\0")
    assert parsed_names(header) == (expected, fallback)
    assert ascii_filename(stored) == fallback


def _reads(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        return len(audit.entries(session=session, action=READ))


def _attachments(client: TestClient, token: dict[str, str], conversation_id: str) -> list[str]:
    view = client.get(f"/api/v1/conversations/{conversation_id}", headers=token).json()
    return [file["id"] for file in view["messages"][0]["attachments"]]


def _download_ok(response: httpx2.Response, expected: str, fallback: str) -> None:
    assert response.status_code == 200, response.text
    assert response.content == CONTENT
    assert "x-injected" not in response.headers
    assert response.headers["content-type"] == "application/octet-stream"
    assert parsed_names(response.headers["content-disposition"]) == (expected, fallback)


def test_files_of_any_name_download_from_the_pages_and_the_api(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    officer = personas["fra_officer"]
    conversation_id, _blobs = write_letter(
        runtime, LETTER, [(stored, CONTENT) for stored, _, _ in NAMES]
    )
    token = helpers.api_token(client, runtime, officer)
    ids = _attachments(client, token, conversation_id)
    with TestClient(client.app, base_url="http://127.0.0.1") as pages:
        helpers.officer_signin(pages, runtime, officer)
        for attachment_id, (_stored, expected, fallback) in zip(ids, NAMES, strict=True):
            before = _reads(runtime)
            _download_ok(pages.get(f"/officer/attachments/{attachment_id}"), expected, fallback)
            _download_ok(
                client.get(f"/api/v1/attachments/{attachment_id}", headers=token),
                expected,
                fallback,
            )
            assert _reads(runtime) == before + 2


def test_a_download_that_cannot_be_made_is_not_recorded_as_a_read(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    officer = personas["fra_officer"]
    conversation_id, [blob] = write_letter(runtime, LETTER, [("Паспорт.pdf", CONTENT)])
    (runtime.settings.blobs_dir / blob.blob_name).unlink()
    token = helpers.api_token(client, runtime, officer)
    [attachment_id] = _attachments(client, token, conversation_id)
    before = _reads(runtime)
    with TestClient(client.app, base_url="http://127.0.0.1") as pages:
        helpers.officer_signin(pages, runtime, officer)
        page = pages.get(f"/officer/attachments/{attachment_id}")
        assert page.status_code == 404
        assert "file not found" in page.text
    answer = client.get(f"/api/v1/attachments/{attachment_id}", headers=token)
    assert (answer.status_code, answer.json()) == (404, {"detail": "file not found"})
    assert _reads(runtime) == before
