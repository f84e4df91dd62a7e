"""The world the authorization tests act in: two conversations (FRA's with a file, and an
'I don't know' one held by the coordination cell), two FRA cases (one opened from FRA's
conversation, one waiting for DEU to accept its transfer), audit checkpoints, a FRA witness,
and officers signed in through the pages on first use (the same session token serves the API)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import httpx2
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.routing import Mount, Route, compile_path

from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.audit import checkpoints, notes
from homeward.audit import service as audit
from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases import transfers
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.release_basis import Basis
from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.policy.labels import Classification
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers

BASE_URL = "http://127.0.0.1"
LETTER = "Je veux rentrer en France avec ma famille."
FILE = b"\x89PNG synthetic scan of a document " * 40
WITNESS = "fra-witness.example"
FAMILY_NAME = "Haddadi"
CASE_PREFIXES = ("/api/v1/cases", "/api/v1/transfers", "/officer/cases", "/officer/transfers")


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


def form_of(payload: dict[str, object], csrf: str) -> dict[str, str]:
    return {**{name: str(value) for name, value in payload.items()}, "csrf": csrf}


def wrong_method(app: FastAPI, path: str) -> str:
    """A method this path does not take, and that no other route's pattern takes on it
    (GET /api/v1/conversations/bulk is GET /api/v1/conversations/{conversation_id})."""
    routes = app_routes(app)
    taken = {method for method, declared in routes if declared == path}
    taken |= {
        method
        for method, declared in routes
        if method != "MOUNT" and compile_path(declared)[0].match(path)
    }
    return next(m for m in ("GET", "POST", "PUT", "DELETE", "PATCH") if m not in taken)


class Conversation(NamedTuple):
    owner_nation: str
    starred: bool
    message_count: int


class CaseState(NamedTuple):
    owner_nation: str
    stage: str
    classification: int
    release: str
    updated_at: object


class State(NamedTuple):
    conversations: dict[str, Conversation]
    content_rows: tuple[int, ...]
    """message, attachment and key_wrap rows."""
    sessions: int
    cases: dict[str, CaseState]
    case_rows: tuple[int, ...]
    """case_event, case_note, case_label and case_assignee rows."""
    transfers: dict[str, str]
    """Status by transfer id."""


@dataclass
class World:
    """Two conversations (FRA with a file, IRQ 'I don't know') and lazily signed-in officers."""

    runtime: Runtime
    app: FastAPI
    personas: helpers.Personas
    conversations: dict[str, str]
    attachment_id: str
    leaf_index: int
    """An audit entry about FRA's conversation, covered by a checkpoint."""
    sizes: dict[str, int]
    """Sizes of two checkpoints, 'old' and 'new'."""
    cases: dict[str, str]
    """'FRA': a FRA case opened from FRA's conversation; 'moving': a FRA case whose transfer
    to DEU waits ('transfer' is that transfer's id)."""
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
        ids: defaultdict[str, object] = defaultdict(lambda: "0" * 32)
        ids.update(conversation_id=self.conversations[target], attachment_id=self.attachment_id)
        ids.update(leaf_index=self.leaf_index, **self.sizes)
        ids.update(case_id=self.cases["FRA"], transfer_id=self.cases["transfer"])
        return template.format_map(ids)

    def hidden(self, template: str, target: str) -> list[str]:
        """What a refused answer must not contain: the record it was about."""
        if template.startswith(CASE_PREFIXES):
            ids = [case_id[:12] for case_id in self.cases.values()]
            return [*ids, FAMILY_NAME, FAMILY_NAME.upper()]
        return [self.conversations[target][:12]]

    def read_by(self, conversation_id: str) -> set[str]:
        """The personas for whom the conversation is marked read (read state is per officer)."""
        with self.runtime.db.engine.connect() as connection:
            officer_ids = set(
                connection.execute(
                    text("SELECT officer_id FROM conversation_read WHERE conversation_id = :c"),
                    {"c": conversation_id},
                ).scalars()
            )
        return {key for key, persona in self.personas.items() if persona.officer_id in officer_ids}

    def call(
        self,
        method: str,
        template: str,
        who: str | None,
        target: str,
        payload: dict[str, object] | Callable[[World], dict[str, object]],
    ) -> httpx2.Response:
        path = self.path(template, target)
        payload = payload(self) if callable(payload) else payload
        client = self.client(who)
        if path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {self.token(who)}"} if who else {}
            body = payload if method in ("POST", "PUT") else None
            return client.request(method, path, json=body, headers=headers)
        form = form_of(payload, self.csrf[who or "anonymous"]) if method == "POST" else None
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
            cases = connection.execute(
                text(
                    "SELECT id, owner_nation, stage, classification, release, updated_at"
                    " FROM case_file"
                )
            ).all()
            case_rows = tuple(
                int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608
                for table in ("case_event", "case_note", "case_label", "case_assignee")
            )
            statuses = connection.execute(text("SELECT id, status FROM case_transfer")).all()
        conversations = {row[0]: Conversation(row[1], bool(row[2]), row[3]) for row in rows}
        return State(
            conversations,
            counts[:3],
            counts[3],
            {str(row[0]): CaseState(*row[1:]) for row in cases},
            case_rows,
            {str(row[0]): str(row[1]) for row in statuses},
        )

    def close(self) -> None:
        for made in self.clients.values():
            made.close()


def make_world(runtime: Runtime, personas: helpers.Personas) -> World:
    """Two conversations, an extra DEU auditor, a FRA witness and two checkpoints."""
    app = create_app(runtime)
    for desk in ("FRA", "unknown"):
        with TestClient(app, base_url=BASE_URL) as contact:
            helpers.contact_start(contact)
            files = [("scan.png", FILE, "image/png")] if desk == "FRA" else None
            assert helpers.contact_write(contact, LETTER, desk=desk, files=files) == 303
    with runtime.db.engine.connect() as connection:
        rows = connection.execute(text("SELECT owner_nation, id FROM conversation")).all()
        owners = {str(nation): str(conversation) for nation, conversation in rows}
        attachment_id = connection.execute(text("SELECT id FROM attachment")).scalar_one()
    assert set(owners) == {"FRA", "IRQ"}
    personas["deu_auditor"] = add_officer(runtime, "deu.auditor", Role.AUDITOR, "DEU")
    sizes = {"old": sign_checkpoint(runtime)}
    with runtime.db.transaction() as session:
        key = notes.signer_key(WITNESS, sealing.random_bytes(), notes.COSIGNATURE_V1)
        checkpoints.add_witness(
            session=session, actor=audit.SYSTEM, vkey=key.encode(), nation="FRA"
        )
    sizes["new"] = sign_checkpoint(runtime)
    with runtime.db.engine.connect() as connection:
        leaf = connection.execute(
            text(
                "SELECT min(leaf_index) FROM audit_event WHERE nation = 'FRA' AND resource_id = :id"
            ),
            {"id": owners["FRA"]},
        ).scalar_one()
    cases = open_cases(runtime, personas, owners["FRA"])
    return World(runtime, app, personas, owners, attachment_id, int(leaf), sizes, cases)


def open_cases(
    runtime: Runtime, personas: helpers.Personas, conversation_id: str
) -> dict[str, str]:
    """A FRA case from FRA's conversation, and another whose transfer to DEU waits."""
    keyring = helpers.keyring(runtime, personas["fra_officer"])
    ids = {}
    with runtime.db.transaction() as session:
        for key, conversations in (("FRA", [conversation_id]), ("moving", [])):
            case = case_flows.open_case(
                session=session,
                keyring=keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                data=case_service.CaseOpen(
                    identity=ClaimedIdentity(given_names="Yacine", family_name=FAMILY_NAME),
                    conversation_ids=conversations,
                ),
            )
            ids[key] = case.id
        transfer = transfers.request_transfer(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            case_id=ids["moving"],
            to_nation="DEU",
            reason="Synthetic: holds German papers.",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )
        ids["transfer"] = transfer.id
    return ids


def add_officer(runtime: Runtime, username: str, role: Role, nation: str) -> helpers.Persona:
    password = secrets.token_urlsafe(16)
    with runtime.db.transaction() as session:
        officer, _uri = accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            actor=audit.SYSTEM,
            data=NewOfficer(username, password, role, nation, int(Classification.SECRET)),
        )
        return helpers.Persona(username, officer.username, password, role, nation, officer.id)


def sign_checkpoint(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        made = checkpoints.make_checkpoint(
            session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
        )
        return int(made.size)
