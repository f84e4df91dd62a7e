"""Need to know for screening, route by route, enumerated from the app so that a new screening
route without rows here fails: each API route and page is tried by the owning desk's officer,
supervisor and debriefer, another nation's officer and supervisor (DEU, to whom the case is
released: a release does not reach the assessment), the cell, an administrator and an auditor.
403 where the role may not, 404 where the assessment is another desk's, and nothing stored by
any refusal. The page forms' POSTs are checked in test_guard.py (and their CSRF in
tests/web/test_officer_session.py). Both engines. (tests/web/test_authorization.py leaves these
routes to this file.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers
from tests.screening import world

PREFIXES = ("/api/v1/screening", "/officer/screening")
PAGE_POSTS = {
    ("POST", "/officer/screening/cases/{case_id}"),
    ("POST", "/officer/screening/{assessment_id}"),
    ("POST", "/officer/screening/{assessment_id}/review"),
}


def is_screening_route(template: str) -> bool:
    return template.startswith(PREFIXES)


WHO = (
    "fra_officer",
    "fra_supervisor",
    "fra_debriefer",
    "deu_officer",
    "deu_supervisor",
    "coordinator",
    "administrator",
    "auditor",
)
_ = 403
READERS = {"fra_officer": 200, "fra_supervisor": 200, "fra_debriefer": 200}
OTHER = {"deu_officer": 404, "deu_supervisor": 404}
# (method, route): expected status per persona (anyone not named: 403).
ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/screening/instrument"): {**READERS, "deu_officer": 200, "deu_supervisor": 200},
    ("GET", "/api/v1/screening/cases/{case_id}"): {**READERS, **OTHER},
    ("POST", "/api/v1/screening/cases/{case_id}"): {
        "fra_officer": 201,
        "fra_supervisor": 201,
        "fra_debriefer": 201,
        **OTHER,
    },
    ("GET", "/api/v1/screening/assessments/{assessment_id}"): {**READERS, **OTHER},
    ("PUT", "/api/v1/screening/assessments/{assessment_id}"): {
        "fra_officer": 409,
        "fra_supervisor": 409,
        "fra_debriefer": 409,
        **OTHER,
    },
    ("POST", "/api/v1/screening/assessments/{assessment_id}/submit"): {
        "fra_officer": 409,
        "fra_supervisor": 409,
        "fra_debriefer": 409,
        **OTHER,
    },
    ("POST", "/api/v1/screening/assessments/{assessment_id}/review"): {
        "deu_supervisor": 404,
        "fra_supervisor": 200,
    },
    ("GET", "/officer/screening/cases/{case_id}/new"): {**READERS, **OTHER},
    ("GET", "/officer/screening/{assessment_id}"): {**READERS, **OTHER},
}
BODIES = {
    "/api/v1/screening/cases/{case_id}": {"answers": {"joining_year": 2014}},
    "/api/v1/screening/assessments/{assessment_id}": {"answers": {}, "submit": True},
    "/api/v1/screening/assessments/{assessment_id}/review": {
        "decision": "eligible",
        "reasons": "Synthetic reasons.",
    },
}


class Signed:
    """Each persona signed in once through the pages; the same token serves the API."""

    def __init__(self, runtime: Runtime, personas: helpers.Personas) -> None:
        self.runtime, self.personas = runtime, personas
        self.app = create_app(runtime)
        self.clients: dict[str, TestClient] = {}

    def client(self, who: str) -> TestClient:
        if who not in self.clients:
            client = TestClient(self.app, base_url="http://127.0.0.1")
            client.__enter__()
            helpers.officer_signin(client, self.runtime, self.personas[who])
            self.clients[who] = client
        return self.clients[who]

    def call(self, who: str, method: str, path: str, body: object) -> int:
        client = self.client(who)
        if path.startswith("/api/"):
            token = client.cookies.get("hw_officer")
            headers = {"Authorization": f"Bearer {token}"}
            return client.request(method, path, json=body, headers=headers).status_code
        return client.request(method, path).status_code

    def close(self) -> None:
        for client in self.clients.values():
            client.__exit__(None, None, None)


@pytest.fixture
def signed(runtime: Runtime, personas: helpers.Personas) -> Iterator[Signed]:
    from tests.web.authorization_world import add_officer

    personas["fra_debriefer"] = add_officer(runtime, "fra.debriefer", Role.DEBRIEFER, "FRA")
    personas["deu_supervisor"] = add_officer(runtime, "deu.supervisor", Role.SUPERVISOR, "DEU")
    made = Signed(runtime, personas)
    yield made
    made.close()


def test_every_screening_route_has_rows(runtime: Runtime) -> None:
    from tests.web.authorization_world import app_routes

    routes = {r for r in app_routes(create_app(runtime)) if is_screening_route(r[1])}
    assert routes == set(ROWS) | PAGE_POSTS


def test_screening_routes_by_role_and_nation(
    runtime: Runtime, personas: helpers.Personas, signed: Signed
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.open_case(runtime, fra, release=("DEU",), verified_by=supervisor)
    assessment_id = world.write(runtime, fra, case_id)
    for who in WHO:
        signed.client(who)  # signing in is audited: done before anything is counted
    for (method, template), expected in ROWS.items():
        path = template.format(case_id=case_id, assessment_id=assessment_id)
        body = BODIES.get(template)
        for who in sorted(WHO, key=lambda who: expected.get(who, _) < 300):  # refusals first
            status = expected.get(who, _)
            before = world.stored(runtime)
            got = signed.call(who, method, path, body)
            assert got == status, (method, template, who, got)
            if status >= 400:
                assert world.stored(runtime) == before, (method, template, who)
    assert world.stage(runtime, case_id) == "cleared"
