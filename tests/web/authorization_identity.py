"""Identity routes in the authorization tests: a FRA registry of two reports of the case's man
(made on first use), what the owner sends, and how to tell that the request did its work."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest
from sqlalchemy import text

from homeward.identity import imports as identity_imports
from homeward.identity import service as identity_service
from homeward.linkage.reports import PersonReport
from tests import helpers
from tests.web.authorization_world import FAMILY_NAME, World

API_CASE_IDENTITY = "/api/v1/cases/{case_id}/identity"
PAGE_CASE_IDENTITY = "/officer/cases/{case_id}/identity"
REGISTRY = (
    PersonReport(
        "FRA-REG-1", "Yacine", FAMILY_NAME.upper(), dob="1990-04-11", nationality=("FRA",)
    ),
    PersonReport("FRA-REG-2", "Yassine", FAMILY_NAME, dob="1990", place_of_birth="Lille"),
)
CSV = (
    "record_id,given_name,family_name,full_name,father_name,aliases,name_arabic,dob,"
    "place_of_birth,nationality,sex,document_number,address\n"
    f"NEW-1,Yacine,{FAMILY_NAME},,,,,1990-04,,FRA,M,,\n"
)
QUERY = {"given_name": "Yacine", "family_name": FAMILY_NAME, "dob": "1990-04"}


def is_identity_route(template: str) -> bool:
    """Not the case's own PUT .../identity (its claimed identity), which is a case route."""
    mine = ("/api/v1/identity", "/officer/identity")
    return template.startswith(mine) or "/identity/" in template or template == PAGE_CASE_IDENTITY


def seeded(world: World) -> tuple[str, str]:
    """The FRA registry reports' ids, imported once per world (kept with the world's records,
    so that no refusal may mention them)."""
    if "registry-1" not in world.cases:
        keyring = helpers.keyring(world.runtime, world.personas["fra_officer"])
        with world.runtime.db.transaction() as session:
            identity_imports.import_reports(
                session=session,
                secrets=world.runtime.secrets,
                settings=world.runtime.settings,
                principal=keyring.principal,
                reports=list(REGISTRY),
                protection=identity_service.Protection(),
            )
        with world.runtime.db.engine.connect() as connection:
            ids = connection.execute(
                text("SELECT id FROM person_report WHERE source = 'registry' ORDER BY id")
            ).all()
        world.cases["registry-1"], world.cases["registry-2"] = (str(row[0]) for row in ids)
    return world.cases["registry-1"], world.cases["registry-2"]


def registry(world: World) -> dict[str, object]:
    seeded(world)
    return {}


def search(world: World) -> dict[str, object]:
    seeded(world)
    return {"report": QUERY}


def case_decision(world: World) -> dict[str, object]:
    first, _second = seeded(world)
    return {"report_id": first, "decision": "reject", "reason": "His cousin."}


def pair_decision(world: World) -> dict[str, object]:
    first, second = seeded(world)
    return {"report_id": first, "other_report_id": second, "decision": "confirm"}


def _count(world: World, sql: str) -> int:
    with world.runtime.db.engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


def check_identity_success(world: World, key: tuple[str, str], response: httpx2.Response) -> None:
    """The owner's request did what the route promises, read back from the database."""
    method, template = key
    fra_case = world.cases["FRA"]
    reports = "SELECT count(*) FROM person_report WHERE owner_nation = 'FRA' AND source != 'case'"
    checks: dict[tuple[str, str], Callable[[], bool]] = {
        ("GET", PAGE_CASE_IDENTITY): lambda: (
            "<svg" in response.text and "FRA-REG-" in response.text
        ),
        ("GET", API_CASE_IDENTITY + "/candidates"): lambda: any(
            found["report"]["report"]["record_id"].startswith("FRA-REG-")
            for found in response.json()["candidates"]
        ),
        ("POST", PAGE_CASE_IDENTITY + "/report"): lambda: (
            _count(world, f"SELECT count(*) FROM person_report WHERE case_id = '{fra_case}'") == 1  # noqa: S608
        ),
        ("PUT", API_CASE_IDENTITY + "/report"): lambda: response.json()["case_id"] == fra_case,
        ("POST", PAGE_CASE_IDENTITY + "/decisions"): lambda: (
            _count(world, "SELECT count(*) FROM identity_decision WHERE decision = 'reject'") == 1
        ),
        ("POST", API_CASE_IDENTITY + "/decisions"): lambda: response.json()["decision"] == "reject",
        ("POST", "/api/v1/identity/decisions"): lambda: (
            response.json()["person_id"] is not None
            and _count(world, "SELECT count(*) FROM person_merge") == 1
        ),
        ("GET", "/officer/identity"): lambda: (
            "Import a national registry" in response.text and "FRA-REG-" in response.text
        ),
        ("GET", "/officer/identity/template.csv"): lambda: (
            response.text.startswith("record_id,given_name,family_name,")
            and "EXAMPLE-0001" in response.text
        ),
        ("POST", "/officer/identity/import"): lambda: _count(world, reports) == 1,
        ("POST", "/api/v1/identity/imports"): lambda: response.json()["imported"] == 1,
        ("POST", "/officer/identity/reports"): lambda: _count(world, reports) == 1,
        ("POST", "/api/v1/identity/reports"): lambda: response.json()["owner_nation"] == "FRA",
        ("POST", "/api/v1/identity/search"): lambda: (
            response.json()["candidates"][0]["report"]["owner_nation"] == "FRA"
        ),
    }
    if key not in checks:  # pragma: no cover - a new route needs its own check here
        pytest.fail(f"no success check for {method} {template}")
    assert checks[key](), f"{method} {template} did not do its work: {response.text[:300]}"
