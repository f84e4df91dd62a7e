"""Identity over HTTP, officer pages and /api/v1 alike, on both databases with the real model:
a registry uploaded through the page (a bad one refused by line and field, nothing stored),
"who might this be" for a case with its waterfall chart, confirm and reject through the forms
and the API, another nation's officer refused, and the API's bad input named by field."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from homeward.core.runtime import Runtime
from homeward.linkage.model import LinkageModel
from tests import helpers
from tests.identity.online_world import Registry, as_csv, open_case, registry, using_real_model

CSV = "text/csv"


@pytest.fixture
def identity_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkageModel]:
    with using_real_model(tmp_path_factory.mktemp("model")) as model:
        yield model


@pytest.fixture
def world(identity_model: LinkageModel) -> Registry:
    return registry()


def _rows(runtime: Runtime, table: str) -> int:
    with runtime.db.engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608


def _upload(client: TestClient, body: str, *, name: str = "registry.csv") -> tuple[int, str]:
    page = client.get("/officer/identity")
    assert page.status_code == 200, page.text
    response = client.post(
        "/officer/identity/import",
        data={"csrf": helpers.csrf_of(page.text), "classification": "1", "release": "DEU"},
        files={"file": (name, body.encode(), CSV)},
        follow_redirects=False,
    )
    return response.status_code, response.text


def test_a_registry_through_the_page_then_who_might_this_be_and_confirm(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, world: Registry
) -> None:
    helpers.officer_signin(client, runtime, personas["fra_officer"])
    bad = as_csv(world.reports[:3]) + "R-bad,Ali,,,,,,1994-13-01,,FRANCE,,,\n"
    status, page = _upload(client, bad)
    assert status == 400
    assert "line 5, dob:" in page
    assert "line 5, nationality:" in page
    assert _rows(runtime, "person_report") == 0
    assert _rows(runtime, "person") == 0

    status, _page = _upload(client, as_csv(world.reports))
    assert status == 303
    assert _rows(runtime, "person_report") == len(world.reports)

    case_id = open_case(runtime, personas["fra_officer"], world.case_identity)
    case_page = client.get(f"/officer/cases/{case_id}")
    assert f"/officer/cases/{case_id}/identity" in case_page.text
    page = client.get(f"/officer/cases/{case_id}/identity")
    assert page.status_code == 200, page.text
    assert "<svg" in page.text
    assert world.registry_record in page.text
    assert 'value="confirm"' in page.text
    report_id = page.text.split('name="report_id" value="', 1)[1].split('"', 1)[0]
    confirmed = client.post(
        f"/officer/cases/{case_id}/identity/decisions",
        data={
            "csrf": helpers.csrf_of(page.text),
            "report_id": report_id,
            "decision": "confirm",
            "reason": "Same passport number.",
        },
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    timeline = client.get(f"/officer/cases/{case_id}").text
    assert "Identity link confirmed" in timeline
    assert "Same passport number." in timeline
    assert _rows(runtime, "person_merge") == 1
    again = client.get(f"/officer/cases/{case_id}/identity").text
    assert f'name="report_id" value="{report_id}"' not in again

    # Another nation: the case and its candidates are not there at all.
    other = TestClient(client.app, base_url="http://127.0.0.1")
    helpers.officer_signin(other, runtime, personas["deu_officer"])
    refused = other.get(f"/officer/cases/{case_id}/identity")
    assert refused.status_code == 404
    assert world.registry_record not in refused.text
    other.close()


def test_forms_without_their_token_or_with_bad_input_change_nothing(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, world: Registry
) -> None:
    helpers.officer_signin(client, runtime, personas["fra_officer"])
    case_id = open_case(runtime, personas["fra_officer"], world.case_identity)
    page = client.get(f"/officer/cases/{case_id}/identity")
    forged = client.post(
        f"/officer/cases/{case_id}/identity/decisions",
        data={"csrf": "nope", "report_id": "0" * 32, "decision": "confirm"},
        follow_redirects=False,
    )
    assert forged.status_code == 400
    assert "csrf" in forged.text
    wrong = client.post(
        f"/officer/cases/{case_id}/identity/decisions",
        data={"csrf": helpers.csrf_of(page.text), "report_id": "0" * 32, "decision": "merge"},
        follow_redirects=False,
    )
    assert wrong.status_code == 400
    assert "decision: confirm or reject" in wrong.text
    typed = client.post(
        "/officer/identity/reports",
        data={"csrf": helpers.csrf_of(page.text), "family_name": "Haddad", "dob": "1994-02-30"},
        follow_redirects=False,
    )
    assert typed.status_code == 400
    assert "dob:" in typed.text
    assert _rows(runtime, "person_report") == 1  # the case's own, from its opening
    assert _rows(runtime, "identity_decision") == 0


def test_the_api_searches_decides_and_names_bad_fields(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, world: Registry
) -> None:
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    deu = helpers.api_token(client, runtime, personas["deu_officer"])
    bad = client.post(
        "/api/v1/identity/imports",
        headers=fra,
        json={"csv": as_csv(world.reports[:2]) + "R9,,,,,,,,,,Q,,\n"},
    )
    assert bad.status_code == 400
    assert "line 4, sex:" in bad.json()["detail"]
    imported = client.post(
        "/api/v1/identity/imports", headers=fra, json={"csv": as_csv(world.reports)}
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["imported"] == len(world.reports)

    query = {"given_name": world.case_identity.given_names}
    query |= {"family_name": world.case_identity.family_name}
    query |= {"dob": world.case_identity.date_of_birth}
    found = client.post("/api/v1/identity/search", headers=fra, json={"report": query})
    assert found.status_code == 200, found.text
    first = found.json()["candidates"][0]
    assert first["evidence"]
    assert {"comparison", "level", "weight"} <= set(first["evidence"][0])
    assert (
        client.post("/api/v1/identity/search", headers=deu, json={"report": query}).json()[
            "candidates"
        ]
        == []
    )

    case_id = open_case(runtime, personas["fra_officer"], world.case_identity)
    listed = client.get(f"/api/v1/cases/{case_id}/identity/candidates", headers=fra).json()
    report_id = listed["candidates"][0]["report"]["id"]
    assert (
        client.get(f"/api/v1/cases/{case_id}/identity/candidates", headers=deu).status_code == 404
    )
    refused = client.post(
        f"/api/v1/cases/{case_id}/identity/decisions",
        headers=deu,
        json={"report_id": report_id, "decision": "reject"},
    )
    assert refused.status_code == 404
    rejected = client.post(
        f"/api/v1/cases/{case_id}/identity/decisions",
        headers=fra,
        json={"report_id": report_id, "decision": "reject", "reason": "Another man."},
    )
    assert rejected.status_code == 201, rejected.text
    assert rejected.json()["person_id"] is None
    twice = client.post(
        f"/api/v1/cases/{case_id}/identity/decisions",
        headers=fra,
        json={"report_id": report_id, "decision": "confirm"},
    )
    assert twice.status_code == 409
    later = client.get(f"/api/v1/cases/{case_id}/identity/candidates", headers=fra).json()
    assert report_id not in {c["report"]["id"] for c in later["candidates"]}

    typed = client.post(
        "/api/v1/identity/reports",
        headers=fra,
        json={"report": {"family_name": "Haddad", "nationality": ["XXX"]}},
    )
    assert typed.status_code == 400
    assert typed.json()["detail"].startswith("nationality:")
    added = client.post(
        "/api/v1/identity/reports",
        headers=fra,
        json={"report": {"family_name": "Haddad", "dob": "~1990"}, "release": ["DEU"]},
    )
    assert added.status_code == 201, added.text
    assert added.json()["release"] == ["DEU"]
    administrator = helpers.api_token(client, runtime, personas["administrator"])
    assert (
        client.post(
            "/api/v1/identity/search", headers=administrator, json={"report": query}
        ).status_code
        == 403
    )
