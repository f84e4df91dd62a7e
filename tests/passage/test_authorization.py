"""Need to know for the way home, route by route (pages and API), enumerated from the app so
that a new passage route without rows here fails. Each route is tried by the owning desk's
officer and supervisor, the IRQ cell that runs the point, another nation (DEU) the case is not
released to, one it is released to (GBR), an administrator, an auditor and a debriefer: 403
where the role may not, 404 where the record is another desk's (as if it did not exist), the
route's success for the one who does it, and nothing stored by any refusal. Both engines.
(tests/web/test_authorization.py leaves these routes to this file.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from homeward.cases.models import Case
from homeward.core.runtime import Runtime
from homeward.passage import points
from homeward.passage.models import HandoverClosure, HandoverPoint
from homeward.policy import binding
from homeward.policy.labels import encode_release
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers
from tests.passage import world
from tests.passage.test_flows import conversation_case
from tests.web.authorization_passage import PASSAGE_PREFIXES, is_passage_route
from tests.web.authorization_world import add_officer, app_routes

WHO = (
    "fra_officer",
    "fra_supervisor",
    "coordinator",
    "deu_officer",
    "gbr_officer",
    "administrator",
    "auditor",
    "debriefer",
)
POINT = {
    "name": "Zakho gate",
    "area": "Zakho district",
    "units": "Reception unit 9",
    "capacity": "2",
    "window_minutes": "60",
    "time_zone": "Asia/Baghdad",
    **{f"hours_{day}": "08:00-12:00" for day in range(7)},
}
POINT_JSON = {
    "name": "Zakho gate",
    "area": "Zakho district",
    "units": ["Reception unit 9"],
    "hours": {str(day): [{"opens": "08:00", "closes": "12:00"}] for day in range(7)},
    "capacity": 2,
    "window_minutes": 60,
}
DETAILS = {
    "receiving_unit": "Reception unit 4",
    "accompanied_by": "Liaison officer",
    "bring": "Papers",
    "fallback": "Next day",
    "instructions": "Second gate",
}


@dataclass
class World:
    runtime: Runtime
    personas: helpers.Personas
    ids: dict[str, str]
    app: object
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, who: str) -> TestClient:
        if who not in self.clients:
            made = TestClient(self.app, base_url="http://127.0.0.1")  # type: ignore[arg-type]
            helpers.officer_signin(made, self.runtime, self.personas[who])
            self.clients[who] = made
        return self.clients[who]

    def call(self, method: str, template: str, who: str, payload: object) -> httpx2.Response:
        path = template.format(**self.ids)
        client = self.client(who)
        if path.startswith("/api/"):
            token = client.cookies.get("hw_officer")
            headers = {"Authorization": f"Bearer {token}"}
            body = payload if method in ("POST", "PUT") else None
            return client.request(method, path, json=body, headers=headers)
        if method == "GET":
            return client.get(path, follow_redirects=False)
        csrf = helpers.csrf_of(client.get("/officer/").text)
        form = {**(payload if isinstance(payload, dict) else {}), "csrf": csrf}
        return client.post(path, data=form, follow_redirects=False)

    def stored(self) -> tuple[object, ...]:
        """What a refusal must leave as it was (audit entries aside: sign-ins add them)."""
        now = world.stored(self.runtime)
        with self.runtime.db.transaction() as session:
            binding.as_system(session, "test: count points and closures")
            counts = tuple(
                session.scalar(select(func.count()).select_from(table))
                for table in (HandoverPoint, HandoverClosure)
            )
            stage = session.scalar(select(Case.stage).where(Case.id == self.ids["case_id"]))
        return (now.plans, now.booked, now.windows, now.events, *counts, stage)


def make_world(runtime: Runtime, personas: helpers.Personas) -> World:
    personas["gbr_officer"] = add_officer(runtime, "gbr.officer", Role.DESK_OFFICER, "GBR")
    personas["debriefer"] = add_officer(runtime, "fra.debriefer", Role.DEBRIEFER, "FRA")
    point_id = world.make_point(runtime, personas["coordinator"])
    case_id, conversation_id = conversation_case(runtime, personas["fra_officer"], "fr")
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: released to GBR")
        session.execute(
            update(Case).where(Case.id == case_id).values(release=encode_release(["GBR"]))
        )
    day = world.day_ahead()
    plan_id = world.book(
        runtime, personas["fra_officer"], case_id, point_id, world.window(day, "09:00")
    )
    with runtime.db.transaction() as session:
        closure = points.add_closure(
            session=session,
            principal=world.principal(runtime, personas["coordinator"]),
            point_id=point_id,
            first_day=day.replace(year=day.year + 1),
            last_day=day.replace(year=day.year + 1),
            reason="Synthetic: works on the road.",
        )
        closure_id = closure.id
    ids = {
        "point_id": point_id,
        "case_id": case_id,
        "plan_id": plan_id,
        "closure_id": closure_id,
        "conversation_id": conversation_id,
        "day": day.isoformat(),
        "later": world.window(day, "11:00").isoformat(),
    }
    return World(runtime, personas, ids, create_app(runtime))


@dataclass(frozen=True)
class Row:
    """Statuses in WHO's order; `doer` makes the one success that changes something."""

    statuses: tuple[int, ...]
    doer: str = "fra_officer"
    payload: Callable[[World], object] = lambda _w: {}
    done: Callable[[World, httpx2.Response], bool] = lambda _w, _r: True


# Statuses in WHO's order: FRA officer, FRA supervisor, IRQ cell, DEU, GBR (released), admin,
# auditor, debriefer.
READ_POINTS = (200, 200, 200, 200, 200, 403, 403, 403)
CELL_ONLY = (403, 403, 200, 403, 403, 403, 403, 403)
OWN_CASE = (200, 200, 403, 404, 404, 403, 403, 403)
OWN_PLAN = (200, 200, 403, 404, 404, 403, 403, 403)
READ_PLAN = (200, 200, 200, 404, 404, 403, 403, 403)
APPROVE = (403, 200, 403, 403, 403, 403, 403, 403)


def ok(statuses: tuple[int, ...], success: int) -> tuple[int, ...]:
    return tuple(success if status == 200 else status for status in statuses)


def plan_form(w: World) -> dict[str, str]:
    return {"point": w.ids["point_id"], "window": w.ids["later"], **DETAILS}


def in_db(sql: str, expected: int) -> Callable[[World, httpx2.Response], bool]:
    def check(w: World, _response: httpx2.Response) -> bool:
        with w.runtime.db.engine.connect() as connection:
            found = connection.execute(text(sql), w.ids).scalar_one()
        return int(found) == expected

    return check


def stage_is(stage: str) -> Callable[[World, httpx2.Response], bool]:
    sql = "SELECT count(*) FROM case_file WHERE id = :case_id AND stage = '" + stage + "'"  # noqa: S608
    return in_db(sql, 1)


PAGE_PLAN = "/officer/passage/plans/{plan_id}"
API_PLAN = "/api/v1/passage/plans/{plan_id}"
PLANS = "SELECT count(*) FROM passage_plan WHERE status != 'cancelled'"
ROWS: dict[tuple[str, str], Row] = {
    ("GET", "/officer/passage"): Row(READ_POINTS, done=lambda _w, r: "Rabia crossing" in r.text),
    ("GET", "/officer/passage/points/new"): Row(CELL_ONLY, doer="coordinator"),
    ("POST", "/officer/passage/points"): Row(
        ok(CELL_ONLY, 303),
        doer="coordinator",
        payload=lambda _w: POINT,
        done=in_db("SELECT count(*) FROM handover_point", 2),
    ),
    ("GET", "/officer/passage/points/{point_id}"): Row(READ_POINTS),
    ("POST", "/officer/passage/points/{point_id}"): Row(
        ok(CELL_ONLY, 303),
        doer="coordinator",
        payload=lambda _w: POINT,
        done=in_db("SELECT count(*) FROM handover_point WHERE name = 'Zakho gate'", 1),
    ),
    ("GET", "/officer/passage/points/{point_id}/edit"): Row(CELL_ONLY, doer="coordinator"),
    ("POST", "/officer/passage/points/{point_id}/closures"): Row(
        ok(CELL_ONLY, 303),
        doer="coordinator",
        payload=lambda w: {"first_day": w.ids["day"], "last_day": w.ids["day"], "reason": "Dust."},
        done=in_db("SELECT count(*) FROM handover_closure", 2),
    ),
    ("POST", "/officer/passage/points/{point_id}/closures/{closure_id}/lift"): Row(
        ok(CELL_ONLY, 303),
        doer="coordinator",
        done=in_db("SELECT count(*) FROM handover_closure", 0),
    ),
    ("GET", "/officer/passage/points/{point_id}/calendar"): Row(READ_POINTS),
    ("GET", "/officer/cases/{case_id}/plans/new"): Row(OWN_CASE),
    ("POST", "/officer/cases/{case_id}/plans"): Row(
        ok(OWN_CASE, 303), payload=plan_form, done=in_db(PLANS, 2)
    ),
    ("GET", PAGE_PLAN): Row(
        READ_PLAN, done=lambda _w, r: "second gate with hands visible" in r.text
    ),
    ("GET", PAGE_PLAN + "/change"): Row(OWN_PLAN),
    ("POST", PAGE_PLAN + "/change"): Row(
        ok(OWN_PLAN, 303), payload=plan_form, done=in_db(PLANS, 1)
    ),
    ("POST", PAGE_PLAN + "/approve"): Row(
        ok(APPROVE, 303), doer="fra_supervisor", done=stage_is("passage_planned")
    ),
    ("POST", PAGE_PLAN + "/cancel"): Row(
        ok(OWN_PLAN, 303), payload=lambda _w: {"reason": "Unsafe."}, done=in_db(PLANS, 0)
    ),
    ("GET", PAGE_PLAN + "/tell"): Row(OWN_PLAN, done=lambda _w, r: "Votre retour" in r.text),
    ("POST", PAGE_PLAN + "/tell"): Row(
        ok(OWN_PLAN, 303),
        payload=lambda w: {"conversation": w.ids["conversation_id"], "text": "Bonjour."},
        done=in_db("SELECT count(*) FROM case_event WHERE kind = 'passage:plan:told'", 1),
    ),
    ("GET", "/api/v1/passage/points"): Row(READ_POINTS),
    ("POST", "/api/v1/passage/points"): Row(
        ok(CELL_ONLY, 201), doer="coordinator", payload=lambda _w: POINT_JSON
    ),
    ("GET", "/api/v1/passage/points/{point_id}"): Row(READ_POINTS),
    ("PUT", "/api/v1/passage/points/{point_id}"): Row(
        CELL_ONLY,
        doer="coordinator",
        payload=lambda _w: POINT_JSON,
        done=lambda _w, r: r.json()["name"] == "Zakho gate",
    ),
    ("POST", "/api/v1/passage/points/{point_id}/closures"): Row(
        ok(CELL_ONLY, 201),
        doer="coordinator",
        payload=lambda w: {"first_day": w.ids["day"], "last_day": w.ids["day"], "reason": "Dust."},
    ),
    ("DELETE", "/api/v1/passage/closures/{closure_id}"): Row(
        ok(CELL_ONLY, 204),
        doer="coordinator",
        done=in_db("SELECT count(*) FROM handover_closure", 0),
    ),
    ("GET", "/api/v1/passage/points/{point_id}/calendar"): Row(
        READ_POINTS, done=lambda _w, r: len(r.json()) == 7 * 7
    ),
    ("GET", "/api/v1/cases/{case_id}/plans"): Row(
        (200, 200, 404, 404, 404, 403, 403, 403), done=lambda _w, r: len(r.json()) == 1
    ),
    ("POST", "/api/v1/cases/{case_id}/plans"): Row(
        ok(OWN_CASE, 201),
        payload=lambda w: {"point_id": w.ids["point_id"], "starts_at": w.ids["later"], **DETAILS},
    ),
    ("GET", API_PLAN): Row(
        READ_PLAN, done=lambda _w, r: r.json()["details"]["bring"].startswith("Identity papers")
    ),
    ("PUT", API_PLAN): Row(OWN_PLAN, payload=lambda _w: DETAILS),
    ("POST", API_PLAN + "/cancel"): Row(
        OWN_PLAN,
        payload=lambda _w: {"reason": "Unsafe."},
        done=lambda _w, r: r.json()["status"] == "cancelled",
    ),
    ("POST", API_PLAN + "/approve"): Row(
        APPROVE, doer="fra_supervisor", done=stage_is("passage_planned")
    ),
}


@pytest.fixture
def authz(runtime: Runtime, personas: helpers.Personas) -> Iterator[World]:
    made = make_world(runtime, personas)
    yield made
    for client in made.clients.values():
        client.close()


def test_every_passage_route_has_rows(runtime: Runtime) -> None:
    routes = {route for route in app_routes(create_app(runtime)) if is_passage_route(route[1])}
    assert routes == set(ROWS), "a passage route without rows, or rows for a route gone"
    assert all(template.startswith(PASSAGE_PREFIXES) for _m, template in ROWS)


@pytest.mark.parametrize("key", sorted(ROWS), ids=lambda key: f"{key[0]} {key[1]}")
def test_passage_route_authorization(authz: World, key: tuple[str, str]) -> None:
    method, template = key
    row = ROWS[key]
    if template.endswith("/calendar") and template.startswith("/api/"):
        template += "?first_day={day}"
    expected = dict(zip(WHO, row.statuses, strict=True))
    changes = method != "GET"
    before = authz.stored()
    for who in WHO:
        if changes and who == row.doer:
            continue
        status = expected[who]
        if changes and 200 <= status < 400:
            continue  # a colleague who could also do it: the doer's success is the test
        response = authz.call(method, template, who, row.payload(authz))
        assert response.status_code == status, (who, response.text[:300])
        if status == 404:
            for hidden in ("second gate", "Benali", authz.ids["case_id"]):
                assert hidden not in response.text, (who, hidden)
        if changes or status >= 400:
            assert authz.stored() == before, who
        if status < 400:
            assert row.done(authz, response), (who, response.text[:300])
    if changes:
        response = authz.call(method, template, row.doer, row.payload(authz))
        assert response.status_code == expected[row.doer], response.text[:300]
        assert row.done(authz, response), response.text[:300]
