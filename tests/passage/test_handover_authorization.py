"""Need to know for the handover and the custody chain, route by route (pages and API),
enumerated from the app so that a new such route without rows here fails. Each route is tried
by the owning desk's officer and supervisor, the IRQ cell that runs the point, a nation the
case is not released to (DEU), one it is released to (GBR), another cell (JOR), an
administrator and an auditor: 403 where the role may not, 404 where the record is out of reach
(as if it did not exist), the route's success for the one who does it, and nothing stored by
any refusal. Both engines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx2
import pytest
from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.passage import handovers
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers
from tests.passage import handover_world as hw
from tests.passage import world
from tests.web.authorization_handover import is_handover_route
from tests.web.authorization_world import add_officer, app_routes

WHO = (
    "fra_officer",
    "fra_supervisor",
    "coordinator",
    "deu_officer",
    "gbr_officer",
    "jor_coordinator",
    "administrator",
    "auditor",
)
STAMP = "%Y-%m-%dT%H:%M"


@dataclass
class World:
    runtime: Runtime
    personas: helpers.Personas
    ids: dict[str, str]
    chain: hw.Ready
    app: object
    clients: dict[str, TestClient] = field(default_factory=dict)

    def call(self, method: str, template: str, who: str, payload: object) -> httpx2.Response:
        if who not in self.clients:
            made = TestClient(self.app, base_url="http://127.0.0.1")  # type: ignore[arg-type]
            helpers.officer_signin(made, self.runtime, self.personas[who])
            self.clients[who] = made
        client, path = self.clients[who], template.format(**self.ids)
        if path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {client.cookies.get('hw_officer')}"}
            body = payload if method == "POST" else None
            return client.request(method, path, json=body, headers=headers)
        if method == "GET":
            return client.get(path, follow_redirects=False)
        csrf = helpers.csrf_of(client.get("/officer/").text)
        return client.post(path, data={**payload, "csrf": csrf}, follow_redirects=False)  # type: ignore[dict-item]

    def stored(self) -> hw.Stored:
        return hw.stored(self.runtime, self.ids["case_id"])


def make_world(runtime: Runtime, personas: helpers.Personas) -> World:
    """One approved plan whose window has come (the handover's routes), and a case handed over
    with the first link of its chain (the custody routes), both released to GBR."""
    personas["gbr_officer"] = add_officer(runtime, "gbr.officer", Role.DESK_OFFICER, "GBR")
    personas["jor_coordinator"] = world.second_cell(runtime)
    plan = hw.window_has_come(runtime, hw.ready(runtime, personas, release=("GBR",)))
    second = hw.ready(runtime, personas, release=("GBR",), point_id=plan.point_id)
    chain = hw.window_has_come(runtime, second)
    for who in ("coordinator", "fra_officer"):
        with runtime.db.transaction() as session:
            handovers.confirm(
                session=session,
                principal=world.principal(runtime, personas[who]),
                secrets=runtime.secrets,
                plan_id=chain.plan_id,
                word=hw.happened(chain),
            )
    hw.record(runtime, personas["fra_officer"], chain, hw.entry(chain))
    ids = {"plan_id": plan.plan_id, "case_id": chain.case_id, "plan_case_id": plan.case_id}
    made = World(runtime, personas, ids, chain, create_app(runtime))
    made.ids["received_at"] = plan.at.strftime(STAMP)
    made.ids["next_at"] = (chain.at.replace(second=0) + (plan.now - plan.at) / 3).strftime(STAMP)
    return made


@dataclass(frozen=True)
class Row:
    """Statuses in WHO's order; `doer` makes the one success that changes something."""

    statuses: tuple[int, ...]
    doer: str = "fra_officer"
    payload: Callable[[World], object] = lambda _w: {}
    done: Callable[[World], bool] = lambda _w: True


READ_HANDOVER = (200, 200, 200, 404, 404, 404, 403, 403)
CONFIRM = (200, 200, 200, 404, 404, 404, 403, 403)
READ_CHAIN = (200, 200, 404, 404, 404, 404, 403, 403)
WRITE_CHAIN = (200, 200, 403, 404, 404, 403, 403, 403)


def ok(statuses: tuple[int, ...], success: int) -> tuple[int, ...]:
    return tuple(success if status == 200 else status for status in statuses)


def word_form(w: World) -> dict[str, str]:
    return {"happened": "yes", "happened_at": w.ids["received_at"], "received_by": hw.UNIT}


def word_json(w: World) -> dict[str, object]:
    return {"happened": True, "happened_at": w.ids["received_at"] + ":00Z",
            "received_by": hw.UNIT}  # fmt: skip


def link_form(w: World) -> dict[str, str]:
    return {"kind": "home_nation_officers", "held_by": "DGSI team", "place": "Erbil",
            "received_from": "Screening facility 2", "starts_at": w.ids["next_at"],
            "reason": "Transfer to the home nation's officers"}  # fmt: skip


def link_json(w: World) -> dict[str, object]:
    return {**link_form(w), "starts_at": w.ids["next_at"] + ":00Z"}


def one_word(w: World) -> bool:
    return w.stored().confirmations == 3  # the chain's two and this one


def two_links(w: World) -> bool:
    return w.stored().entries == 2


def in_custody(w: World) -> bool:
    return hw.stage(w.runtime, w.ids["case_id"]) == "in_custody"


PAGE_HANDOVER = "/officer/passage/plans/{plan_id}/handover"
API_HANDOVER = "/api/v1/plans/{plan_id}/handover"
PAGE_CHAIN = "/officer/cases/{case_id}/custody"
API_CHAIN = "/api/v1/cases/{case_id}/custody"
ROWS: dict[tuple[str, str], Row] = {
    ("GET", PAGE_HANDOVER): Row(READ_HANDOVER),
    ("GET", API_HANDOVER): Row(READ_HANDOVER),
    ("POST", PAGE_HANDOVER): Row(ok(CONFIRM, 303), "coordinator", word_form, one_word),
    ("POST", API_HANDOVER): Row(CONFIRM, "coordinator", word_json, one_word),
    ("GET", PAGE_CHAIN): Row(READ_CHAIN),
    ("GET", API_CHAIN): Row(READ_CHAIN),
    ("POST", PAGE_CHAIN): Row(ok(WRITE_CHAIN, 303), payload=link_form, done=two_links),
    ("POST", API_CHAIN): Row(ok(WRITE_CHAIN, 201), payload=link_json, done=two_links),
    ("POST", PAGE_CHAIN + "/stage"): Row(
        ok(WRITE_CHAIN, 303), payload=lambda _w: {"to": "in_custody"}, done=in_custody
    ),
    ("POST", API_CHAIN + "/stage"): Row(
        WRITE_CHAIN, payload=lambda _w: {"to": "in_custody"}, done=in_custody
    ),
}


@pytest.fixture
def authz(runtime: Runtime, personas: helpers.Personas) -> Iterator[World]:
    made = make_world(runtime, personas)
    yield made
    for client in made.clients.values():
        client.close()


def test_every_handover_route_has_rows(runtime: Runtime) -> None:
    routes = {route for route in app_routes(create_app(runtime)) if is_handover_route(route[1])}
    assert routes == set(ROWS), "a handover or custody route without rows, or rows for one gone"


@pytest.mark.parametrize("key", sorted(ROWS), ids=lambda key: f"{key[0]} {key[1]}")
def test_handover_route_authorization(authz: World, key: tuple[str, str]) -> None:
    method, template = key
    row = ROWS[key]
    expected = dict(zip(WHO, row.statuses, strict=True))
    changes = method != "GET"
    before = authz.stored()
    for who in WHO:
        status = expected[who]
        if changes and (who == row.doer or 200 <= status < 400):
            continue  # the doer's success is the test; a colleague's would change the world
        response = authz.call(method, template, who, row.payload(authz))
        assert response.status_code == status, (who, response.text[:300])
        if status == 404:
            for hidden in ("Screening facility 2", hw.UNIT, authz.ids["case_id"]):
                assert hidden not in response.text, (who, hidden)
        if status >= 400:
            assert authz.stored().__dict__ | {"audit_entries": 0} == before.__dict__ | {
                "audit_entries": 0
            }, who  # sign-ins add audit entries; nothing else may change
    if changes:
        response = authz.call(method, template, row.doer, row.payload(authz))
        assert response.status_code == expected[row.doer], response.text[:300]
        assert row.done(authz), response.text[:300]
