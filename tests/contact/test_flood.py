"""A flood of contacts must not hurt the officers' side or leave rows behind: new codenames are
capped per minute, key derivation is gated (a full gate answers 'busy' and stores nothing),
contacts waiting at the gate hold none of the threads officers' requests run on and officers
keep derivation slots of their own, and codenames never used are purged while contacts who
wrote are kept."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx2
import pytest
from anyio import to_thread
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from homeward.contact import service as contact_service
from homeward.core.db import utcnow
from homeward.core.gate import KdfGate, Slots
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


@contextmanager
def holding(slots: Slots) -> Iterator[int]:
    """Takes every free slot of one share of the gate, as running derivations would."""
    taken = 0
    while slots.take_blocking(0):
        taken += 1
    try:
        yield taken
    finally:
        for _ in range(taken):
            slots.release()


@pytest.fixture
def gated(engine_name: str, templates: helpers.Templates, tmp_path: Path) -> Iterator[Runtime]:
    with helpers.fresh_runtime(
        engine_name, templates, tmp_path, kdf_concurrency=2, kdf_wait_seconds=0
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
        gate = runtime.kdf_gate
        with holding(gate.contacts), holding(gate.officers):  # every derivation slot is taken
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


WAITERS = 60
"""More contact requests than the server has worker threads (anyio's default is 40)."""


@pytest.fixture
def patient(engine_name: str, templates: helpers.Templates, tmp_path: Path) -> Iterator[Runtime]:
    """Contacts wait up to a minute at the gate: far longer than this test takes, unless the
    waiters hold the threads that officers need."""
    with helpers.fresh_runtime(engine_name, templates, tmp_path, kdf_wait_seconds=60) as made:
        yield made


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


def test_contacts_waiting_at_the_gate_leave_officers_their_threads_and_slots(
    patient: Runtime,
) -> None:
    runtime = patient
    personas = helpers.make_personas(runtime)
    gate = runtime.kdf_gate
    app = create_app(runtime)
    with TestClient(app, base_url=BASE_URL) as client, ThreadPoolExecutor(WAITERS) as flood:
        portal = client.portal
        assert portal is not None
        fra = helpers.api_token(client, runtime, personas["fra_officer"])
        deu = personas["deu_officer"]
        csrf = helpers.csrf_of(client.get("/en").text)

        def default_pool_in_use() -> float:
            return portal.call(lambda: to_thread.current_default_thread_limiter().borrowed_tokens)

        with holding(gate.contacts):  # the contacts' share is busy deriving
            waiting = [
                flood.submit(
                    client.post,
                    "/en/signin",
                    data={"codename": f"not a codename {n}", "csrf": csrf},
                )
                for n in range(WAITERS)
            ]
            wait_for(lambda: gate.contacts.waiting == WAITERS)
            assert default_pool_in_use() == 0  # the waiters hold none of the routes' threads

            began = time.monotonic()
            me = client.get("/api/v1/me", headers=fra)
            credentials = {
                "username": deu.username,
                "password": deu.password,
                "code": helpers.totp_code(runtime, deu),
            }
            signed_in = client.post("/api/v1/auth/token", json=credentials)
            took = time.monotonic() - began

            assert me.status_code == 200
            assert me.json()["username"] == personas["fra_officer"].username
            assert signed_in.status_code == 200, signed_in.text  # on the officers' own slot
            assert took < 20  # generous: held threads would have kept it waiting a minute
            assert gate.contacts.waiting == WAITERS  # the contacts were waiting all along
            assert not any(answer.done() for answer in waiting)

        # The slot comes free: each waiter in turn gets the one answer every codename gets.
        answers = [answer.result(timeout=60) for answer in waiting]
    assert [answer.status_code for answer in answers] == [401] * WAITERS
    assert len({answer.text for answer in answers}) == 1
    assert gate.contacts.free == 1
    assert gate.contacts.waiting == 0


def test_the_gate_hands_slots_over_in_turn_across_threads_and_loses_none() -> None:
    async def scenario() -> list[str]:
        slots = Slots(1)
        assert await slots.take(0)
        assert not await slots.take(0)  # none free, and told not to wait
        assert not await slots.take(0.05)  # none came in time
        served: list[str] = []

        async def visitor(name: str) -> None:
            assert await slots.take(30)
            served.append(name)
            slots.release()

        tasks = {}
        for name in ("first", "gone", "second"):
            tasks[name] = asyncio.create_task(visitor(name))
            while slots.waiting < len(tasks):
                await asyncio.sleep(0)
        tasks["gone"].cancel()  # a visitor who leaves while waiting takes no slot with them
        releaser = threading.Thread(target=slots.release)  # a derivation ends on its thread
        releaser.start()
        await asyncio.gather(tasks["first"], tasks["second"])
        releaser.join()
        assert tasks["gone"].cancelled()

        # Cancelled just after a slot was handed over: the slot goes back, not lost.
        assert await slots.take(0)
        late = asyncio.create_task(visitor("late"))
        while slots.waiting < 1:
            await asyncio.sleep(0)
        slots.release()
        late.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await late
        assert slots.free == 1
        assert slots.waiting == 0
        return served

    assert asyncio.run(scenario()) == ["first", "second"]


def test_officers_keep_a_slot_of_their_own(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="HOMEWARD_KDF_OFFICER_SLOTS") as refused:
        helpers.settings_for(tmp_path, "sqlite://", kdf_concurrency=2, kdf_officer_slots=2)
    assert "contacts need a slot too" in str(refused.value)
    settings = helpers.settings_for(tmp_path, "sqlite://", kdf_concurrency=3, kdf_officer_slots=1)
    gate = KdfGate(
        contact_slots=settings.kdf_concurrency - settings.kdf_officer_slots,
        officer_slots=settings.kdf_officer_slots,
        wait_seconds=0,
    )
    try:
        with holding(gate.contacts) as contacts, holding(gate.officers) as officers:
            assert (contacts, officers) == (2, 1)
    finally:
        gate.close()
