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
