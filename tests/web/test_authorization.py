"""Need to know, route by route, enumerated from the app itself so that a new route without
a row here fails: the owner succeeds, another nation gets 404 (as if the record did not exist),
a role that may not do it gets 403, a wrong method 405, and no session 401 or the sign-in page.
Every one of those requests, refused or not, runs in at most one database transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers
from tests.approvals.test_authorization import is_approval_route
from tests.cases.test_release_basis import is_release_route
from tests.debrief.test_api import is_debrief_route
from tests.debrief.test_pages import is_debrief_page_route
from tests.households.test_api import is_household_route
from tests.households.test_child_protection_api import is_child_protection_route
from tests.households.test_family import is_family_route
from tests.identity.online_world import using_real_model
from tests.reports.test_page import is_figures_page_route
from tests.screening.test_authorization import is_screening_route
from tests.web.authorization_cases import (
    API_BODIES,
    API_CASE,
    API_TRANSFER,
    PAGE_CASE,
    PAGE_FORMS,
    PAGE_TRANSFER,
    api_opening,
    check_case_success,
    is_case_route,
    page_opening,
)
from tests.web.authorization_handover import is_handover_route
from tests.web.authorization_identity import (
    API_CASE_IDENTITY,
    CSV,
    PAGE_CASE_IDENTITY,
    QUERY,
    case_decision,
    check_identity_success,
    is_identity_route,
    pair_decision,
    registry,
    search,
)
from tests.web.authorization_passage import is_passage_route
from tests.web.authorization_world import (
    BASE_URL,
    FILE,
    LETTER,
    WITNESS,
    World,
    app_routes,
    form_of,
    make_world,
    wrong_method,
)
from tests.web.transactions import TransactionCounter

REPLY = "Nous avons bien recu votre message."

# Reachable without an officer session, by (method, path) as the app declares them.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("GET", "/"),
        ("GET", "/{lang}"),
        ("GET", "/{lang}/"),
        ("POST", "/{lang}/start"),
        ("GET", "/{lang}/codename"),
        ("POST", "/{lang}/codename/confirm"),
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
    payload: dict[str, object] | Callable[[World], dict[str, object]] = field(default_factory=dict)
    other_status: int = 404
    """What the other nation gets; the one audit log's key and checkpoints are any auditor's."""
    query: str = ""
    listing: bool = False
    """A list: another nation gets 200 without the conversation in it."""
    everyone: bool = False
    """Not about any record: every signed-in officer succeeds."""


ROUTE_REASON = "Synthetic: the letter names a town in France."
BULK: dict[str, object] = {"action": "star"}


def routing(ok: int, *, page: bool = False) -> Case:
    """The cell routes its own 'I don't know' conversation; FRA's is out of its reach, and a
    desk officer's role may not route at all. The page's form is the confirmed second step."""
    payload: dict[str, object] = {"desk": "FRA", "reason": ROUTE_REASON}
    return Case(
        ok,
        owner="coordinator",
        target="IRQ",
        other="coordinator",
        other_target="FRA",
        wrong_roles=("fra_officer", *WRONG_ROLES),
        payload=payload | {"confirm": "yes"} if page else payload,
    )


def auditing(ok: int, *, other_status: int | None = None, **more: Any) -> Case:
    """Auditors read their own nation's entries; the log's key and checkpoints are shared."""
    wrong = ("fra_officer", "coordinator", "administrator")
    other = ok if other_status is None else other_status
    return Case(
        ok, owner="auditor", other="deu_auditor", wrong_roles=wrong, other_status=other, **more
    )


def case_work(ok: int, payload: dict[str, object]) -> Case:
    """FRA's case changed by its desk: DEU gets 404, and the cell, whose role only reads, 403."""
    return Case(ok, wrong_roles=("coordinator", *WRONG_ROLES), payload=payload)


def opening(ok: int, payload: Callable[[World], dict[str, object]]) -> Case:
    """A case opened from FRA's conversation, which DEU cannot see: 404; the cell may not open."""
    return Case(ok, wrong_roles=("coordinator", *WRONG_ROLES), payload=payload)


def exporting() -> Case:
    """The CSV of the list: only desk roles export; DEU's holds none of FRA's cases."""
    return Case(200, listing=True, wrong_roles=("coordinator", *WRONG_ROLES))


def receiving(ok: int, **more: Any) -> Case:
    """The transfer waits for DEU; FRA, which asked, cannot answer it for DEU."""
    wrong = ("coordinator", *WRONG_ROLES)
    return Case(ok, owner="deu_officer", other="fra_officer", wrong_roles=wrong, **more)


def identity(
    ok: int, payload: dict[str, object] | Callable[[World], dict[str, object]], **more: Any
) -> Case:
    """FRA's identity reports and case: DEU gets 404 (a listing: nothing of FRA's), the
    cell and the roles that read no content 403."""
    return Case(ok, wrong_roles=("coordinator", *WRONG_ROLES), payload=payload, **more)


def own_reports(ok: int, payload: dict[str, object]) -> Case:
    """Reports added for the officer's own nation: DEU adds its own, as FRA does."""
    return identity(ok, payload, other_status=ok)


def verdict(world: World) -> dict[str, object]:
    return {"witness": WITNESS, "checkpoint_size": world.sizes["new"], "reason": "Synthetic."}


CONV = "/conversations/{conversation_id}"
PROOF = "/audit/entries/{leaf_index}/proof"

CASES: dict[tuple[str, str], Case] = {
    # The officer home page lists nothing for roles without an inbox: 200, not 403.
    ("GET", "/officer"): Case(200, listing=True, wrong_role_status=200),
    ("GET", "/officer/"): Case(200, listing=True, wrong_role_status=200),
    ("GET", "/officer/inbox"): Case(200, listing=True),
    ("POST", "/officer/inbox/bulk"): Case(
        303, payload=lambda w: BULK | {"ids": w.conversations["FRA"]}
    ),
    ("GET", "/officer" + CONV): Case(200),
    ("POST", "/officer" + CONV + "/unread"): Case(303),
    # Nothing in the world was routed to FRA: the owner is told so (400), and the refusals
    # come before that answer.
    ("GET", "/officer" + CONV + "/recall"): Case(400),
    ("POST", "/officer" + CONV + "/recall"): Case(400, payload={"reason": ROUTE_REASON}),
    ("POST", "/api/v1" + CONV + "/recall"): Case(400, payload={"reason": ROUTE_REASON}),
    ("PUT", "/api/v1" + CONV + "/read"): Case(204, payload={"read": True}),
    ("POST", "/officer" + CONV + "/reply"): Case(303, payload={"text": REPLY}),
    ("POST", "/officer" + CONV + "/star"): Case(303, payload={"starred": "1"}),
    ("POST", "/officer" + CONV + "/route"): routing(303, page=True),
    ("GET", "/officer/attachments/{attachment_id}"): Case(200),
    ("POST", "/officer/signout"): Case(303, everyone=True),
    ("DELETE", "/api/v1/auth/token"): Case(204, everyone=True),
    ("GET", "/api/v1/me"): Case(200, everyone=True),
    ("GET", "/api/v1/desks"): Case(200, everyone=True),
    ("GET", "/api/v1/conversations"): Case(200, listing=True),
    ("GET", "/api/v1" + CONV): Case(200),
    ("POST", "/api/v1" + CONV + "/replies"): Case(201, payload={"text": REPLY}),
    ("PUT", "/api/v1" + CONV + "/star"): Case(204, payload={"starred": True}),
    ("POST", "/api/v1" + CONV + "/route"): routing(204),
    ("POST", "/api/v1/conversations/bulk"): Case(
        200, payload=lambda w: BULK | {"ids": [w.conversations["FRA"]]}
    ),
    ("GET", "/api/v1/attachments/{attachment_id}"): Case(200),
    ("GET", "/officer/audit"): auditing(200, listing=True),
    ("GET", "/officer/audit/"): auditing(200, listing=True),
    ("GET", "/officer" + PROOF): auditing(200, other_status=404),
    ("GET", "/api/v1/audit/log-key"): auditing(200),
    ("GET", "/api/v1/audit/checkpoint"): auditing(200),
    ("POST", "/api/v1/audit/checkpoint"): auditing(201),
    ("GET", "/api/v1/audit/consistency"): auditing(200, query="?old={old}&new={new}"),
    ("GET", "/api/v1/audit/entries"): auditing(200, listing=True),
    ("GET", "/api/v1" + PROOF): auditing(200, other_status=404),
    ("POST", "/api/v1/audit/verdicts"): auditing(201, other_status=404, payload=verdict),
    ("GET", "/api/v1/cases"): Case(200, listing=True),
    ("POST", "/api/v1/cases"): opening(201, api_opening),
    ("GET", "/api/v1/cases/export.csv"): exporting(),
    ("GET", API_CASE): Case(200),
    ("POST", API_CASE + "/stage"): case_work(200, API_BODIES["stage"]),
    ("POST", API_CASE + "/notes"): case_work(201, API_BODIES["notes"]),
    ("PUT", API_CASE + "/identity"): case_work(200, API_BODIES["identity"]),
    ("PUT", API_CASE + "/labels"): case_work(200, API_BODIES["labels"]),
    ("PUT", API_CASE + "/protection"): case_work(200, API_BODIES["protection"]),
    ("POST", API_CASE + "/transfer"): case_work(201, API_BODIES["transfer"]),
    ("GET", "/api/v1/transfers"): receiving(200, listing=True),
    ("POST", API_TRANSFER + "/accept"): receiving(200),
    ("POST", API_TRANSFER + "/refuse"): receiving(204, payload=API_BODIES["refuse"]),
    ("GET", "/officer/cases"): Case(200, listing=True),
    ("GET", "/officer/cases/export.csv"): exporting(),
    ("GET", PAGE_CASE): Case(200),
    ("POST", "/officer" + CONV + "/case"): opening(303, page_opening),
    ("POST", PAGE_CASE + "/stage"): case_work(303, PAGE_FORMS["stage"]),
    ("POST", PAGE_CASE + "/notes"): case_work(303, PAGE_FORMS["notes"]),
    ("POST", PAGE_CASE + "/labels"): case_work(303, PAGE_FORMS["labels"]),
    ("POST", PAGE_CASE + "/protection"): case_work(303, PAGE_FORMS["protection"]),
    ("POST", PAGE_CASE + "/transfer"): case_work(303, PAGE_FORMS["transfer"]),
    ("GET", "/officer/transfers"): receiving(200, listing=True),
    ("GET", PAGE_CASE_IDENTITY): identity(200, registry),
    ("POST", PAGE_CASE_IDENTITY + "/report"): identity(303, {}),
    ("POST", PAGE_CASE_IDENTITY + "/decisions"): identity(303, case_decision),
    ("GET", API_CASE_IDENTITY + "/candidates"): identity(200, registry),
    ("PUT", API_CASE_IDENTITY + "/report"): identity(200, {}),
    ("POST", API_CASE_IDENTITY + "/decisions"): identity(201, case_decision),
    ("POST", "/api/v1/identity/decisions"): identity(201, pair_decision),
    ("POST", "/api/v1/identity/search"): identity(200, search, listing=True),
    ("GET", "/officer/identity"): identity(200, registry, listing=True),
    ("GET", "/officer/identity/template.csv"): own_reports(200, {}),
    ("POST", "/officer/identity/import"): own_reports(303, {"csv": CSV}),
    ("POST", "/api/v1/identity/imports"): own_reports(201, {"csv": CSV}),
    ("POST", "/officer/identity/reports"): own_reports(303, QUERY),
    ("POST", "/api/v1/identity/reports"): own_reports(201, {"report": QUERY}),
    ("POST", PAGE_TRANSFER + "/accept"): receiving(303),
    ("POST", PAGE_TRANSFER + "/refuse"): receiving(303, payload=PAGE_FORMS["refuse"]),
}


@pytest.fixture
def world(
    runtime: Runtime, personas: helpers.Personas, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    with using_real_model(tmp_path_factory.mktemp("model")):
        made = make_world(runtime, personas)
        yield made
        made.close()


@pytest.fixture
def counted(world: World) -> Iterator[TransactionCounter]:
    counter = TransactionCounter(world.runtime, world.app)
    yield counter
    counter.close()


def assert_one_transaction_each(counter: TransactionCounter) -> None:
    assert counter.seen, "no request was counted"
    assert counter.over_one() == []


def assert_anonymous_refused(template: str, response: httpx2.Response) -> None:
    if template.startswith("/api/"):
        assert response.status_code == 401, response.text
        assert response.json()["detail"]
    else:
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/officer/signin")


def check_success(world: World, key: tuple[str, str], who: str, response: httpx2.Response) -> None:
    """The request did what the route promises, not merely answered."""
    method, template = key
    fra, irq = world.conversations["FRA"], world.conversations["IRQ"]
    if "/audit" in template:
        check_audit_success(world, template, response)
        return
    if is_identity_route(template) or is_case_route(template):
        routed = check_identity_success if is_identity_route(template) else check_case_success
        routed(world, key, response)
        return
    changed = {
        # Read state is per officer; nothing in the world was routed to FRA, so FRA is told so.
        "/unread": lambda _now: world.read_by(fra) == set(),
        "/read": lambda _now: world.read_by(fra) == {who},
        "/recall": lambda _now: "not routed to your desk" in response.text,
        "/bulk": lambda now: now[fra].starred,
        "/reply": lambda now: now[fra].message_count == 2,
        "/replies": lambda now: now[fra].message_count == 2,
        "/star": lambda now: now[fra].starred,
        "/route": lambda now: now[irq].owner_nation == "FRA",
    }
    suffix = template[template.rindex("/") :]
    if suffix in changed:
        assert changed[suffix](world.state().conversations), f"{method} {template} changed nothing"
        return
    if template in ("/officer", "/officer/", "/officer/inbox"):
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
    elif template in ("/officer/signout", "/api/v1/auth/token"):
        is_api = template.startswith("/api/")
        again = world.call("GET", "/api/v1/me" if is_api else "/officer/", who, "FRA", {})
        assert_anonymous_refused(template, again)
    else:  # pragma: no cover - a new route needs its own check here
        pytest.fail(f"no success check for {method} {template}")


def check_audit_success(world: World, template: str, response: httpx2.Response) -> None:
    fra, irq = world.conversations["FRA"], world.conversations["IRQ"]
    origin = world.runtime.settings.log_origin
    if template in ("/officer/audit", "/officer/audit/"):
        assert fra[:12] in response.text
        assert irq[:12] not in response.text
    elif template.endswith(PROOF):
        assert f"\nindex {world.leaf_index}\n" in response.text
    elif template == "/api/v1/audit/log-key":
        assert response.json()["vkey"].startswith(origin + "+")
    elif template == "/api/v1/audit/checkpoint":
        assert response.json()["size"] >= world.sizes["new"]
        assert response.json()["note"].startswith(origin + "\n")
    elif template == "/api/v1/audit/consistency":
        body = response.json()
        assert (body["old_size"], body["new_size"]) == (world.sizes["old"], world.sizes["new"])
        assert body["proof"]
    elif template == "/api/v1/audit/entries":
        items = response.json()["items"]
        assert fra in {item["resource_id"] for item in items}
        assert {item["nation"] for item in items} == {"FRA"}
    elif template == "/api/v1/audit/verdicts":
        assert response.json()["verdict"] == "refused"
    else:  # pragma: no cover - a new route needs its own check here
        pytest.fail(f"no success check for {template}")


def test_every_route_is_public_by_name_or_covered_here(runtime: Runtime) -> None:
    routes = {
        r
        for r in app_routes(create_app(runtime))
        if not (
            is_passage_route(r[1])
            or is_handover_route(r[1])
            or is_screening_route(r[1])
            or is_approval_route(r[1])
            or is_release_route(r[1])
            or is_household_route(r[1])
            or is_child_protection_route(r[1])
            or is_family_route(r[1])
            or is_debrief_route(r[1])
            or is_debrief_page_route(r[1])
            or is_figures_page_route(r[1])
        )
    }
    assert routes - PUBLIC - set(CASES) == set(), "routes without an authorization case"
    assert set(CASES) - routes == set(), "cases for routes that no longer exist"
    assert routes >= PUBLIC


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda key: f"{key[0]} {key[1]}")
def test_route_authorization(
    world: World, counted: TransactionCounter, key: tuple[str, str]
) -> None:
    method, template = key
    case = CASES[key]
    route = template + case.query
    before = world.state()

    assert_anonymous_refused(template, world.call(method, route, None, case.target, {}))
    wrong = world.call(wrong_method(world.app, template), route, case.owner, case.target, {})
    assert wrong.status_code == 405

    if case.everyone:
        for who in EVERY_PERSONA:
            response = world.call(method, route, who, case.target, case.payload)
            assert response.status_code == case.ok, (who, response.text)
            check_success(world, key, who, response)
        assert_one_transaction_each(counted)
        return

    for who in case.wrong_roles:
        response = world.call(method, route, who, case.target, case.payload)
        assert response.status_code == case.wrong_role_status, (who, response.text)
        for hidden in world.hidden(template, case.target):
            assert hidden not in response.text, (who, hidden)
    other = world.call(method, route, case.other, case.other_target, case.payload)
    assert other.status_code == (200 if case.listing else case.other_status), other.text
    assert LETTER not in other.text
    if case.listing or case.other_status == 404:
        for hidden in world.hidden(template, case.other_target):
            assert hidden not in other.text, hidden
    after = world.state()
    assert after.conversations == before.conversations
    assert after.content_rows == before.content_rows
    assert (after.cases, after.case_rows, after.transfers) == (
        before.cases,
        before.case_rows,
        before.transfers,
    )
    signed_in = len(world.clients) - 1  # the anonymous client holds no session
    assert after.sessions == before.sessions + signed_in

    response = world.call(method, route, case.owner, case.target, case.payload)
    assert response.status_code == case.ok, response.text
    check_success(world, key, case.owner, response)
    assert_one_transaction_each(counted)


def test_default_deny_for_anonymous_requests(world: World, counted: TransactionCounter) -> None:
    """Any route not listed as public refuses a request without a session, even one with a
    valid form token and even with a forged session cookie or token."""
    forged = TestClient(world.app, base_url=BASE_URL, cookies={"hw_officer": "forged" * 7})
    world.clients["forged"] = forged
    for method, template in sorted(app_routes(world.app) - PUBLIC):
        case = CASES.get((method, template), Case(200))
        response = world.call(method, template + case.query, None, case.target, case.payload)
        assert_anonymous_refused(template, response)
        path = world.path(template + case.query, case.target)
        payload = case.payload(world) if callable(case.payload) else case.payload
        if template.startswith("/api/"):
            headers = {"Authorization": "Bearer " + "forged" * 7}
            response = forged.request(method, path, json=payload or None, headers=headers)
        else:
            form = form_of(payload, world.csrf["anonymous"])
            response = forged.request(method, path, data=form, follow_redirects=False)
        assert response.status_code in (303, 400, 401), (method, template, response.text)
        assert response.status_code != 303 or response.headers["location"].startswith(
            "/officer/signin"
        )
    assert_one_transaction_each(counted)
