"""/api/v1/debrief route by route and role, on both engines: the owner succeeds, another nation
gets 404 as if the report did not exist, a role that may not gets 403, no session 401; bad input
is named; the export is a bundle whose signature verifies, and an import refused says why."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.debrief import stix
from homeward.web.app import create_app
from tests import helpers
from tests.debrief import world

API = "/api/v1/debrief"
REPORTS, REPORT = API + "/reports", API + "/reports/{report_id}"
ROUTES = {
    ("GET", REPORTS),
    ("POST", API + "/cases/{case_id}/reports"),
    ("GET", REPORT),
    ("POST", REPORT + "/release"),
    ("POST", REPORT + "/narrow"),
    ("POST", REPORT + "/sanitise"),
    ("GET", REPORT + "/stix"),
    ("POST", API + "/cases/{case_id}/stix"),
}


def is_debrief_route(template: str) -> bool:
    return template.startswith(API)


def test_every_debrief_route_is_covered_here(runtime: Runtime) -> None:
    from tests.web.authorization_world import app_routes

    assert {r for r in app_routes(create_app(runtime)) if is_debrief_route(r[1])} == ROUTES


def _body() -> dict[str, object]:
    return {
        "title": "Session two",
        "session_on": "2026-11-29",
        "subject": "Karim Benali",
        "sections": {"places": [{"name": "Camp", "country": "SY"}]},
        "classification": 2,
        "release": ["GBR"],
        "basis": {"kind": "legal_obligation", "grounds": "Synthetic: treaty."},
    }


def test_routes_by_role_and_nation(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    people = world.populate(runtime, personas)
    tokens: dict[str, dict[str, str]] = {}

    def as_(key: str) -> dict[str, str]:
        if key not in tokens:
            tokens[key] = helpers.api_token(client, runtime, people[key])
        return tokens[key]

    case_id = world.fra_case(runtime, people)
    made = client.post(f"{API}/cases/{case_id}/reports", json=_body(), headers=as_("fra_debriefer"))
    assert made.status_code == 201, made.text
    report_id = made.json()["id"]
    assert made.json()["sections"]["places"] == [
        {"name": "Camp", "description": "", "country": "SY"}
    ]

    def check(method: str, path: str, rows: list[tuple[str, int]], **body: object) -> None:
        for key, status in rows:
            response = client.request(method, path, headers=as_(key), json=body or None)
            assert response.status_code == status, (key, path, response.text)

    check("GET", REPORTS, [("administrator", 403), ("coordinator", 403), ("auditor", 403)])
    listed = client.get(REPORTS, headers=as_("gbr_debriefer")).json()
    assert [r["id"] for r in listed] == [report_id]
    assert listed[0]["case_id"] is None  # the subject was not released with it
    assert client.get(REPORTS, headers=as_("deu_debriefer")).json() == []
    check(
        "POST",
        f"{API}/cases/{case_id}/reports",
        [("fra_officer", 403), ("coordinator", 403), ("deu_debriefer", 404)],
        **_body(),
    )
    one = f"{REPORTS}/{report_id}"
    check(
        "GET",
        one,
        [
            ("administrator", 403),
            ("deu_debriefer", 404),
            ("gbr_debriefer", 200),
            ("gbr_officer", 200),
            ("fra_officer", 200),
        ],
    )
    release = {"nations": ["DEU"], "reason": "Asked", "basis": _body()["basis"]}
    check(
        "POST",
        one + "/release",
        [("fra_debriefer", 403), ("gbr_supervisor", 403), ("deu_debriefer", 403)],
        **release,
    )
    check(
        "POST",
        one + "/narrow",
        [("fra_officer", 403), ("gbr_supervisor", 403)],
        nations=["GBR"],
        reason="x",
    )
    sanitise = {"classification": 1, "release": ["GBR"], "reason": "For partners"}
    check("POST", one + "/sanitise", [("fra_debriefer", 403), ("gbr_supervisor", 403)], **sanitise)
    check(
        "GET",
        one + "/stix",
        [("fra_officer", 403), ("gbr_debriefer", 403), ("deu_debriefer", 404)],
    )
    check("POST", one + "/release", [("fra_supervisor", 200)], **release)
    assert client.get(one, headers=as_("deu_debriefer")).status_code == 200
    check("POST", one + "/narrow", [("fra_supervisor", 200)], nations=["DEU"], reason="Done")
    assert client.get(one, headers=as_("deu_debriefer")).status_code == 404
    derived = client.post(one + "/sanitise", json=sanitise, headers=as_("fra_supervisor"))
    assert derived.status_code == 201, derived.text
    assert derived.json()["source_id"] == report_id

    exported = client.get(one + "/stix", headers=as_("fra_debriefer"))
    assert exported.status_code == 200, exported.text
    signed = exported.json()
    key = stix.exchange_public_key(runtime.secrets, "FRA")
    assert sealing.signature_valid(
        key, stix.canonical(signed["bundle"]), bytes.fromhex(signed["signature"])
    )
    again = client.post(f"{API}/cases/{case_id}/stix", json=signed, headers=as_("fra_debriefer"))
    assert again.status_code == 400
    assert again.json()["detail"] == "bundle: this report is already here"
    for method, path in ROUTES:
        concrete = path.format(report_id=report_id, case_id=case_id)
        assert client.request(method, concrete).status_code == 401


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        (lambda b: b.update(classification=9), 422, "classification"),
        (lambda b: b.update(sections={"gossip": []}), 422, "gossip"),
        (lambda b: b.update(title=""), 400, "title"),
        (lambda b: b.update(sections={"places": [{"name": "Camp"}]}), 400, "country"),
        (lambda b: b.update(caveats=["NOPE"]), 400, "caveats"),
    ],
)
def test_bad_input_is_named(
    runtime: Runtime,
    personas: helpers.Personas,
    client: TestClient,
    *,
    change: Callable[[dict[str, object]], None],
    status: int,
    field: str,
) -> None:
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    body = _body()
    change(body)
    headers = helpers.api_token(client, runtime, people["fra_debriefer"])
    response = client.post(f"{API}/cases/{case_id}/reports", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert field in response.text


def test_the_list_comes_a_page_at_a_time(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    headers = helpers.api_token(client, runtime, people["fra_debriefer"])
    made = []
    for day in (1, 2, 3):
        body = _body() | {"session_on": f"2026-11-0{day}"}
        response = client.post(f"{API}/cases/{case_id}/reports", json=body, headers=headers)
        made.append(response.json()["id"])
    first = client.get(REPORTS, params={"limit": 2}, headers=headers).json()
    rest = client.get(REPORTS, params={"limit": 2, "offset": 2}, headers=headers).json()
    assert [r["id"] for r in first + rest] == made[::-1]
    assert client.get(REPORTS, params={"limit": 501}, headers=headers).status_code == 422
