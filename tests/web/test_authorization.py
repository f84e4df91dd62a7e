"""Need to know, route by route, enumerated from the app itself so that a new route without
a row here fails: the owner succeeds, another nation gets 404 (as if the record did not exist),
a role that may not do it gets 403, a wrong method 405, and no session 401 or the sign-in page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.routing import Mount, Route

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers

BASE_URL = "http://127.0.0.1"
LETTER = "Je veux rentrer en France avec ma famille."
FILE = b"\x89PNG synthetic scan of a document " * 40
REPLY = "Nous avons bien recu votre message."

# Reachable without an officer session, by (method, path) as the app declares them.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/"),
        ("GET", "/{lang}"),
        ("GET", "/{lang}/"),
        ("POST", "/{lang}/start"),
        ("POST", "/{lang}/signin"),
        ("GET", "/{lang}/write"),
        ("POST", "/{lang}/write"),
        ("GET", "/{lang}/conversation"),
        ("GET", "/{lang}/delete"),
        ("POST", "/{lang}/delete"),
        ("GET", "/{lang}/leave"),
        ("MOUNT", "/static"),
        ("POST", "/api/v1/auth/token"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/officer/signin"),
        ("POST", "/officer/signin"),
    }
)
WRONG_ROLES = ("administrator", "auditor")
EVERY_PERSONA = tuple(key for key, *_ in helpers.PERSONAS)


@dataclass(frozen=True)
class Case:
    """What each persona gets on one route."""

    ok: int
    owner: str = "fra_officer"
    target: str = "FRA"
    """Which conversation the owner (and the wrong roles) act on."""
    other: str = "deu_officer"
    other_target: str = "FRA"
    wrong_roles: tuple[str, ...] = WRONG_ROLES
    wrong_role_status: int = 403
    payload: dict[str, object] = field(default_factory=dict)
    listing: bool = False
    """A list: another nation gets 200 without the conversation in it."""
    everyone: bool = False
    """Not about any record: every signed-in officer succeeds."""


ROUTING = {"owner": "coordinator", "target": "IRQ", "other": "coordinator", "other_target": "FRA"}
ROUTING_WRONG = ("fra_officer", *WRONG_ROLES)
CONV = "/conversations/{conversation_id}"

CASES: dict[tuple[str, str], Case] = {
    # The officer home page lists nothing for roles without an inbox: 200, not 403.
    ("GET", "/officer"): Case(200, listing=True, wrong_role_status=200),
    ("GET", "/officer/"): Case(200, listing=True, wrong_role_status=200),
    ("GET", "/officer" + CONV): Case(200),
    ("POST", "/officer" + CONV + "/reply"): Case(303, payload={"text": REPLY}),
    ("POST", "/officer" + CONV + "/star"): Case(303, payload={"starred": "1"}),
    ("POST", "/officer" + CONV + "/route"): Case(
        303, wrong_roles=ROUTING_WRONG, payload={"desk": "FRA"}, **ROUTING
    ),
    ("GET", "/officer/attachments/{attachment_id}"): Case(200),
    ("POST", "/officer/signout"): Case(303, everyone=True),
    ("DELETE", "/api/v1/auth/token"): Case(204, everyone=True),
    ("GET", "/api/v1/me"): Case(200, everyone=True),
    ("GET", "/api/v1/desks"): Case(200, everyone=True),
    ("GET", "/api/v1/conversations"): Case(200, listing=True),
    ("GET", "/api/v1" + CONV): Case(200),
    ("POST", "/api/v1" + CONV + "/replies"): Case(201, payload={"text": REPLY}),
    ("PUT", "/api/v1" + CONV + "/star"): Case(204, payload={"starred": True}),
    ("POST", "/api/v1" + CONV + "/route"): Case(
        204, wrong_roles=ROUTING_WRONG, payload={"desk": "FRA"}, **ROUTING
    ),
    ("GET", "/api/v1/attachments/{attachment_id}"): Case(200),
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, HEAD aside, through included routers too;
    anything that is neither a route nor a mount is listed as unknown, so it fails."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            found.add(("MOUNT", route.path))
        elif isinstance(route, Route) and context.path and context.methods:
            found.update((m, context.path) for m in context.methods if m != "HEAD")
        else:
            found.add(("UNKNOWN", repr(route)))
    return found


def wrong_method(app: FastAPI, path: str) -> str:
    taken = {method for method, declared in app_routes(app) if declared == path}
    return next(m for m in ("GET", "POST", "PUT", "DELETE", "PATCH") if m not in taken)


class Conversation(NamedTuple):
    owner_nation: str
    starred: bool
    message_count: int


class State(NamedTuple):
    conversations: dict[str, Conversation]
    content_rows: tuple[int, ...]
    """message, attachment and key_wrap rows."""
    sessions: int


@dataclass
class World:
    """Two conversations (FRA with a file, IRQ 'I don't know') and lazily signed-in officers."""

    runtime: Runtime
    app: FastAPI
    personas: helpers.Personas
    conversations: dict[str, str]
    attachment_id: str
    clients: dict[str, TestClient] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)

    def client(self, who: str | None) -> TestClient:
        key = who or "anonymous"
        if key not in self.clients:
            made = TestClient(self.app, base_url=BASE_URL)
            if who is None:
                self.csrf[key] = helpers.csrf_of(made.get("/officer/signin").text)
            else:
                helpers.officer_signin(made, self.runtime, self.personas[who])
                self.csrf[key] = helpers.csrf_of(made.get("/officer/").text)
            self.clients[key] = made
        return self.clients[key]

    def token(self, who: str) -> str:
        token = self.client(who).cookies.get("hw_officer")
        assert token
        return token

    def path(self, template: str, target: str = "FRA") -> str:
        ids: defaultdict[str, str] = defaultdict(lambda: "0" * 32)
        ids.update(conversation_id=self.conversations[target], attachment_id=self.attachment_id)
        return template.format_map(ids)

    def call(
        self, method: str, template: str, who: str | None, target: str, payload: dict[str, object]
    ) -> httpx.Response:
        path = self.path(template, target)
        client = self.client(who)
        if path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {self.token(who)}"} if who else {}
            body = payload if method in ("POST", "PUT") else None
            return client.request(method, path, json=body, headers=headers)
        form = {**payload, "csrf": self.csrf[who or "anonymous"]} if method == "POST" else None
        return client.request(method, path, data=form, follow_redirects=False)

    def state(self) -> State:
        """What a refused request must leave alone."""
        with self.runtime.db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, owner_nation, starred, message_count FROM conversation")
            ).all()
            counts = tuple(
                int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
                for table in ("message", "attachment", "key_wrap", "web_session")
            )
        conversations = {row[0]: Conversation(row[1], bool(row[2]), row[3]) for row in rows}
        return State(conversations, counts[:3], counts[3])

    def close(self) -> None:
        for made in self.clients.values():
            made.close()


@pytest.fixture
def world(runtime: Runtime, personas: helpers.Personas) -> Iterator[World]:
    app = create_app(runtime)
    for desk in ("FRA", "unknown"):
        with TestClient(app, base_url=BASE_URL) as contact:
            helpers.contact_start(contact)
            files = [("scan.png", FILE, "image/png")] if desk == "FRA" else None
            assert helpers.contact_write(contact, LETTER, desk=desk, files=files) == 303
    with runtime.db.engine.connect() as connection:
        owners = dict(connection.execute(text("SELECT owner_nation, id FROM conversation")).all())
        attachment_id = connection.execute(text("SELECT id FROM attachment")).scalar_one()
    assert set(owners) == {"FRA", "IRQ"}
    made = World(runtime, app, personas, owners, attachment_id)
    yield made
    made.close()


def assert_anonymous_refused(template: str, response: httpx.Response) -> None:
    if template.startswith("/api/"):
        assert response.status_code == 401, response.text
        assert response.json()["detail"]
    else:
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/officer/signin")


def check_success(world: World, key: tuple[str, str], who: str, response: httpx.Response) -> None:
    """The request did what the route promises, not merely answered."""
    method, template = key
    fra, irq = world.conversations["FRA"], world.conversations["IRQ"]
    state = world.state()
    if template in ("/officer", "/officer/"):
        assert fra in response.text
        assert irq not in response.text
    elif template == "/officer" + CONV:
        assert LETTER in response.text
    elif template == "/api/v1" + CONV:
        assert response.json()["messages"][0]["text"] == LETTER
    elif template == "/api/v1/conversations":
        assert [item["id"] for item in response.json()["items"]] == [fra]
    elif template.startswith(("/officer/attachments/", "/api/v1/attachments/")):
        assert response.content == FILE
        assert response.headers["content-disposition"].startswith("attachment;")
    elif template == "/api/v1/me":
        assert response.json()["username"] == world.personas[who].username
    elif template == "/api/v1/desks":
        assert {desk["code"] for desk in response.json()} >= {"FRA", "DEU", "IRQ"}
    elif template.endswith(("/reply", "/replies")):
        assert state.conversations[fra].message_count == 2
    elif template.endswith("/star"):
        assert state.conversations[fra].starred
    elif template.endswith("/route"):
        assert state.conversations[irq].owner_nation == "FRA"
    elif template in ("/officer/signout", "/api/v1/auth/token"):
        is_api = template.startswith("/api/")
        again = world.call("GET", "/api/v1/me" if is_api else "/officer/", who, "FRA", {})
        assert_anonymous_refused(template, again)
    else:  # pragma: no cover - a new route needs its own check here
        pytest.fail(f"no success check for {method} {template}")


def test_every_route_is_public_by_name_or_covered_here(runtime: Runtime) -> None:
    routes = app_routes(create_app(runtime))
    assert routes - PUBLIC - set(CASES) == set(), "routes without an authorization case"
    assert set(CASES) - routes == set(), "cases for routes that no longer exist"
    assert routes >= PUBLIC


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda key: f"{key[0]} {key[1]}")
def test_route_authorization(world: World, key: tuple[str, str]) -> None:
    method, template = key
    case = CASES[key]
    before = world.state()

    assert_anonymous_refused(template, world.call(method, template, None, case.target, {}))
    wrong = world.call(wrong_method(world.app, template), template, case.owner, case.target, {})
    assert wrong.status_code == 405

    if case.everyone:
        for who in EVERY_PERSONA:
            response = world.call(method, template, who, case.target, case.payload)
            assert response.status_code == case.ok, (who, response.text)
            check_success(world, key, who, response)
        return

    for who in case.wrong_roles:
        response = world.call(method, template, who, case.target, case.payload)
        assert response.status_code == case.wrong_role_status, (who, response.text)
        assert world.conversations[case.target] not in response.text
    other = world.call(method, template, case.other, case.other_target, case.payload)
    if case.listing:
        assert other.status_code == 200, other.text
        assert world.conversations[case.other_target] not in other.text
    else:
        assert other.status_code == 404, other.text
        assert LETTER not in other.text
    after = world.state()
    assert after.conversations == before.conversations
    assert after.content_rows == before.content_rows
    signed_in = len(world.clients) - 1  # the anonymous client holds no session
    assert after.sessions == before.sessions + signed_in

    response = world.call(method, template, case.owner, case.target, case.payload)
    assert response.status_code == case.ok, response.text
    check_success(world, key, case.owner, response)


def test_default_deny_for_anonymous_requests(world: World) -> None:
    """Any route not listed as public refuses a request without a session, even one with a
    valid form token and even with a forged session cookie or token."""
    forged = TestClient(world.app, base_url=BASE_URL, cookies={"hw_officer": "forged" * 7})
    world.clients["forged"] = forged
    for method, template in sorted(app_routes(world.app) - PUBLIC):
        case = CASES.get((method, template), Case(200))
        response = world.call(method, template, None, case.target, case.payload)
        assert_anonymous_refused(template, response)
        path = world.path(template, case.target)
        if template.startswith("/api/"):
            headers = {"Authorization": "Bearer " + "forged" * 7}
            response = forged.request(method, path, json=case.payload or None, headers=headers)
        else:
            form = {**case.payload, "csrf": world.csrf["anonymous"]}
            response = forged.request(method, path, data=form, follow_redirects=False)
        assert response.status_code in (303, 400, 401), (method, template, response.text)
        assert response.status_code != 303 or response.headers["location"].startswith(
            "/officer/signin"
        )
