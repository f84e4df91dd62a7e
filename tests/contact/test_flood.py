"""A flood of contacts must not hurt the officers' side or leave rows behind: new codenames are
capped per minute, key derivation is gated (a full gate answers 'busy' and stores nothing), and
codenames never used are purged while contacts who wrote are kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from homeward.contact import service as contact_service
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers

BASE_URL = "http://127.0.0.1"
BUSY = "the service is busy; please try again in a minute"


def counts(runtime: Runtime) -> dict[str, object]:
    with runtime.db.engine.connect() as connection:
        made: dict[str, object] = {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
            for table in ("contact", "conversation", "message", "web_session")
        }
        made["totp steps"] = connection.execute(
            text("SELECT id, last_totp_step FROM officer ORDER BY id")
        ).all()
    return made


def start(app: FastAPI) -> httpx2.Response:
    """A first visit from a new browser: landing page, then 'get my codename'."""
    with TestClient(app, base_url=BASE_URL) as visitor:
        csrf = helpers.csrf_of(visitor.get("/en").text)
        return visitor.post("/en/start", data={"csrf": csrf})


@pytest.fixture
def capped(engine_name: str, templates: helpers.Templates, tmp_path: Path) -> Iterator[Runtime]:
    with helpers.fresh_runtime(engine_name, templates, tmp_path, new_contacts_per_minute=5) as made:
        yield made


def test_new_codenames_are_capped_while_officers_and_known_contacts_carry_on(
    capped: Runtime,
) -> None:
    runtime = capped
    personas = helpers.make_personas(runtime)
    app = create_app(runtime)
    with TestClient(app, base_url=BASE_URL) as officer, TestClient(app, base_url=BASE_URL) as known:
        fra = helpers.api_token(officer, runtime, personas["fra_officer"])
        helpers.officer_signin(officer, runtime, personas["fra_officer"])
        codename = helpers.contact_start(known)  # the first of the five this minute

        for _ in range(4):
            assert start(app).status_code == 200
        assert counts(runtime)["contact"] == 5
        sixth = start(app)
        assert sixth.status_code == 429
        assert "Too many people are starting at the moment." in sixth.text
        assert counts(runtime)["contact"] == 5

        # Meanwhile the officers' side answers, and a contact who has a codename still writes
        # and signs in: only new codenames are capped.
        assert officer.get("/api/v1/conversations", headers=fra).status_code == 200
        assert officer.get("/officer/").status_code == 200
        assert helpers.contact_write(known, "Still here.", desk="FRA") == 303
        csrf = helpers.csrf_of(known.get("/en").text)
        back = known.post("/en/signin", data={"codename": codename, "csrf": csrf})
        assert back.status_code == 200
        assert officer.get("/api/v1/conversations", headers=fra).json()["total"] == 1
        assert start(app).status_code == 429


@pytest.fixture
def gated(engine_name: str, templates: helpers.Templates, tmp_path: Path) -> Iterator[Runtime]:
    with helpers.fresh_runtime(
        engine_name, templates, tmp_path, kdf_concurrency=1, kdf_wait_seconds=0
    ) as made:
        yield made


def test_a_full_kdf_gate_answers_busy_and_stores_nothing(gated: Runtime) -> None:
    runtime = gated
    fra = helpers.make_personas(runtime)["fra_officer"]
    app = create_app(runtime)
    with TestClient(app, base_url=BASE_URL) as holder:
        codename = helpers.contact_start(holder)
    code = helpers.totp_code(runtime, fra)
    credentials = {"username": fra.username, "password": fra.password, "code": code}

    with TestClient(app, base_url=BASE_URL) as client:
        officer_csrf = helpers.csrf_of(client.get("/officer/signin").text)
        contact_csrf = helpers.csrf_of(client.get("/en").text)
        before = counts(runtime)
        with runtime.kdf_gate.slot():  # every derivation slot is taken
            api = client.post("/api/v1/auth/token", json=credentials)
            assert api.status_code == 503
            assert api.json() == {"detail": BUSY}
            page = client.post(
                "/officer/signin",
                data={**credentials, "csrf": officer_csrf},
                follow_redirects=False,
            )
            assert page.status_code == 503
            assert BUSY in page.text
            for path, data in (("/en/start", {}), ("/en/signin", {"codename": codename})):
                response = client.post(path, data={**data, "csrf": contact_csrf})
                assert response.status_code == 503, path
                assert "The service is busy. Please try again in a minute." in response.text
            assert counts(runtime) == before
            assert "hw_officer" not in client.cookies
            assert "hw_contact" not in client.cookies

        # Once a slot is free the same code works: the busy answer did not spend it.
        assert client.post("/api/v1/auth/token", json=credentials).status_code == 200


def test_unused_codenames_are_purged_and_writers_kept(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    app = create_app(runtime)
    silent, writer = TestClient(app, base_url=BASE_URL), TestClient(app, base_url=BASE_URL)
    with silent, writer:
        silent_codename = helpers.contact_start(silent)
        for _ in range(3):
            assert start(app).status_code == 200
        writer_codename = helpers.contact_start(writer)
        assert helpers.contact_write(writer, "I wrote, keep me.", desk="FRA") == 303
        assert counts(runtime)["contact"] == 5

        older_than = timedelta(hours=runtime.settings.unused_contact_hours)
        with runtime.db.transaction() as session:
            assert contact_service.purge_unused(session=session, older_than=older_than) == 0
        with runtime.db.transaction() as session:
            later = utcnow() + timedelta(days=2)
            purged = contact_service.purge_unused(session=session, older_than=older_than, now=later)
        assert purged == 4
        left = counts(runtime)
        assert (left["contact"], left["conversation"], left["message"]) == (1, 1, 1)

        # The purged codename is gone for good; the writer's still opens the conversation.
        assert silent.get("/en/write").status_code == 401
        for client, codename, status in (
            (silent, silent_codename, 401),
            (writer, writer_codename, 200),
        ):
            csrf = helpers.csrf_of(client.get("/en").text)
            response = client.post("/en/signin", data={"codename": codename, "csrf": csrf})
            assert response.status_code == status
        fra = helpers.api_token(writer, runtime, personas["fra_officer"])
        listed = writer.get("/api/v1/conversations", headers=fra).json()
        assert listed["total"] == 1
