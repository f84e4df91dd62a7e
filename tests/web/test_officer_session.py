"""Officer sessions as behaviour: password plus a one-time TOTP code, one answer for every
failure, CSRF on every officer form, idle expiry, and sign-out that forgets the key."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx2
import pyotp
import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from homeward.accounts import service as accounts_service
from homeward.accounts.models import Officer, WebSession
from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases import transfers
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.release_basis import Basis
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from homeward.web.security import OFFICER_COOKIE
from tests import helpers

BASE_URL = "http://127.0.0.1"
REFUSED = "sign-in refused: check the username, password and code"
LEGAL_FORM = {"basis_kind": "legal_obligation", "grounds": "Synthetic: court order."}


def new_client(runtime: Runtime) -> TestClient:
    return TestClient(create_app(runtime), base_url=BASE_URL)


def wrong_code(runtime: Runtime, persona: helpers.Persona) -> str:
    """A well-formed code that no step the server would look at produces."""
    with runtime.db.transaction() as session:
        officer = accounts_service.find_officer(session=session, username=persona.username)
        assert officer is not None
        totp = pyotp.TOTP(runtime.secrets.open_field(officer.totp_secret_sealed))
    current = int(time.time()) // totp.interval
    near = {totp.generate_otp(step) for step in range(current - 2, current + 3)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def officer_row(runtime: Runtime, persona: helpers.Persona) -> tuple[int, int]:
    """(last accepted TOTP step, live session rows) of one officer."""
    with runtime.db.transaction() as session:
        step = session.scalar(
            select(Officer.last_totp_step).where(Officer.id == persona.officer_id)
        )
        count = session.scalar(
            select(func.count(WebSession.id)).where(WebSession.subject_id == persona.officer_id)
        )
    return int(step or 0), int(count or 0)


def signin_page(client: TestClient, username: str, password: str, code: str) -> httpx2.Response:
    page = client.get("/officer/signin")
    form = {"username": username, "password": password, "code": code}
    form["csrf"] = helpers.csrf_of(page.text)
    return client.post("/officer/signin", data=form, follow_redirects=False)


def signin_api(client: TestClient, username: str, password: str, code: str) -> httpx2.Response:
    body = {"username": username, "password": password, "code": code}
    return client.post("/api/v1/auth/token", json=body)


def test_signin_with_password_and_code_through_pages_and_api(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = personas["fra_officer"]
    response = signin_page(client, fra.username, fra.password, helpers.totp_code(runtime, fra))
    assert response.status_code == 303
    assert response.headers["location"] == "/officer/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    inbox = client.get("/officer/")
    assert inbox.status_code == 200
    assert fra.username in inbox.text

    api = signin_api(client, fra.username, fra.password, helpers.totp_code(runtime, fra))
    assert api.status_code == 200
    assert "set-cookie" not in api.headers
    assert api.json()["idle_timeout_seconds"] == runtime.settings.officer_idle_minutes * 60
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {api.json()['token']}"})
    assert me.json()["username"] == fra.username
    assert officer_row(runtime, fra)[1] == 2


def test_wrong_code_is_refused_and_opens_no_session(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = personas["fra_officer"]
    before = officer_row(runtime, fra)
    code = wrong_code(runtime, fra)
    api = signin_api(client, fra.username, fra.password, code)
    assert api.status_code == 401
    assert api.json() == {"detail": REFUSED}
    page = signin_page(client, fra.username, fra.password, code)
    assert page.status_code == 401
    assert REFUSED in page.text
    assert OFFICER_COOKIE not in client.cookies
    assert officer_row(runtime, fra) == before


def test_a_code_is_accepted_only_once(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = personas["fra_officer"]
    code = helpers.totp_code(runtime, fra)
    assert signin_api(client, fra.username, fra.password, code).status_code == 200
    step, sessions = officer_row(runtime, fra)
    replayed = signin_api(client, fra.username, fra.password, code)
    assert replayed.status_code == 401
    assert replayed.json() == {"detail": REFUSED}
    assert signin_page(client, fra.username, fra.password, code).status_code == 401
    assert officer_row(runtime, fra) == (step, sessions)


def test_unknown_user_wrong_password_and_wrong_code_give_one_answer(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    """Nothing in the answer tells an attacker which of the three was wrong."""
    fra = personas["fra_officer"]
    code = wrong_code(runtime, fra)
    attempts = [
        ("nobody.here", "a-password-of-some-length", code),
        (fra.username, fra.password + "x", code),
        (fra.username, fra.password, code),
    ]
    api = [signin_api(client, *attempt) for attempt in attempts]
    assert {(r.status_code, r.text) for r in api} == {(401, f'{{"detail":"{REFUSED}"}}')}
    pages = [signin_page(client, *attempt) for attempt in attempts]
    assert len({(r.status_code, r.text) for r in pages}) == 1
    assert pages[0].status_code == 401
    assert officer_row(runtime, fra) == (0, 0)


def snapshot(runtime: Runtime) -> tuple[object, ...]:
    with runtime.db.engine.connect() as connection:
        conversations = connection.execute(
            text("SELECT id, owner_nation, starred, message_count FROM conversation ORDER BY id")
        ).all()
        steps = connection.execute(text("SELECT id, last_totp_step FROM officer ORDER BY id")).all()
        cases = connection.execute(
            text(
                "SELECT id, owner_nation, stage, classification, release FROM case_file ORDER BY id"
            )
        ).all()
        transfers = connection.execute(text("SELECT id, status FROM case_transfer")).all()
        counts = [
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            for table in (
                "message",
                "key_wrap",
                "web_session",
                "audit_event",
                "case_event",
                "case_note",
                "case_note_wrap",
                "case_label",
            )
        ]
    return (
        [tuple(row) for row in conversations],
        [tuple(row) for row in steps],
        [tuple(row) for row in cases],
        [tuple(row) for row in transfers],
        *counts,
    )


def case_and_transfer(runtime: Runtime, personas: helpers.Personas) -> tuple[str, str]:
    """A FRA case, and a DEU case waiting to be transferred to FRA."""
    made = []
    for key in ("fra_officer", "deu_officer"):
        keyring = helpers.keyring(runtime, personas[key])
        with runtime.db.transaction() as session:
            case = case_flows.open_case(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                data=case_service.CaseOpen(identity=ClaimedIdentity(family_name="Saidi")),
            )
            if key == "deu_officer":
                transfer = transfers.request_transfer(
                    session=session,
                    keyring=keyring,
                    secrets=runtime.secrets,
                    case_id=case.id,
                    to_nation="FRA",
                    reason="holds French papers",
                    basis=Basis("legal_obligation", grounds="Synthetic: court order."),
                )
                made.append(transfer.id)
            else:
                made.append(case.id)
    return made[0], made[1]


NO_RECORD = "0" * 32
"""Where the form's record does not matter: the token is checked before the record is looked up."""


def test_every_officer_form_refuses_a_missing_or_wrong_csrf_token(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    app = create_app(runtime)
    for desk in ("FRA", "unknown"):
        with TestClient(app, base_url=BASE_URL) as contact:
            helpers.contact_start(contact)
            assert helpers.contact_write(contact, "Synthetic letter.", desk=desk) == 303
    with runtime.db.engine.connect() as connection:
        rows = connection.execute(text("SELECT owner_nation, id FROM conversation")).all()
        owners = {str(nation): str(conversation) for nation, conversation in rows}
    case_id, transfer_id = case_and_transfer(runtime, personas)

    clients: dict[str | None, TestClient] = {None: TestClient(app, base_url=BASE_URL)}
    for key in ("fra_officer", "coordinator"):
        clients[key] = TestClient(app, base_url=BASE_URL)
        helpers.officer_signin(clients[key], runtime, personas[key])
    supervisor = personas["fra_supervisor"]
    code = helpers.totp_code(runtime, supervisor)
    forms: dict[str, tuple[str | None, dict[str, str]]] = {
        "/officer/signin": (
            None,
            {"username": supervisor.username, "password": supervisor.password, "code": code},
        ),
        "/officer/signout": ("fra_officer", {}),
        "/officer/conversations/{conversation_id}/reply": ("fra_officer", {"text": "Bien recu."}),
        "/officer/conversations/{conversation_id}/star": ("fra_officer", {"starred": "1"}),
        "/officer/conversations/{conversation_id}/route": (
            "coordinator",
            {"desk": "FRA", "reason": "Synthetic.", "confirm": "yes"},
        ),
        "/officer/conversations/{conversation_id}/case": ("fra_officer", {"family_name": "Saidi"}),
        "/officer/cases/{case_id}/stage": ("fra_officer", {"stage": "in_contact"}),
        "/officer/cases/{case_id}/notes": ("fra_officer", {"text": "Vu la mere."}),
        "/officer/cases/{case_id}/labels": ("fra_officer", {"labels": "priority"}),
        "/officer/cases/{case_id}/protection": (
            "fra_officer",
            {"classification": "2", "release": "DEU", "reason": "shared", **LEGAL_FORM},
        ),
        "/officer/cases/{case_id}/transfer": (
            "fra_officer",
            {"to_nation": "DEU", "reason": "x", **LEGAL_FORM},
        ),
        "/officer/transfers/{transfer_id}/accept": ("fra_officer", {}),
        "/officer/transfers/{transfer_id}/refuse": ("fra_officer", {"reason": "not ours"}),
        "/officer/cases/{case_id}/identity/report": ("fra_officer", {}),
        "/officer/cases/{case_id}/identity/decisions": (
            "fra_officer",
            {"report_id": "0" * 32, "decision": "reject"},
        ),
        "/officer/identity/reports": ("fra_officer", {"family_name": "Saidi"}),
        "/officer/identity/import": ("fra_officer", {"csv": "record_id\nR1\n"}),
        "/officer/inbox/bulk": ("fra_officer", {"action": "star", "ids": "x"}),
        "/officer/conversations/{conversation_id}/unread": ("fra_officer", {}),
        "/officer/conversations/{conversation_id}/recall": ("fra_officer", {"reason": "not ours"}),
        "/officer/passage/points": ("coordinator", {"name": "Synthetic crossing"}),
        "/officer/passage/points/{point_id}": ("coordinator", {"name": "Synthetic crossing"}),
        "/officer/passage/points/{point_id}/closures": ("coordinator", {"reason": "x"}),
        "/officer/passage/points/{point_id}/closures/{closure_id}/lift": ("coordinator", {}),
        "/officer/cases/{case_id}/plans": ("fra_officer", {"point_id": NO_RECORD}),
        "/officer/passage/plans/{plan_id}/approve": ("fra_officer", {}),
        "/officer/passage/plans/{plan_id}/cancel": ("fra_officer", {"reason": "x"}),
        "/officer/passage/plans/{plan_id}/change": ("fra_officer", {"bring": "x"}),
        "/officer/passage/plans/{plan_id}/tell": ("fra_officer", {"text": "x"}),
        "/officer/passage/plans/{plan_id}/handover": ("fra_officer", {"happened": "yes"}),
        "/officer/cases/{case_id}/custody": ("fra_officer", {"held_by": "x"}),
        "/officer/cases/{case_id}/custody/stage": ("fra_officer", {"stage": "in_custody"}),
        "/officer/screening/cases/{case_id}": ("fra_officer", {"q_joining_year": "2015"}),
        "/officer/screening/{assessment_id}": ("fra_officer", {"q_joining_year": "2015"}),
        "/officer/screening/{assessment_id}/review": ("fra_officer", {"decision": "refer"}),
        "/officer/cases/{case_id}/close-request": ("fra_officer", {"comment": "x"}),
        "/officer/approvals/{approval_id}": ("fra_officer", {"decision": "approve"}),
        "/officer/cases/{case_id}/consents/{consent_id}/withdraw": ("fra_officer", {"how": "x"}),
        "/officer/cases/{case_id}/releases/{basis_id}/review": ("fra_officer", {"reason": "x"}),
        "/officer/cases/{case_id}/household": ("fra_officer", {"member_reference": "FRA-1"}),
        "/officer/cases/{case_id}/family": (
            "fra_officer",
            {"relation": "child", "given_names": "W"},
        ),
        "/officer/cases/{case_id}/household/{link_id}/unlink": ("fra_officer", {"reason": "x"}),
        "/officer/cases/{case_id}/household/best-interests": ("fra_officer", {"outcome": "x"}),
        "/officer/cases/{case_id}/child-protection": ("fra_officer", {"organisation": "x"}),
        "/officer/cases/{case_id}/child-protection/{handover_id}/confirm": (
            "fra_officer",
            {"happened": "no", "note": "x"},
        ),
        "/officer/cases/{case_id}/child-protection/arrival": ("fra_officer", {"note": "x"}),
        "/officer/child-protection/{handover_id}/confirm": (
            "coordinator",
            {"happened": "no", "note": "x"},
        ),
        "/officer/debrief/cases/{case_id}": ("fra_officer", {"title": "x", "subject": "x"}),
        "/officer/debrief/cases/{case_id}/import": ("fra_officer", {}),
        "/officer/debrief/{report_id}/release": ("fra_officer", {"nations": "DEU"}),
        "/officer/debrief/{report_id}/narrow": ("fra_officer", {"nations": "DEU"}),
        "/officer/debrief/{report_id}/sanitise": ("fra_officer", {"classification": "1"}),
        "/officer/debrief/{report_id}/people/{entry}/link": (
            "fra_officer",
            {"person_report_id": "x"},
        ),
        "/officer/debrief/{report_id}/links/{link_id}/unlink": ("fra_officer", {}),
    }
    posted = {
        context.path
        for context in iter_route_contexts(app.routes)
        if "POST" in (context.methods or ()) and (context.path or "").startswith("/officer")
    }
    assert posted == set(forms), "every officer form needs a CSRF case here"

    # A token that is valid, but for another visitor's cookie.
    stranger = TestClient(app, base_url=BASE_URL)
    foreign = helpers.csrf_of(stranger.get("/officer/signin").text)
    clients[None].get("/officer/signin")
    before = snapshot(runtime)
    for template, (who, fields) in forms.items():
        desk = "IRQ" if who == "coordinator" else "FRA"
        path = template.format(
            conversation_id=owners[desk],
            case_id=case_id,
            transfer_id=transfer_id,
            point_id=NO_RECORD,
            closure_id=NO_RECORD,
            plan_id=NO_RECORD,
            assessment_id=NO_RECORD,
            approval_id=NO_RECORD,
            consent_id=NO_RECORD,
            basis_id=NO_RECORD,
            link_id=NO_RECORD,
            handover_id=NO_RECORD,
            report_id=NO_RECORD,
            entry=0,
        )
        for bad in (None, "", "0" * 64, foreign):
            data = dict(fields) if bad is None else {**fields, "csrf": bad}
            response = clients[who].post(path, data=data, follow_redirects=False)
            assert response.status_code == 400, (template, bad, response.text)
            assert "the form has expired" in response.text
    assert snapshot(runtime) == before
    # The refused sign-in did not spend the code, and the refused sign-out ended nothing.
    assert signin_page(clients[None], supervisor.username, supervisor.password, code).is_redirect
    assert clients["fra_officer"].get("/officer/").status_code == 200
    for made in (*clients.values(), stranger):
        made.close()


@pytest.fixture
def short_runtime(
    engine_name: str, templates: helpers.Templates, tmp_path: Path
) -> Iterator[Runtime]:
    with helpers.fresh_runtime(engine_name, templates, tmp_path, officer_idle_minutes=1) as made:
        yield made


def _move_deadlines(runtime: Runtime, officer_id: str, **values: object) -> None:
    """Test set-up, not a mock: the stored deadlines are moved as time would move them."""
    with runtime.db.transaction() as session:
        session.execute(
            update(WebSession).where(WebSession.subject_id == officer_id).values(**values)
        )


def test_idle_session_is_refused_and_removed(short_runtime: Runtime) -> None:
    runtime = short_runtime
    fra = helpers.make_personas(runtime)["fra_officer"]
    with new_client(runtime) as client:
        helpers.officer_signin(client, runtime, fra)
        bearer = helpers.api_token(client, runtime, fra)
        with runtime.db.transaction() as session:
            deadlines = list(
                session.scalars(
                    select(WebSession.expires_at).where(WebSession.subject_id == fra.officer_id)
                )
            )
        now = utcnow()
        assert len(deadlines) == 2
        assert all(now < d <= now + timedelta(minutes=1) for d in deadlines)

        # Activity moves the idle deadline on.
        _move_deadlines(runtime, fra.officer_id, expires_at=utcnow() + timedelta(seconds=5))
        assert client.get("/api/v1/me", headers=bearer).status_code == 200
        assert client.get("/officer/").status_code == 200
        with runtime.db.transaction() as session:
            moved = session.scalars(
                select(WebSession.expires_at).where(WebSession.subject_id == fra.officer_id)
            )
            assert all(d > utcnow() + timedelta(seconds=30) for d in moved)

        _move_deadlines(runtime, fra.officer_id, expires_at=utcnow() - timedelta(seconds=1))
        assert client.get("/api/v1/me", headers=bearer).status_code == 401
        page = client.get("/officer/", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == "/officer/signin?ended=1"
        assert officer_row(runtime, fra)[1] == 0


def test_session_past_its_hard_limit_is_refused(short_runtime: Runtime) -> None:
    runtime = short_runtime
    fra = helpers.make_personas(runtime)["fra_officer"]
    with new_client(runtime) as client:
        bearer = helpers.api_token(client, runtime, fra)
        _move_deadlines(runtime, fra.officer_id, hard_expires_at=utcnow() - timedelta(seconds=1))
        assert client.get("/api/v1/me", headers=bearer).status_code == 401
        assert officer_row(runtime, fra)[1] == 0


def test_sign_out_deletes_the_session_and_the_old_token_fails(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = personas["fra_officer"]
    helpers.officer_signin(client, runtime, fra)
    cookie = client.cookies.get(OFFICER_COOKIE)
    assert cookie
    bearer = helpers.api_token(client, runtime, fra)
    assert officer_row(runtime, fra)[1] == 2

    csrf = helpers.csrf_of(client.get("/officer/").text)
    out = client.post("/officer/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert out.headers["location"] == "/officer/signin"
    assert officer_row(runtime, fra)[1] == 1
    with TestClient(client.app, base_url=BASE_URL, cookies={OFFICER_COOKIE: cookie}) as replay:
        again = replay.get("/officer/", follow_redirects=False)
        assert again.status_code == 303
        assert again.headers["location"].startswith("/officer/signin")
        assert (
            replay.get("/api/v1/me", headers={"Authorization": f"Bearer {cookie}"}).status_code
            == 401
        )

    assert client.delete("/api/v1/auth/token", headers=bearer).status_code == 204
    assert officer_row(runtime, fra)[1] == 0
    assert client.get("/api/v1/me", headers=bearer).status_code == 401


def test_a_username_that_keeps_failing_waits_alike_whether_it_exists_or_not(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    """After five failures the next try waits, refused before anything is checked, with the
    same answer for an officer's username and a made-up one, on the pages and the API."""
    fra = personas["fra_officer"]
    for username in (fra.username, "nobody.here"):
        for _ in range(5):
            assert signin_api(client, username, "wrong-password-xx", "123456").status_code == 401
    code = helpers.totp_code(runtime, fra)
    known = signin_api(client, fra.username, fra.password, code)
    unknown = signin_api(client, "nobody.here", fra.password, code)
    for refused in (known, unknown):
        assert refused.status_code == 429
        assert refused.json()["detail"].startswith(
            "too many failed sign-ins for this username: try again in "
        )
    pages = [signin_page(client, name, fra.password, code) for name in (fra.username, "nobody")]
    assert pages[0].status_code == 429
    assert "too many failed sign-ins for this username" in pages[0].text
    assert officer_row(runtime, fra) == (0, 0)


def test_the_auditor_page_lists_refused_signins(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    sentinel = "wrong-password-SENTINEL-91c2"
    for username in (fra.username, deu.username, "made.up.name"):
        assert signin_api(client, username, sentinel, "123456").status_code == 401
    helpers.officer_signin(client, runtime, personas["auditor"])
    page = client.get("/officer/audit")
    assert page.status_code == 200
    assert "Refused sign-ins" in page.text
    assert "refused: wrong password" in page.text
    assert f"{fra.username} (FRA)" in page.text  # named as people read them, not by id
    assert fra.officer_id not in page.text
    assert "refused: no such officer" in page.text
    assert "unknown username (keyed hash" in page.text
    assert deu.officer_id not in page.text  # another nation's officer: its own auditors
    assert deu.username not in page.text
    assert sentinel not in page.text
    assert "made.up.name" not in page.text
    assert "signed in</td>" not in page.text
    everything = client.get("/officer/audit", params={"signins": "all"})
    assert "signed in</td>" in everything.text
    assert client.get("/officer/audit", params={"signins": "x"}).status_code == 400
