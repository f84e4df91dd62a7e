"""One transaction per request, owned by the request (web/deps.py): a failure after the change
and before the answer leaves nothing, a failed commit is answered as an error, and a refused
session's row is deleted by the refusing request itself, in its one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from homeward.accounts.models import WebSession
from homeward.audit.models import AuditEvent
from homeward.cases import views
from homeward.cases.models import CaseNote
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers
from tests.web.transactions import TransactionCounter

BASE_URL = "http://127.0.0.1"


class Injected(RuntimeError):
    """A failure made on purpose by the test."""


@pytest.fixture
def app_client(runtime: Runtime) -> Iterator[tuple[TestClient, TransactionCounter]]:
    app = create_app(runtime)
    counter = TransactionCounter(runtime, app)
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as client:
        yield client, counter
    counter.close()


def _counts(runtime: Runtime) -> tuple[int, int]:
    """(case notes, audit entries): read straight from the tables."""
    with runtime.db.engine.connect() as connection:
        notes = connection.execute(select(func.count()).select_from(CaseNote)).scalar_one()
        entries = connection.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    return int(notes), int(entries)


def _open_case(client: TestClient, headers: dict[str, str]) -> str:
    opened = client.post(
        "/api/v1/cases",
        headers=headers,
        json={"identity": {"given_names": "Yacine", "family_name": "Haddad"}},
    )
    assert opened.status_code == 201, opened.text
    case_id: str = opened.json()["id"]
    return case_id


def test_a_failure_after_the_change_leaves_nothing(
    runtime: Runtime,
    personas: helpers.Personas,
    app_client: tuple[TestClient, TransactionCounter],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The note is added and flushed, then the read-back fails: nothing was committed, so a
    retry cannot add the note twice, and the log holds no entry for a note that is not there."""
    client, _counter = app_client
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    case_id = _open_case(client, fra)
    before = _counts(runtime)

    def failing_view(**_kwargs: Any) -> Any:
        raise Injected

    monkeypatch.setattr(views, "case_view", failing_view)
    noted = client.post(f"/api/v1/cases/{case_id}/notes", headers=fra, json={"text": "Called."})
    assert noted.status_code == 500
    assert _counts(runtime) == before
    monkeypatch.undo()

    again = client.post(f"/api/v1/cases/{case_id}/notes", headers=fra, json={"text": "Called."})
    assert again.status_code == 201, again.text
    assert [note["text"] for note in again.json()["notes"]] == ["Called."]


def test_a_failed_commit_is_answered_as_an_error(
    runtime: Runtime,
    personas: helpers.Personas,
    app_client: tuple[TestClient, TransactionCounter],
) -> None:
    """The commit runs before the response is sent: when it fails, the client hears so."""
    client, _counter = app_client
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    case_id = _open_case(client, fra)
    before = _counts(runtime)
    failing = {"armed": True}

    def refuse_commit(_session: Session) -> None:
        if failing["armed"]:
            failing["armed"] = False
            raise Injected

    event.listen(runtime.db.sessions, "before_commit", refuse_commit)
    try:
        noted = client.post(f"/api/v1/cases/{case_id}/notes", headers=fra, json={"text": "Called."})
    finally:
        event.remove(runtime.db.sessions, "before_commit", refuse_commit)
    assert not failing["armed"], "the commit was never reached"
    assert noted.status_code == 500
    assert _counts(runtime) == before


def test_changing_requests_begin_one_transaction(
    runtime: Runtime,
    personas: helpers.Personas,
    app_client: tuple[TestClient, TransactionCounter],
) -> None:
    """A change, its read-back and its audit entry, and the session check before them: one
    transaction (on SQLite, one taking of the write lock)."""
    client, counter = app_client
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    case_id = _open_case(client, fra)
    client.post(f"/api/v1/cases/{case_id}/notes", headers=fra, json={"text": "Called."})
    client.post(f"/api/v1/cases/{case_id}/stage", headers=fra, json={"stage": "in_contact"})
    changes = [seen for seen in counter.seen if seen.route.startswith("/api/v1/cases")]
    assert [seen.status for seen in changes] == [201, 201, 200]
    assert [seen.begins for seen in changes] == [1, 1, 1]


def _expire(runtime: Runtime, subject_id: str) -> None:
    """Test set-up, not a mock: the stored deadline is moved as time would move it."""
    with runtime.db.transaction() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.subject_id == subject_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )


def _sessions_of(runtime: Runtime, subject_id: str) -> int:
    with runtime.db.engine.connect() as connection:
        found = connection.execute(
            select(func.count()).select_from(WebSession).where(WebSession.subject_id == subject_id)
        ).scalar_one()
    return int(found)


def test_an_expired_officer_session_is_deleted_by_the_refusal_itself(
    runtime: Runtime,
    personas: helpers.Personas,
    app_client: tuple[TestClient, TransactionCounter],
) -> None:
    client, counter = app_client
    fra = personas["fra_officer"]
    bearer = helpers.api_token(client, runtime, fra)
    _expire(runtime, fra.officer_id)
    assert _sessions_of(runtime, fra.officer_id) == 1
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    assert counter.seen[-1].begins == 1
    assert _sessions_of(runtime, fra.officer_id) == 0


def test_an_expired_contact_session_is_deleted_by_the_refusal_itself(
    runtime: Runtime, app_client: tuple[TestClient, TransactionCounter]
) -> None:
    client, counter = app_client
    helpers.contact_start(client)
    with runtime.db.engine.connect() as connection:
        contact_id = connection.execute(select(WebSession.subject_id)).scalar_one()
    _expire(runtime, contact_id)
    refused = client.get("/en/conversation")
    assert refused.status_code == 401
    assert counter.seen[-1].begins == 1
    assert _sessions_of(runtime, contact_id) == 0


def test_contact_pages_begin_one_transaction_each(
    runtime: Runtime,
    personas: helpers.Personas,  # the desks' keys come with their first officers
    app_client: tuple[TestClient, TransactionCounter],
) -> None:
    """A contact's whole life, key derivations included; the streamed upload alone checks the
    session in one transaction and stores the letter in another."""
    client, counter = app_client
    codename = helpers.contact_start(client)
    assert helpers.contact_write(client, "I want to come home.") == 303
    assert client.get("/en/conversation").status_code == 200
    assert client.get("/en/leave").status_code == 200
    signin = client.get("/en")
    signed = client.post(
        "/en/signin",
        data={"codename": codename, "csrf": helpers.csrf_of(signin.text)},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    form = client.get("/en/delete")
    deleted = client.post("/en/delete", data={"confirm": "yes", "csrf": helpers.csrf_of(form.text)})
    assert deleted.status_code == 200
    routes = {(seen.method, seen.route) for seen in counter.seen}
    assert {("POST", "/{lang}/start"), ("POST", "/{lang}/signin")} <= routes
    assert {("POST", "/{lang}/delete"), ("GET", "/{lang}/leave")} <= routes
    assert counter.over_one() == []
    writes = [seen.begins for seen in counter.seen if seen.route == "/{lang}/write"]
    assert writes == [1, 2]  # the form; then the session check and the letter
    with runtime.db.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(WebSession)).scalar_one() == 0
