"""Officer sign-in under attack: a code is spent once even by simultaneous sign-ins, a username
that keeps failing waits and then locks (known or not, alike) and unlocks by itself, a spray is
capped server-wide, every refusal is audited without the password or code, and Argon2id never
runs while the write lock is held."""

from __future__ import annotations

import secrets
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from homeward.accounts import service as accounts_service
from homeward.accounts.exceptions import SignInCeiling, SignInRefused, SignInWait
from homeward.accounts.models import SigninThrottle, WebSession
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.audit.models import AuditEvent
from homeward.cli.main import app
from homeward.core.ceiling import FailureCeiling
from homeward.core.db import utcnow
from homeward.core.errors import HomewardError
from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.policy.roles import Role
from homeward.web import officer_auth
from tests import helpers

WRONG = "not-the-password-SENTINEL-7f3a"
T0 = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def roomy_runtime(
    engine_name: str, templates: helpers.Templates, tmp_path: Path
) -> Iterator[Runtime]:
    """A server-wide ceiling high enough that only the per-username throttle is at work."""
    with helpers.fresh_runtime(
        engine_name, templates, tmp_path, officer_signin_failures_per_minute=100_000
    ) as made:
        yield made


def code_at(runtime: Runtime, persona: helpers.Persona, at: datetime) -> str:
    with runtime.db.transaction() as session:
        officer = accounts_service.find_officer(session=session, username=persona.username)
        assert officer is not None
        return pyotp.TOTP(runtime.secrets.open_field(officer.totp_secret_sealed)).at(at)


def wrong_code_at(runtime: Runtime, persona: helpers.Persona, at: datetime) -> str:
    with runtime.db.transaction() as session:
        officer = accounts_service.find_officer(session=session, username=persona.username)
        assert officer is not None
        totp = pyotp.TOTP(runtime.secrets.open_field(officer.totp_secret_sealed))
    near = {totp.at(at + timedelta(seconds=30 * k)) for k in range(-2, 3)}
    while (code := f"{secrets.randbelow(10**6):06d}") in near or len(set(code)) < 4:
        pass
    return code


def attempt(
    runtime: Runtime, username: str, password: str, code: str, at: datetime
) -> HomewardError | None:
    """One sign-in at a given time: None if accepted, else the refusal raised."""
    try:
        officer_auth.sign_in(runtime, username, password, code, now=at)
    except HomewardError as refused:
        return refused
    return None


def actions(runtime: Runtime) -> list[tuple[str, str, str, str | None]]:
    with runtime.db.transaction() as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.like("officer:signin:%"))
            .order_by(AuditEvent.leaf_index)
        )
        return [(r.action, r.resource_type, r.resource_id, r.nation) for r in rows]


def session_count(runtime: Runtime, officer_id: str) -> int:
    with runtime.db.transaction() as session:
        count = session.scalar(
            select(func.count(WebSession.id)).where(WebSession.subject_id == officer_id)
        )
    return int(count or 0)


def test_one_code_signs_in_once_among_simultaneous_attempts(
    roomy_runtime: Runtime,
) -> None:
    """Six threads, each with its own connection, present one code at once: exactly one
    session, in every round (PostgreSQL let two through before the step was spent by one
    conditional UPDATE)."""
    runtime = roomy_runtime
    fra = helpers.make_personas(runtime)["fra_officer"]
    threads_per_round, rounds = 6, 5
    for round_number in range(rounds):
        at = utcnow() + timedelta(minutes=2 * round_number)
        code = code_at(runtime, fra, at)
        barrier = threading.Barrier(threads_per_round)
        results: list[HomewardError | None] = []
        lock = threading.Lock()

        def go(
            at: datetime = at,
            code: str = code,
            barrier: threading.Barrier = barrier,
            results: list[HomewardError | None] = results,
            lock: threading.Lock = lock,
        ) -> None:
            barrier.wait()
            outcome = attempt(runtime, fra.username, fra.password, code, at)
            with lock:
                results.append(outcome)

        workers = [threading.Thread(target=go) for _ in range(threads_per_round)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert len(results) == threads_per_round
        winners = [r for r in results if r is None]
        assert len(winners) == 1, (round_number, [str(r) for r in results])
        assert all(isinstance(r, SignInRefused) for r in results if r is not None)
        assert session_count(runtime, fra.officer_id) == round_number + 1
    refused_codes = [a for a in actions(runtime) if a[0] == "officer:signin:refuse-code"]
    assert len(refused_codes) == rounds * (threads_per_round - 1)


def test_wrong_passwords_wait_then_lock_and_the_lock_ends_by_itself(
    roomy_runtime: Runtime,
) -> None:
    runtime = roomy_runtime
    fra = helpers.make_personas(runtime)["fra_officer"]
    at = T0
    # Five failures cost nothing: each is answered as before, at once.
    for _ in range(5):
        assert isinstance(attempt(runtime, fra.username, WRONG, "123456", at), SignInRefused)
        at += timedelta(seconds=1)
    # Now even the right password and code wait for the delay (5 s), and are not checked.
    refused = attempt(runtime, fra.username, fra.password, code_at(runtime, fra, at), at)
    assert isinstance(refused, SignInWait)
    assert str(refused) == "too many failed sign-ins for this username: try again in 4 seconds"
    # Each further failure doubles the wait; the tenth locks the username for 15 minutes.
    for wait in (5, 10, 20, 40, 80):
        at += timedelta(seconds=wait)
        assert isinstance(attempt(runtime, fra.username, WRONG, "123456", at), SignInRefused)
    for later in (timedelta(seconds=1), timedelta(minutes=14, seconds=59)):
        refused = attempt(
            runtime, fra.username, fra.password, code_at(runtime, fra, at + later), at + later
        )
        assert isinstance(refused, SignInWait)
    assert "try again in 15 minutes" in str(
        attempt(runtime, fra.username, WRONG, "123456", at + timedelta(seconds=1))
    )
    assert session_count(runtime, fra.officer_id) == 0
    # The lock ends by itself; the right password and code then sign in and reset the count.
    at += timedelta(minutes=15)
    assert attempt(runtime, fra.username, fra.password, code_at(runtime, fra, at), at) is None
    with runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(SigninThrottle)) == 0
    recorded = [a[0].rsplit(":", 1)[1] for a in actions(runtime)]
    assert recorded == ["refuse-password"] * 5 + ["refuse-locked"] + ["refuse-password"] * 5 + [
        "refuse-locked"
    ] * 3 + ["accept"]
    assert {a[1:] for a in actions(runtime)} == {("officer", fra.officer_id, "FRA")}


def test_wrong_codes_count_like_wrong_passwords(roomy_runtime: Runtime) -> None:
    """Once a password is known the code is all that is left: it is throttled the same."""
    runtime = roomy_runtime
    fra = helpers.make_personas(runtime)["fra_officer"]
    at = T0
    for _ in range(10):
        bad = wrong_code_at(runtime, fra, at)
        assert isinstance(attempt(runtime, fra.username, fra.password, bad, at), SignInRefused)
        at += timedelta(minutes=3)  # past every delay before the lock
    right = code_at(runtime, fra, at)
    assert isinstance(attempt(runtime, fra.username, fra.password, right, at), SignInWait)
    later = at + timedelta(minutes=15)
    right = code_at(runtime, fra, later)
    assert attempt(runtime, fra.username, fra.password, right, later) is None
    recorded = [a[0] for a in actions(runtime)]
    assert recorded.count("officer:signin:refuse-code") == 10
    assert recorded[-2:] == ["officer:signin:refuse-locked", "officer:signin:accept"]


def test_unknown_and_known_usernames_lock_alike(roomy_runtime: Runtime) -> None:
    runtime = roomy_runtime
    fra = helpers.make_personas(runtime)["fra_officer"]
    answers: dict[str, list[tuple[type, str]]] = {}
    for username in (fra.username, "nobody.here"):
        at, seen = T0, []
        for step in range(14):
            refused = attempt(runtime, username.upper() + " ", WRONG, "123456", at)
            assert refused is not None
            seen.append((type(refused), str(refused)))
            at += timedelta(seconds=7 * step)
        answers[username] = seen
    assert answers[fra.username] == answers["nobody.here"]
    assert {kind for kind, _ in answers["nobody.here"]} == {SignInRefused, SignInWait}
    unknown = [a for a in actions(runtime) if a[1] == "username"]
    assert len(unknown) == 14
    # A keyed hash stands for the unknown username: never the text typed.
    assert not any("nobody" in a[2] for a in unknown)
    assert all(len(a[2]) == 64 and a[3] is None for a in unknown)


def test_refusals_never_record_the_password_or_code(roomy_runtime: Runtime) -> None:
    runtime = roomy_runtime
    fra = helpers.make_personas(runtime)["fra_officer"]
    code = wrong_code_at(runtime, fra, T0)
    typed_password = WRONG + "-typed-as-username"
    tries = [
        (fra.username, WRONG, code),
        (fra.username, fra.password, code),
        (typed_password, WRONG, code),
    ]
    for username, password, given in tries:
        assert isinstance(attempt(runtime, username, password, given, T0), SignInRefused)
    with runtime.db.engine.connect() as connection:
        dumped = [
            " ".join(str(value) for value in row)
            for table in ("audit_event", "signin_throttle", "officer")
            for row in connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
        ]
    for secret in (WRONG, fra.password, typed_password, code):
        assert not any(secret in row for row in dumped), secret
    assert [a[0] for a in actions(runtime)] == [
        "officer:signin:refuse-password",
        "officer:signin:refuse-code",
        "officer:signin:refuse-unknown",
    ]


def test_a_spray_meets_the_server_wide_ceiling(runtime: Runtime) -> None:
    """Many usernames, one failure each: no username locks, but the server evaluates only
    `officer_signin_failures_per_minute` failures a minute; then it refuses every attempt at
    once, the right one too, until the bucket refills."""
    personas = helpers.make_personas(runtime)
    clock = [0.0]
    runtime.officer_signin_failures = FailureCeiling(4, clock=lambda: clock[0])
    for number in range(4):
        refused = attempt(runtime, f"made.up.{number}", WRONG, "123456", T0)
        assert isinstance(refused, SignInRefused)
    fra = personas["fra_officer"]
    for username, password in (("made.up.9", WRONG), (fra.username, fra.password)):
        refused = attempt(runtime, username, password, code_at(runtime, fra, T0), T0)
        assert isinstance(refused, SignInCeiling)
        assert str(refused) == "too many failed sign-ins on this server: try again in 15 seconds"
    clock[0] += 15.0  # one failure's worth of refill at 4 a minute
    assert attempt(runtime, fra.username, fra.password, code_at(runtime, fra, T0), T0) is None
    recorded = [a[0].rsplit(":", 1)[1] for a in actions(runtime)]
    assert recorded == ["refuse-unknown"] * 4 + ["refuse-ceiling"] * 2 + ["accept"]
    with runtime.db.transaction() as session:
        # Refusals by the ceiling checked nothing and counted nothing.
        assert session.scalar(select(func.max(SigninThrottle.failures))) == 1


def test_auditor_sees_refusals_of_own_nation_and_of_no_account(runtime: Runtime) -> None:
    personas = helpers.make_personas(runtime)
    for who in ("fra_officer", "deu_officer"):
        attempt(runtime, personas[who].username, WRONG, "123456", T0)
    attempt(runtime, "made.up", WRONG, "123456", T0)
    auditor = helpers.keyring(runtime, personas["auditor"]).principal
    with runtime.db.transaction() as session:
        seen = audit.signin_entries(session=session, principal=auditor, refused_only=True)
        seen_ids = {(row.action, row.resource_id) for row in seen}
    assert ("officer:signin:refuse-password", personas["fra_officer"].officer_id) in seen_ids
    assert not any(r == personas["deu_officer"].officer_id for _a, r in seen_ids)
    assert "officer:signin:refuse-unknown" in {action for action, _r in seen_ids}
    assert len(seen_ids) == 2


def _heavy_officer(runtime: Runtime, cost: sealing.KdfCost) -> helpers.Persona:
    password = "heavy-cost-password-0001"
    with runtime.db.transaction() as session:
        officer, _uri = accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=cost,
            actor=audit.SYSTEM,
            data=NewOfficer("fra.heavy", password, Role.DESK_OFFICER, "FRA", 3),
        )
    return helpers.Persona("heavy", "fra.heavy", password, Role.DESK_OFFICER, "FRA", officer.id)


def test_argon2id_runs_outside_the_write_lock(sqlite_runtime: Runtime) -> None:
    """On SQLite every transaction holds the one write lock: a sign-in used to hold it for
    two Argon2id runs, stalling every writer. Now a write made meanwhile goes straight in."""
    heavy = sealing.KdfCost(opslimit=16, memlimit=64 * 1024 * 1024)
    runtime = replace(sqlite_runtime, cost=heavy)
    officer = _heavy_officer(runtime, heavy)
    started = time.perf_counter()
    sealing.derive_key(b"calibration", b"0" * sealing.SALT_SIZE, heavy)
    one_run = time.perf_counter() - started
    code = code_at(runtime, officer, utcnow())
    signed_in: list[HomewardError | None] = []
    worker = threading.Thread(
        target=lambda: signed_in.append(
            attempt(runtime, officer.username, officer.password, code, utcnow())
        )
    )
    worker.start()
    time.sleep(one_run / 2)  # well inside the first Argon2id run
    write_started = time.perf_counter()
    with runtime.db.transaction() as session:
        audit.record(
            session=session,
            actor=audit.SYSTEM,
            action="system:test:write",
            resource_type="test",
            resource_id="during-signin",
        )
    write_took = time.perf_counter() - write_started
    still_signing_in = worker.is_alive()
    worker.join(timeout=60)
    assert signed_in == [None]
    assert still_signing_in, "the sign-in ended before the write: the test proves nothing"
    assert write_took < one_run / 3, (write_took, one_run)


def test_unknown_username_takes_as_long_as_a_wrong_password(sqlite_runtime: Runtime) -> None:
    """At the real (OWASP) cost: both spend one Argon2id run and the same writes."""
    runtime = replace(sqlite_runtime, cost=sealing.OWASP)
    runtime.officer_signin_failures = FailureCeiling(100_000)
    officer = _heavy_officer(runtime, sealing.OWASP)
    timings: dict[str, list[float]] = {officer.username: [], "nobody.here": []}
    for number in range(12):
        at = T0 + timedelta(minutes=16 * number)  # past every wait and lock
        for username, times in timings.items():
            started = time.perf_counter()
            refused = attempt(runtime, username, WRONG, "123456", at)
            times.append(time.perf_counter() - started)
            assert isinstance(refused, SignInRefused)
    ratio = statistics.median(timings[officer.username]) / statistics.median(timings["nobody.here"])
    assert 0.6 < ratio < 1.6, f"median times differ: ratio {ratio:.2f}"


def test_an_administrator_lifts_a_lock_from_the_command_line(
    roomy_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = roomy_runtime
    fra = helpers.make_personas(runtime)["fra_officer"]
    began = utcnow() - timedelta(minutes=30)
    for number in range(10):
        attempt(runtime, fra.username, WRONG, "123456", began + timedelta(minutes=3 * number))
    now = utcnow()
    assert isinstance(
        attempt(runtime, fra.username, fra.password, code_at(runtime, fra, now), now), SignInWait
    )
    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", runtime.settings.effective_database_url)
    result = CliRunner().invoke(app, ["officer", "unlock", fra.username.upper()])
    assert result.exit_code == 0, result.output
    assert "may sign in again now" in result.output
    assert attempt(runtime, fra.username, fra.password, code_at(runtime, fra, now), now) is None
    again = CliRunner().invoke(app, ["officer", "unlock", "made.up"])
    assert "No failed sign-ins were counted" in again.output
    with runtime.db.transaction() as session:
        unlocks = audit.entries(session=session, action="admin:officer:signin-unlock")
        assert [(e.resource_type, e.actor) for e in unlocks] == [
            ("officer", "cli:administrator"),
            ("username", "cli:administrator"),
        ]


def test_the_ceiling_is_reserved_before_evaluation_so_parallel_attempts_cannot_overshoot() -> None:
    clock = [0.0]
    ceiling = FailureCeiling(3, clock=lambda: clock[0])
    assert [ceiling.take() for _ in range(4)] == [True, True, True, False]
    ceiling.give_back()  # one of them signed in
    assert ceiling.take()
    assert not ceiling.take()
    clock[0] += 20.0  # one failure's worth at 3 a minute
    assert ceiling.take()
    assert not ceiling.take()


def device_sign_in(
    runtime: Runtime, persona: helpers.Persona, at: datetime, device: str | None = None
) -> officer_auth.SignedIn:
    return officer_auth.sign_in(
        runtime,
        persona.username,
        persona.password,
        code_at(runtime, persona, at),
        device=device,
        now=at,
    )


def test_a_known_device_signs_in_through_a_spray_and_a_lock(runtime: Runtime) -> None:
    """An attacker who fills the server-wide ceiling and locks the officer's username keeps
    out everyone without the officer's device token, not the officer on their own browser."""
    personas = helpers.make_personas(runtime)
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    clock = [0.0]
    runtime.officer_signin_failures = FailureCeiling(10, clock=lambda: clock[0])
    at = T0
    fra_device = device_sign_in(runtime, fra, at).device
    deu_device = device_sign_in(runtime, deu, at + timedelta(seconds=30)).device
    at += timedelta(minutes=1)
    for _ in range(10):  # locks fra's username and empties the ceiling
        attempt(runtime, fra.username, WRONG, "123456", at)
        at += timedelta(seconds=100)
    fresh_code = code_at(runtime, fra, at)
    assert isinstance(attempt(runtime, fra.username, fra.password, fresh_code, at), SignInWait)
    assert isinstance(attempt(runtime, "other.user", WRONG, "123456", at), SignInCeiling)
    # The officer's own device: through both, and it keeps its token.
    signed = device_sign_in(runtime, fra, at, device=fra_device)
    assert signed.keyring.principal.username == fra.username
    assert signed.device == fra_device
    # Another officer's token, a forged one, or garbage: no way through.
    forged = fra_device[:-2] + ("AA" if not fra_device.endswith("AA") else "BB")
    for token in (deu_device, forged, "x" * 64, "", "é" * 10):
        later = at + timedelta(seconds=60)
        refused = attempt_with(runtime, fra, later, token)
        assert isinstance(refused, SignInWait), token


def attempt_with(
    runtime: Runtime, persona: helpers.Persona, at: datetime, device: str
) -> HomewardError | None:
    try:
        device_sign_in(runtime, persona, at, device=device)
    except HomewardError as refused:
        return refused
    return None


def test_a_stolen_device_token_is_throttled_on_its_own_count(roomy_runtime: Runtime) -> None:
    """Guesses sent with the officer's token wait and lock like any others, on the token's own
    counter: the token buys no unthrottled guessing, and its lock leaves the username's alone."""
    runtime = roomy_runtime
    fra = helpers.make_personas(runtime)["fra_officer"]
    at = T0
    device = device_sign_in(runtime, fra, at).device
    at += timedelta(minutes=1)
    for _ in range(5):
        refused = officer_auth_attempt(runtime, fra.username, WRONG, at, device)
        assert isinstance(refused, SignInRefused)
        at += timedelta(seconds=1)
    assert isinstance(officer_auth_attempt(runtime, fra.username, WRONG, at, device), SignInWait)
    # The username without the token was never counted: the officer elsewhere signs in.
    assert attempt(runtime, fra.username, fra.password, code_at(runtime, fra, at), at) is None


def officer_auth_attempt(
    runtime: Runtime, username: str, password: str, at: datetime, device: str
) -> HomewardError | None:
    try:
        officer_auth.sign_in(runtime, username, password, "123456", device=device, now=at)
    except HomewardError as refused:
        return refused
    return None
