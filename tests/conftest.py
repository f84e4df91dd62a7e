"""Shared fixtures: a real database per test (SQLite and PostgreSQL), personas, clients.

Each test gets its own database cloned from a migrated template (a file copy on SQLite,
CREATE DATABASE ... TEMPLATE on PostgreSQL), so tests that go through the web app and commit
are as isolated as tests inside a rolled-back transaction, and nothing is mocked.
"""

from __future__ import annotations

import os

os.environ["HOMEWARD_TESTING"] = "1"
os.environ["HOMEWARD_KDF_PROFILE"] = "fast-for-tests"

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers

ENGINES = ["sqlite", "postgresql"]
pytest_plugins = ["tests.sentinel"]
"""The sentinel scan's `captured_log` fixture, for every capability's at-rest test."""


_LEFT_OUT = pytest.StashKey[int]()


def _runs_on_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("engine_name") == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a PostgreSQL server, its variants are left out and said once, not per test.
    In CI they are never left out: `require_postgres` fails them instead."""
    if helpers.postgres_url() is not None or os.environ.get("CI") == "true":
        return
    left_out = [item for item in items if _runs_on_postgres(item)]
    if left_out:
        items[:] = [item for item in items if not _runs_on_postgres(item)]
        config.hook.pytest_deselected(items=left_out)
        config.stash[_LEFT_OUT] = len(left_out)


def pytest_report_header(config: pytest.Config) -> str:
    if helpers.postgres_url() is None:
        return (
            "PostgreSQL not configured: its variants are left out (set HOMEWARD_TEST_DATABASE_URL)"
        )
    return f"PostgreSQL: {helpers.postgres_url()}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    left_out = terminalreporter.config.stash.get(_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"PostgreSQL not configured: {left_out} PostgreSQL variants left out "
            "(set HOMEWARD_TEST_DATABASE_URL to run them)"
        )


@pytest.fixture(scope="session")
def postgres_url() -> str | None:
    return helpers.postgres_url()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[helpers.Templates]:
    made = helpers.Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.drop()


@pytest.fixture(params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql":
        helpers.require_postgres()
    return name


@pytest.fixture
def runtime(engine_name: str, templates: helpers.Templates, tmp_path: Path) -> Iterator[Runtime]:
    with helpers.fresh_runtime(engine_name, templates, tmp_path) as made:
        yield made


@pytest.fixture
def sqlite_runtime(templates: helpers.Templates, tmp_path: Path) -> Iterator[Runtime]:
    with helpers.fresh_runtime("sqlite", templates, tmp_path) as made:
        yield made


@pytest.fixture
def personas(runtime: Runtime) -> helpers.Personas:
    return helpers.make_personas(runtime)


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as made:
        yield made
