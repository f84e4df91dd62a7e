"""The API against its own OpenAPI document: schemathesis generates requests for every
operation, valid and invalid, signed in as the FRA desk officer, and checks that none gets a
server error and that every response conforms to the document (status, media type, body).

The world holds a letter with a file, a FRA case and a DEU case waiting to be transferred to
FRA; besides random ids, every operation with a path parameter is also run on these records,
so generated bodies reach real services rather than only 404s. SQLite only and a bounded
number of examples per operation: it finishes in seconds, and the database layer is covered on
both engines elsewhere. (schemathesis' own pytest loader does not run under pytest 9, so the
operations are driven through their Hypothesis strategies and pytest's subtests.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import update

from homeward.accounts import sessions
from homeward.cases.models import Case
from homeward.core.runtime import Runtime
from homeward.passage import points
from homeward.policy import binding
from homeward.web.app import create_app
from tests import helpers
from tests.approvals import world as approval_world
from tests.debrief import world as debrief_world
from tests.households import child_protection_world
from tests.households import world as households_world
from tests.passage import world as passage_world
from tests.screening import world as screening_world

EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
REVOKE = "DELETE /api/v1/auth/token"
Headers = dict[str, str]
Operation = APIOperation[Any, Any, Any, Any]


class World:
    """The app under test, the officer's bearer header and the ids of real records."""

    def __init__(self, runtime: Runtime, personas: helpers.Personas) -> None:
        self.runtime = runtime
        self.officer = personas["fra_officer"]
        self.app = create_app(runtime)
        with TestClient(self.app, base_url="http://127.0.0.1") as client:
            helpers.contact_start(client, "fr")
            letter = "Je veux rentrer."
            file = ("acte.txt", b"Synthetic birth record.\n", "text/plain")
            assert helpers.contact_write(client, letter, lang="fr", files=[file]) == 303
            self.headers = helpers.api_token(client, runtime, self.officer)
            deu = helpers.api_token(client, runtime, personas["deu_officer"])
            listed = client.get("/api/v1/conversations", headers=self.headers).json()
            conversation_id = listed["items"][0]["id"]
            conversation = client.get(
                f"/api/v1/conversations/{conversation_id}", headers=self.headers
            ).json()
            fra_case = self._open(client, self.headers, "Karim", [conversation_id])
            deu_case = self._open(client, deu, "Jonas", [])
            asked = client.post(
                f"/api/v1/cases/{deu_case}/transfer",
                headers=deu,
                json={
                    "to_nation": "FRA",
                    "reason": "holds French nationality",
                    "basis": {"kind": "legal_obligation", "grounds": "Synthetic: court order."},
                },
            )
            assert asked.status_code == 201, asked.text
            released = client.put(
                f"/api/v1/cases/{fra_case}/protection",
                headers=self.headers,
                json={
                    "classification": 1,
                    "release": ["DEU"],
                    "reason": "Synthetic: the German desk helps.",
                    "basis": {
                        "kind": "consent",
                        "consent_given_on": "2026-11-02",
                        "consent_how": "Synthetic: in his second letter.",
                    },
                },
            )
            assert released.status_code == 200, released.text
            bases = client.get(f"/api/v1/cases/{fra_case}/releases", headers=self.headers).json()
            waiting = client.get("/api/v1/transfers", headers=self.headers).json()
        passage = passage_records(runtime, personas, fra_case)
        self.path_parameters: dict[str, object] = {
            **passage,
            "conversation_id": conversation_id,
            "attachment_id": conversation["messages"][0]["attachments"][0]["id"],
            "case_id": fra_case,
            "transfer_id": waiting[0]["id"],
            "assessment_id": screening_world.write(
                runtime, personas["fra_officer"], fra_case, submit=False
            ),
            "consent_id": bases[0]["consent"]["id"],
            "basis_id": bases[0]["id"],
            "leaf_index": 0,
            "best_interests_id": households_world.child_assessment(
                runtime, personas["fra_officer"]
            ),
            "link_id": households_world.link(
                runtime,
                personas["fra_officer"],
                fra_case,
                households_world.open_case(runtime, personas["fra_officer"], given="Nour"),
            ),
            "handover_id": child_protection_world.record(
                runtime,
                personas["fra_officer"],
                child_protection_world.child(runtime, personas["fra_officer"]),
            ),
            "approval_id": approval_world.ask(
                runtime,
                personas["fra_officer"],
                approval_world.repatriated_case(runtime, personas["fra_officer"], family="Saidi"),
            ),
            "report_id": debrief_world.write(
                runtime, personas["fra_supervisor"], fra_case, debrief_world.draft()
            ),
        }

    @staticmethod
    def _open(client: TestClient, headers: Headers, given: str, links: list[str]) -> str:
        opened = client.post(
            "/api/v1/cases",
            headers=headers,
            json={
                "identity": {"given_names": given, "family_name": "Haddad"},
                "conversation_ids": links,
            },
        )
        assert opened.status_code == 201, opened.text
        case_id: str = opened.json()["id"]
        return case_id

    def spare_token(self) -> Headers:
        """A second session of the same officer, for the operation that ends one."""
        keyring = helpers.keyring(self.runtime, self.officer)
        with self.runtime.db.transaction() as session:
            token = sessions.create(
                session=session,
                kind=sessions.OFFICER,
                subject_id=keyring.principal.officer_id,
                secret=keyring.private_key,
                idle=timedelta(minutes=5),
                lifetime=timedelta(hours=1),
            )
        return {"Authorization": f"Bearer {token}"}


def passage_records(runtime: Runtime, personas: helpers.Personas, case_id: str) -> dict[str, str]:
    """A point the cell runs with a closure, and a plan for the FRA case (cleared for it)."""
    point_id = passage_world.make_point(runtime, personas["coordinator"])
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: the case is cleared")
        session.execute(update(Case).where(Case.id == case_id).values(stage="cleared"))
    day = passage_world.day_ahead()
    plan_id = passage_world.book(
        runtime, personas["fra_officer"], case_id, point_id, passage_world.window(day, "09:00")
    )
    with runtime.db.transaction() as session:
        closure = points.add_closure(
            session=session,
            principal=passage_world.principal(runtime, personas["coordinator"]),
            point_id=point_id,
            first_day=day.replace(year=day.year + 1),
            last_day=day.replace(year=day.year + 1),
            reason="Synthetic: road works.",
        )
        return {"point_id": point_id, "plan_id": plan_id, "closure_id": closure.id}


@pytest.fixture
def world(sqlite_runtime: Runtime) -> World:
    return World(sqlite_runtime, helpers.make_personas(sqlite_runtime))


def test_api_conforms_to_its_openapi_document(world: World, subtests: pytest.Subtests) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.app)
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()
        operations.append(result.ok())
    assert len(operations) >= 29
    for operation in operations:
        for mode in GenerationMode:
            with subtests.test(operation=operation.label, mode=mode.value):
                exercise(world, operation, mode, real_ids=False)
        if "{" in operation.path:
            with subtests.test(operation=operation.label, mode="positive, real records"):
                exercise(world, operation, GenerationMode.POSITIVE, real_ids=True)


def exercise(world: World, operation: Operation, mode: GenerationMode, *, real_ids: bool) -> None:
    headers: Callable[[], Headers] = (
        world.spare_token if operation.label == REVOKE else lambda: world.headers
    )
    names = {parameter.name for parameter in operation.path_parameters}
    fixed = {name: world.path_parameters[name] for name in names} if real_ids else None

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode, path_parameters=fixed))
    def run(case: schemathesis.Case[Operation]) -> None:
        case.call_and_validate(headers=headers(), checks=CHECKS)

    run()
