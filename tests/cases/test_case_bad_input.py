"""Bad input to the case API gets a clear error naming the field, and stores nothing: no case,
event, note, label, transfer or audit entry appears, and no case changes in place.

One world per engine serves every request here: each refused request must leave it exactly as
it found it, which is what every test checks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers
from tests.conftest import ENGINES

TABLES = (
    "case_file",
    "case_event",
    "case_note",
    "case_note_wrap",
    "case_label",
    "case_assignee",
    "case_conversation",
    "case_name_token",
    "case_transfer",
    "audit_event",
)
CASE = "/api/v1/cases/{case}"
TOO_LONG_NOTE = "x" * 20_001
IDENTITY = {"given_names": "Walid", "family_name": "Saidi", "date_of_birth": "1992"}
MALFORMED_DATES = ("31/02/1990", "1990-13", "1990-02-30", "abc")


@dataclass
class BadWorld:
    runtime: Runtime
    client: TestClient
    headers: dict[str, dict[str, str]]
    ids: dict[str, str]
    """'case': a FRA case in stage new, released to DEU, with a note; 'moving': a FRA case
    with a transfer to DEU waiting ('transfer')."""

    def snapshot(self) -> tuple[dict[str, int], list[tuple[Any, ...]]]:
        """Row counts, and every case's stored state."""
        with self.runtime.db.engine.connect() as connection:
            counts = {
                table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
                for table in TABLES
            }
            cases = connection.execute(
                text(
                    "SELECT id, stage, classification, release, owner_nation, identity_sealed,"
                    " updated_at FROM case_file ORDER BY id"
                )
            ).all()
        return counts, [tuple(row) for row in cases]


@pytest.fixture(scope="module", params=ENGINES)
def world(
    request: pytest.FixtureRequest,
    templates: helpers.Templates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BadWorld]:
    if request.param == "postgresql":
        helpers.require_postgres()
    folder = tmp_path_factory.mktemp("bad-input")
    with helpers.fresh_runtime(request.param, templates, folder) as runtime:
        personas = helpers.make_personas(runtime)
        with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
            headers = {
                key: helpers.api_token(client, runtime, personas[key])
                for key in ("fra_officer", "deu_officer")
            }
            fra = headers["fra_officer"]
            ids = {"deu": personas["deu_officer"].officer_id}
            for key, release in (("case", ["DEU"]), ("moving", [])):
                body = {
                    "identity": IDENTITY,
                    "release": release,
                    "labels": ["family"],
                    "basis": LEGAL,
                }
                opened = client.post("/api/v1/cases", headers=fra, json=body)
                assert opened.status_code == 201, opened.text
                ids[key] = opened.json()["id"]
            noted = client.post(
                CASE.format(**ids) + "/notes", headers=fra, json={"text": "Synthetic note."}
            )
            assert noted.status_code == 201, noted.text
            asked = client.post(
                f"/api/v1/cases/{ids['moving']}/transfer",
                headers=fra,
                json={"to_nation": "DEU", "reason": "Synthetic dual national.", "basis": LEGAL},
            )
            assert asked.status_code == 201, asked.text
            waiting = client.get("/api/v1/transfers", headers=headers["deu_officer"]).json()
            ids["transfer"] = waiting[0]["id"]
            yield BadWorld(runtime, client, headers, ids)


@dataclass(frozen=True)
class Bad:
    """One bad request, and the answer it must get."""

    method: str
    path: str
    body: Any
    status: int
    field: str
    """Named in the answer as `field: problem`."""
    words: str = ""
    """Part of the problem, when its wording is what makes the error clear."""
    who: str = "fra_officer"


LEGAL = {"kind": "legal_obligation", "grounds": "Synthetic: court order."}


def protection(classification: int, release: list[str]) -> dict[str, object]:
    return {"classification": classification, "release": release, "reason": "Synthetic."}


def opening(**changes: object) -> dict[str, object]:
    return {"identity": IDENTITY, **changes}


BAD: dict[str, Bad] = {
    # Stages
    "unknown stage": Bad("POST", CASE + "/stage", {"stage": "teleported"}, 400, "stage"),
    "unknown stage in a list filter": Bad(
        "GET", "/api/v1/cases?stage=teleported", None, 400, "stage"
    ),
    "empty stage": Bad("POST", CASE + "/stage", {"stage": ""}, 422, "stage"),
    "forbidden transition": Bad(
        "POST",
        CASE + "/stage",
        {"stage": "repatriated", "note": "skip ahead"},
        409,
        "",
        "A case that is new cannot be moved to repatriated; "
        "from here you can move it to: in contact",
    ),
    "transition needing a note": Bad("POST", CASE + "/stage", {"stage": "withdrawn"}, 400, "note"),
    "oversized stage note": Bad(
        "POST", CASE + "/stage", {"stage": "withdrawn", "note": TOO_LONG_NOTE}, 422, "note"
    ),
    # Notes
    "oversized note": Bad("POST", CASE + "/notes", {"text": TOO_LONG_NOTE}, 422, "text", "20000"),
    "empty note": Bad("POST", CASE + "/notes", {"text": ""}, 422, "text"),
    "blank note": Bad("POST", CASE + "/notes", {"text": "   "}, 400, "note", "empty"),
    # Transfers
    "transfer to an unknown nation": Bad(
        "POST", CASE + "/transfer", {"to_nation": "XYZ", "reason": "why"}, 400, "to_nation"
    ),
    "transfer to the coordination cell": Bad(
        "POST", CASE + "/transfer", {"to_nation": "IRQ", "reason": "why"}, 400, "to_nation"
    ),
    "transfer to its own desk": Bad(
        "POST", CASE + "/transfer", {"to_nation": "FRA", "reason": "why"}, 400, "to_nation"
    ),
    "transfer to a country's name": Bad(
        "POST", CASE + "/transfer", {"to_nation": "Germany", "reason": "why"}, 422, "to_nation"
    ),
    "transfer without a reason": Bad(
        "POST", CASE + "/transfer", {"to_nation": "DEU"}, 422, "reason", "required"
    ),
    "transfer without a basis": Bad(
        "POST", CASE + "/transfer", {"to_nation": "DEU", "reason": "why"}, 400, "basis"
    ),
    "release without a basis": Bad(
        "PUT", CASE + "/protection", protection(1, ["GBR"]), 400, "basis"
    ),
    "consent without how it was given": Bad(
        "PUT",
        CASE + "/protection",
        {**protection(1, ["GBR"]), "basis": {"kind": "consent", "consent_given_on": "2026-11-02"}},
        400,
        "consent_how",
    ),
    "a second transfer": Bad(
        "POST",
        "/api/v1/cases/{moving}/transfer",
        {"to_nation": "DEU", "reason": "why"},
        409,
        "",
        "already waiting",
    ),
    # Protection below the owner's policy
    "classification below the floor": Bad(
        "PUT", CASE + "/protection", protection(0, []), 400, "classification", "RESTRICTED"
    ),
    "SECRET released to the coordination cell": Bad(
        "PUT", CASE + "/protection", protection(3, ["IRQ"]), 400, "release", "coordination cell"
    ),
    "release to an unknown nation": Bad(
        "PUT", CASE + "/protection", protection(1, ["XYZ"]), 400, "release", "XYZ"
    ),
    "release to the owner itself": Bad(
        "PUT", CASE + "/protection", protection(1, ["FRA"]), 400, "release"
    ),
    "unknown classification": Bad(
        "PUT", CASE + "/protection", protection(7, []), 422, "classification"
    ),
    "opening below the floor": Bad(
        "POST", "/api/v1/cases", opening(classification=0), 400, "classification"
    ),
    "opening SECRET released to the cell": Bad(
        "POST", "/api/v1/cases", opening(classification=3, release=["IRQ"]), 400, "release"
    ),
    "opening released to an unknown nation": Bad(
        "POST", "/api/v1/cases", opening(release=["XYZ"]), 400, "release"
    ),
    # Labels and assignees
    "oversized label": Bad("PUT", CASE + "/labels", {"labels": ["l" * 41]}, 400, "labels", "40"),
    "too many labels": Bad(
        "PUT", CASE + "/labels", {"labels": [f"l{n}" for n in range(21)]}, 422, "labels"
    ),
    "opening with an oversized label": Bad(
        "POST", "/api/v1/cases", opening(labels=["l" * 41]), 400, "labels"
    ),
    "assignee of another desk": Bad(
        "PUT", CASE + "/labels", {"labels": [], "assignee_ids": ["{deu}"]}, 400, "assignees"
    ),
    # Dates too long for the field at all
    "date of birth too long": Bad(
        "POST",
        "/api/v1/cases",
        opening(identity={**IDENTITY, "date_of_birth": "1990-02-300"}),
        422,
        "identity.date_of_birth",
    ),
    # Malformed JSON
    "a body that is not JSON": Bad("POST", CASE + "/notes", "not json{", 422, "", "JSON"),
}
for date in MALFORMED_DATES:
    BAD[f"opening born {date}"] = Bad(
        "POST",
        "/api/v1/cases",
        opening(identity={**IDENTITY, "date_of_birth": date}),
        400,
        "date_of_birth",
        date,
    )
    BAD[f"changing the birth date to {date}"] = Bad(
        "PUT",
        CASE + "/identity",
        {"identity": {**IDENTITY, "date_of_birth": date}, "reason": "Synthetic."},
        400,
        "date_of_birth",
        date,
    )
EXTRA = {"colour": "blue"}
for name, method, path, body, who in (
    ("open", "POST", "/api/v1/cases", opening(), "fra_officer"),
    ("stage", "POST", CASE + "/stage", {"stage": "in_contact"}, "fra_officer"),
    ("note", "POST", CASE + "/notes", {"text": "Fine."}, "fra_officer"),
    ("identity", "PUT", CASE + "/identity", {"identity": IDENTITY, "reason": "x"}, "fra_officer"),
    ("labels", "PUT", CASE + "/labels", {"labels": []}, "fra_officer"),
    ("protection", "PUT", CASE + "/protection", protection(1, []), "fra_officer"),
    ("transfer", "POST", CASE + "/transfer", {"to_nation": "DEU", "reason": "x"}, "fra_officer"),
    (
        "basis",
        "PUT",
        CASE + "/protection",
        {**protection(1, ["GBR"]), "basis": LEGAL},
        "fra_officer",
    ),
    ("refuse", "POST", "/api/v1/transfers/{transfer}/refuse", {"reason": "No."}, "deu_officer"),
):
    BAD[f"an extra field in {name}"] = Bad(method, path, {**body, **EXTRA}, 422, "colour", who=who)
BAD["an extra identity field"] = Bad(
    "POST", "/api/v1/cases", opening(identity={**IDENTITY, **EXTRA}), 422, "identity.colour"
)


def fill(value: Any, ids: dict[str, str]) -> Any:
    """Put the world's ids into a body, where a string is exactly `{name}`."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_named_and_stores_nothing(world: BadWorld, name: str) -> None:
    bad = BAD[name]
    path, body = bad.path.format(**world.ids), fill(bad.body, world.ids)
    before = world.snapshot()
    headers = world.headers[bad.who]
    if isinstance(body, str):
        response = world.client.request(
            bad.method, path, headers={**headers, "content-type": "application/json"}, content=body
        )
    else:
        response = world.client.request(bad.method, path, headers=headers, json=body)
    assert response.status_code == bad.status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str), detail
    if bad.field:
        assert f"{bad.field}:" in detail, detail
    assert bad.words in detail, detail
    assert world.snapshot() == before
