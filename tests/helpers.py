"""Test support: databases, personas, sign-in helpers. Synthetic data only."""

from __future__ import annotations

import html
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pyotp
import pytest
from fastapi.testclient import TestClient

from homeward import migrations
from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring, NewOfficer
from homeward.audit import service as audit
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.crypto import codename as codenames
from homeward.policy.labels import Classification
from homeward.policy.roles import Role

CSRF_PATTERN = re.compile(r'name="csrf" value="([^"]+)"')
CODENAME_FIELD = re.compile(r'id="codename-whole"[^>]* value="([^"]+)"')


def postgres_url() -> str | None:
    return os.environ.get("HOMEWARD_TEST_DATABASE_URL") or None


def require_postgres() -> str:
    """PostgreSQL variants skip, visibly, without the variable; in CI they must run."""
    url = postgres_url()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but HOMEWARD_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL not configured: set HOMEWARD_TEST_DATABASE_URL")
    try:
        with psycopg.connect(url, connect_timeout=3):
            pass
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL unreachable in CI: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    return url


def _admin_connection(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(url, autocommit=True)


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


class Templates:
    """Migrated template databases, made once per test session and per engine."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    def sqlite(self) -> Path:
        if self._sqlite is None:
            path = self.folder / "template.sqlite3"
            migrations.upgrade(f"sqlite:///{path}")
            self._sqlite = path
        return self._sqlite

    def postgres(self) -> str:
        if self._postgres is None:
            url = require_postgres()
            name = f"hw_template_{os.getpid()}_{secrets.token_hex(3)}"
            with _admin_connection(url) as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
            migrations.upgrade(_with_database(url, name))
            self._postgres = name
        return self._postgres

    def drop(self) -> None:
        if self._postgres is not None:
            url = postgres_url()
            assert url is not None
            with _admin_connection(url) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self._postgres}" WITH (FORCE)')


@contextmanager
def fresh_database(engine_name: str, templates: Templates, folder: Path) -> Iterator[str]:
    """A new migrated database, gone afterwards."""
    if engine_name == "sqlite":
        (folder / "var").mkdir(parents=True, exist_ok=True)
        path = folder / "var" / "homeward.sqlite3"
        shutil.copyfile(templates.sqlite(), path)
        yield f"sqlite:///{path}"
        return
    url = require_postgres()
    template = templates.postgres()
    name = f"hw_test_{secrets.token_hex(6)}"
    with _admin_connection(url) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _with_database(url, name)
    finally:
        with _admin_connection(url) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settings_for(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        testing=True,
        kdf_profile="fast-for-tests",
        **overrides,  # type: ignore[arg-type]
    )


@contextmanager
def fresh_runtime(
    engine_name: str, templates: Templates, folder: Path, **overrides: object
) -> Iterator[Runtime]:
    with fresh_database(engine_name, templates, folder) as url:
        runtime = Runtime.from_settings(
            settings_for(folder / "var", url, **overrides), create_keys=True
        )
        with runtime.db.transaction() as session:
            accounts_service.ensure_default_desks(session=session)
        try:
            yield runtime
        finally:
            runtime.close()


@dataclass(frozen=True)
class Persona:
    key: str
    username: str
    password: str
    role: Role
    nation: str
    officer_id: str


Personas = dict[str, Persona]

PERSONAS: tuple[tuple[str, Role, str, Classification], ...] = (
    ("fra_officer", Role.DESK_OFFICER, "FRA", Classification.SECRET),
    ("fra_supervisor", Role.SUPERVISOR, "FRA", Classification.SECRET),
    ("deu_officer", Role.DESK_OFFICER, "DEU", Classification.SECRET),
    ("coordinator", Role.COORDINATOR, "IRQ", Classification.SECRET),
    ("administrator", Role.ADMINISTRATOR, "IRQ", Classification.SECRET),
    ("auditor", Role.AUDITOR, "FRA", Classification.SECRET),
)


def make_personas(runtime: Runtime) -> Personas:
    """Alice-and-Bob style officers with passwords made for this test only."""
    made: Personas = {}
    with runtime.db.transaction() as session:
        for key, role, nation, clearance in PERSONAS:
            password = secrets.token_urlsafe(16)
            officer, _uri = accounts_service.add_officer(
                session=session,
                secrets=runtime.secrets,
                cost=runtime.cost,
                actor=audit.SYSTEM,
                data=NewOfficer(key.replace("_", "."), password, role, nation, int(clearance)),
            )
            made[key] = Persona(key, officer.username, password, role, nation, officer.id)
    return made


def keyring(runtime: Runtime, persona: Persona) -> Keyring:
    with runtime.db.transaction() as session:
        officer = accounts_service.find_officer(session=session, username=persona.username)
        assert officer is not None
        return accounts_service.unlock(
            officer=officer, password=persona.password, cost=runtime.cost
        )


def totp_code(runtime: Runtime, persona: Persona) -> str:
    """A code the server will accept now: each step is accepted once, so take the next one."""
    with runtime.db.transaction() as session:
        officer = accounts_service.find_officer(session=session, username=persona.username)
        assert officer is not None
        totp = pyotp.TOTP(runtime.secrets.open_field(officer.totp_secret_sealed))
        last = officer.last_totp_step
    while True:
        now = time.time()
        current = int(now) // totp.interval
        # The previous step is taken only while the current one has seconds to run: chosen
        # just before a boundary, it would be two steps old by the time the server checks it.
        earliest = current - 1 if totp.interval - now % totp.interval > 3 else current
        step = max(earliest, last + 1)
        if step <= current + 1:
            return totp.generate_otp(step)
        time.sleep(1)


def api_token(client: TestClient, runtime: Runtime, persona: Persona) -> dict[str, str]:
    """Sign in through the API; returns the Authorization header."""
    response = client.post(
        "/api/v1/auth/token",
        json={
            "username": persona.username,
            "password": persona.password,
            "code": totp_code(runtime, persona),
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def officer_signin(client: TestClient, runtime: Runtime, persona: Persona) -> None:
    """Sign in through the officer pages; the client keeps the cookie."""
    page = client.get("/officer/signin")
    response = client.post(
        "/officer/signin",
        data={
            "username": persona.username,
            "password": persona.password,
            "code": totp_code(runtime, persona),
            "csrf": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf_of(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token in page"
    return match.group(1)


def contact_start(client: TestClient, lang: str = "en", *, typed_back: bool = True) -> str:
    """Get a codename as a first-time contact and, unless told not to, type it back as the
    pages ask before going on; returns it (the client keeps the session)."""
    landing = client.get(f"/{lang}")
    response = client.post(f"/{lang}/start", data={"csrf": csrf_of(landing.text)})
    assert response.status_code == 200, response.text
    assert response.url.path == f"/{lang}/codename"  # post/redirect/get
    match = CODENAME_FIELD.search(response.text)
    assert match, "no codename on the page"
    codename = html.unescape(match.group(1))
    assert codenames.is_well_formed(codename), codename
    if typed_back:
        confirmed = client.post(
            f"/{lang}/codename/confirm",
            data={"csrf": csrf_of(response.text), "typed": codename},
            follow_redirects=False,
        )
        assert confirmed.status_code == 303, confirmed.text
        assert confirmed.headers["location"] == f"/{lang}/write"
    return codename


def contact_write(
    client: TestClient,
    text: str,
    *,
    lang: str = "en",
    desk: str | None = "FRA",
    files: list[tuple[str, bytes, str]] | None = None,
) -> int:
    form = client.get(f"/{lang}/write")
    data = {"csrf": csrf_of(form.text), "message": text}
    if desk is not None:
        data["desk"] = desk
    # A browser sends an empty file part when no file is chosen; so do we, which also keeps
    # the body multipart as the page's form would.
    upload = [("files", file) for file in files or [("", b"", "application/octet-stream")]]
    response = client.post(f"/{lang}/write", data=data, files=upload, follow_redirects=False)
    return response.status_code
