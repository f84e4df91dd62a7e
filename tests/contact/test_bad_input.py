"""Bad input on the contact side gets a clear page and stores nothing: no row in any content
table and no file in the blob store. The officers' API answers malformed bodies with 422."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from homeward.accounts.models import WebSession
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.crypto import codename as codenames
from homeward.web.app import create_app
from tests import helpers

BASE_URL = "http://127.0.0.1"
MAX_BYTES = 1000
TABLES = ("contact", "conversation", "message", "attachment", "key_wrap")
NOT_STORED = "Nothing was stored."
BOUNDARY = "hw-test-boundary"


def stored(runtime: Runtime) -> dict[str, int]:
    """Rows in every content table, and files in the blob store."""
    with runtime.db.engine.connect() as connection:
        counts = {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
            for table in TABLES
        }
    folder = runtime.settings.blobs_dir
    counts["blob files"] = len(list(folder.iterdir())) if folder.exists() else 0
    return counts


@pytest.fixture
def small(engine_name: str, templates: helpers.Templates, tmp_path: Path) -> Iterator[Runtime]:
    with helpers.fresh_runtime(
        engine_name, templates, tmp_path, attachment_max_bytes=MAX_BYTES
    ) as made:
        helpers.make_personas(made)  # desks get their keys
        yield made


@pytest.fixture
def contact(small: Runtime) -> Iterator[TestClient]:
    """A contact who has a codename and a session, and has not written yet."""
    with TestClient(create_app(small), base_url=BASE_URL) as made:
        helpers.contact_start(made)
        yield made


def send(
    client: TestClient,
    message: str = "A synthetic letter.",
    *,
    files: list[tuple[str, bytes]] | None = None,
    desk: str = "FRA",
    csrf: str | None = "from the form",
) -> httpx2.Response:
    data = {"message": message, "desk": desk}
    if csrf == "from the form":
        data["csrf"] = helpers.csrf_of(client.get("/en/write").text)
    elif csrf is not None:
        data["csrf"] = csrf
    upload = [("files", (name, body, "application/octet-stream")) for name, body in files or []]
    upload = upload or [("files", ("", b"", "application/octet-stream"))]
    return client.post("/en/write", data=data, files=upload, follow_redirects=False)


def raw(client: TestClient, body: bytes, content_type: str) -> httpx2.Response:
    headers = {"content-type": content_type}
    return client.post("/en/write", content=body, headers=headers, follow_redirects=False)


def refused(response: httpx2.Response, status: int, *phrases: str) -> None:
    assert response.status_code == status, response.text
    for phrase in phrases:
        assert phrase in response.text


def test_an_oversized_file_is_refused_with_everything_sent_along(
    small: Runtime, contact: TestClient
) -> None:
    before = stored(small)
    files = [("fits.txt", b"a" * 500), ("too-big.bin", b"b" * (MAX_BYTES + 1))]
    response = send(contact, "Keep these words.", files=files, desk="DEU")
    refused(response, 413, "The file <bdi>too-big.bin</bdi> is larger than <bdi>0.001</bdi> MiB")
    refused(response, 413, "Attach your files again before sending, they were not kept: ")
    form_kept(response, "Keep these words.", "DEU", invalid="files")
    assert "<bdi>fits.txt</bdi>" in response.text
    huge = [("huge.bin", b"c" * 400_000)]  # past the whole-body limit: refused before reading
    refused(send(contact, files=huge), 413, "Nothing was sent.")
    assert stored(small) == before
    assert send(contact, files=[("exact.bin", b"d" * MAX_BYTES)]).status_code == 303
    assert stored(small)["attachment"] == before["attachment"] + 1


def test_too_many_files(small: Runtime, contact: TestClient) -> None:
    before = stored(small)
    files = [(f"page-{n}.jpg", b"x" * 100) for n in range(6)]
    response = send(contact, "Six pages.", files=files)
    refused(response, 400, "At most <bdi>5</bdi> files can go with one letter; <bdi>page-5.jpg")
    form_kept(response, "Six pages.", "FRA", invalid="files")
    assert stored(small) == before


@pytest.mark.parametrize(
    ("message", "status", "detail"),
    [
        (" \n\t ", 400, "Your message is empty."),
        ("x" * 20_001, 400, "Your message is longer than <bdi>20,000</bdi> characters."),
        ("x" * 100_000, 413, "What you sent is too large. Nothing was sent."),
    ],
    ids=["empty", "too long", "far too long"],
)
def test_empty_or_too_long_message(
    small: Runtime, contact: TestClient, message: str, status: int, detail: str
) -> None:
    before = stored(small)
    response = send(contact, message, files=[("scan.jpg", b"y" * 100)])
    refused(response, status, detail)
    if status == 400:  # the form again, what was typed kept; past the body limit, a page
        form_kept(response, message, "FRA", invalid="message")
    assert stored(small) == before


def multipart(*parts: tuple[str, str], closed: bool = True) -> bytes:
    body = "".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in parts
    )
    return (body + (f"--{BOUNDARY}--\r\n" if closed else "")).encode()


def test_malformed_multipart_bodies(small: Runtime, contact: TestClient) -> None:
    csrf = helpers.csrf_of(contact.get("/en/write").text)
    fields = [("csrf", csrf), ("message", "A synthetic letter."), ("desk", "FRA")]
    file_head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    truncated_in_file = multipart(*fields, closed=False) + file_head.encode() + b"partial" * 50
    bodies = {
        "garbage": b"this is not multipart at all",
        "part without a name": multipart(*fields).replace(b'; name="desk"', b""),
        "header without a colon": f"--{BOUNDARY}\r\nno colon here\r\n\r\nx\r\n".encode(),
        "no closing boundary": multipart(*fields, closed=False),
        "cut off inside a file": truncated_in_file,
        "not UTF-8": multipart(*fields).replace(b"A synthetic", b"\xff\xfe synthetic"),
    }
    before = stored(small)
    for name, body in bodies.items():
        response = raw(contact, body, f"multipart/form-data; boundary={BOUNDARY}")
        assert response.status_code == 400, name
        assert NOT_STORED in response.text, name
        assert stored(small) == before, name
    # The same fields, well formed, are accepted: the refusals were about the body alone.
    ok = raw(contact, multipart(*fields), f"multipart/form-data; boundary={BOUNDARY}")
    assert ok.status_code == 303


def test_wrong_content_type(small: Runtime, contact: TestClient) -> None:
    csrf = helpers.csrf_of(contact.get("/en/write").text)
    before = stored(small)
    form = contact.post(
        "/en/write", data={"csrf": csrf, "message": "Hello", "desk": "FRA"}, follow_redirects=False
    )
    refused(form, 400, NOT_STORED)
    as_json = raw(contact, b'{"message": "Hello"}', "application/json")
    refused(as_json, 400, NOT_STORED)
    no_boundary = raw(contact, multipart(("message", "Hello")), "multipart/form-data")
    refused(no_boundary, 400, NOT_STORED)
    assert stored(small) == before


def test_missing_or_wrong_csrf_token(small: Runtime, contact: TestClient) -> None:
    before = stored(small)
    expired = "This form has expired"
    for token in (None, "", "f" * 64):
        refused(send(contact, files=[("a.jpg", b"z" * 10)], csrf=token), 400, expired)
    with TestClient(create_app(small), base_url=BASE_URL) as newcomer:
        newcomer.get("/en")
        for data in ({}, {"csrf": ""}, {"csrf": "f" * 64}):
            refused(newcomer.post("/en/start", data=data), 400, expired)
        assert "hw_contact" not in newcomer.cookies
    assert stored(small) == before


def test_absent_or_expired_contact_session(small: Runtime, contact: TestClient) -> None:
    """Nothing is stored without a live session: the letter comes back asking for the
    codename (a stranger's too), and the pages that need a session say it has ended."""
    ended = "Your session has ended. Enter your codename again."
    asked = "Enter your codename and press Send."
    with TestClient(create_app(small), base_url=BASE_URL) as stranger:
        csrf = helpers.csrf_of(stranger.get("/en").text)
        before = stored(small)
        body = multipart(("csrf", csrf), ("message", "Hello"), ("desk", "FRA"))
        refused(raw(stranger, body, f"multipart/form-data; boundary={BOUNDARY}"), 401, asked)
        refused(stranger.get("/en/write"), 401, ended)

    csrf = helpers.csrf_of(contact.get("/en/write").text)
    with small.db.transaction() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.kind == "contact")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    body = multipart(("csrf", csrf), ("message", "Hello"), ("desk", "FRA"))
    refused(raw(contact, body, f"multipart/form-data; boundary={BOUNDARY}"), 401, asked)
    assert stored(small) == before


def form_kept(response: httpx2.Response, message: str, desk: str, *, invalid: str) -> None:
    """The write form came back: the letter in its field, the desk still chosen, the field
    at fault marked and its message tied to it."""
    page = response.text
    assert '<textarea id="message"' in page
    assert f">\n{html.escape(message, quote=False)}</textarea>" in page
    assert f'value="{desk}" checked' in page
    assert re.search(f'id="{invalid}"[^>]*aria-invalid="true"', page), invalid
    assert f'id="{invalid}-error"' in page
    assert 'role="alert"' in page


def test_a_message_containing_the_codename_is_refused(small: Runtime) -> None:
    with TestClient(create_app(small), base_url=BASE_URL) as client:
        codename = helpers.contact_start(client)
        words = codename.split(" ")
        variants = [
            codename,
            codename.upper(),
            "My words are:\n" + ",\n".join(words) + ".\nPlease answer soon.",
            "  ".join(word.capitalize() for word in words) + "!",
            "1. " + " 2. ".join(words),
            "(" + ")(".join(words) + ")",
        ]
        before = stored(small)
        for message in variants:
            response = send(client, message, files=[("a.jpg", b"q" * 10)])
            refused(response, 400, "Your message contains your codename.")
            for word in words:
                assert f">{word}<" not in response.text  # never echoed back
        assert stored(small) == before
        # Six of the seven words are not the codename.
        assert send(client, " ".join(words[:6])).status_code == 303


def test_an_unknown_desk_code(small: Runtime, contact: TestClient) -> None:
    before = stored(small)
    for desk in ("XYZ", "fra", "IRQQ"):
        refused(send(contact, desk=desk), 400, "Choose one of the listed desks")
    assert stored(small) == before


def test_wrong_and_unknown_codenames_get_the_same_page(small: Runtime) -> None:
    with TestClient(create_app(small), base_url=BASE_URL) as owner:
        real = helpers.contact_start(owner).split(" ")
    substitute = next(word for word in codenames.word_list() if word not in real)
    wrong = " ".join([*real[:-1], substitute])
    unknown = codenames.generate()
    with TestClient(create_app(small), base_url=BASE_URL) as visitor:
        csrf = helpers.csrf_of(visitor.get("/en").text)
        before = stored(small)
        answers = [
            visitor.post("/en/signin", data={"codename": attempt, "csrf": csrf})
            for attempt in (wrong, unknown, "not a codename", "")
        ]
    assert {(a.status_code, a.text) for a in answers} == {(answers[0].status_code, answers[0].text)}
    refused(answers[0], 401, "This codename was not recognised.")
    assert stored(small) == before


def test_api_bad_input_is_refused_with_422(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    helpers.contact_start(client)
    assert helpers.contact_write(client, "A synthetic letter.", desk="unknown") == 303
    with runtime.db.engine.connect() as connection:
        conversation_id = connection.execute(text("SELECT id FROM conversation")).scalar_one()
    url = f"/api/v1/conversations/{conversation_id}"
    with TestClient(create_app(runtime), base_url=BASE_URL) as officers:
        cell = helpers.api_token(officers, runtime, personas["coordinator"])
        before = stored(runtime)
        for body in ({"text": ""}, {}, {"text": "x" * 20_001}, {"text": "ok", "extra": 1}):
            response = officers.post(url + "/replies", headers=cell, json=body)
            assert response.status_code == 422, body
            assert response.json()["detail"]
        blank = officers.post(url + "/replies", headers=cell, json={"text": "   "})
        assert blank.status_code == 400
        assert blank.json() == {"detail": "reply: it is empty"}
        for desk in ("fr", "FRANCE", "FR1", "", None):
            response = officers.post(url + "/route", headers=cell, json={"desk": desk})
            assert response.status_code == 422, desk
            assert "desk" in response.json()["detail"]
        for body in ({"starred": True, "colour": "red"}, {"starred": "maybe"}, {}):
            response = officers.put(url + "/star", headers=cell, json=body)
            assert response.status_code == 422, body
        not_json = officers.post(
            url + "/replies", headers={**cell, "content-type": "application/json"}, content=b"{"
        )
        assert not_json.status_code == 422
        assert stored(runtime) == before
        opened = officers.get(url, headers=cell).json()
        assert opened["desk"] == "IRQ"
        assert opened["starred"] is False
