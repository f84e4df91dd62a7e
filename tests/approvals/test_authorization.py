"""Need to know for approvals, route by route, enumerated from the app so that a new approvals
route without rows here fails: each API route and page is tried by the owning desk's officer,
supervisor and debriefer, another nation's officer and supervisor (DEU, to whom the case is
released: a release does not reach its approvals), the cell, an administrator and an auditor.
403 where the role may not, 404 where the request is another desk's, and nothing stored by any
refusal. The page forms are checked below (their CSRF in tests/web/test_officer_session.py).
Both engines. (tests/web/test_authorization.py leaves these routes to this file.)"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers
from tests.approvals import world
from tests.screening import world as screening_world
from tests.screening.test_authorization import Signed

PREFIXES = ("/api/v1/approvals", "/officer/approvals", "/officer/cases/{case_id}/close-request")
PAGE_POSTS = {
    ("POST", "/officer/cases/{case_id}/close-request"),
    ("POST", "/officer/approvals/{approval_id}"),
}


def is_approval_route(template: str) -> bool:
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
READERS = {"fra_officer": 200, "fra_supervisor": 200}
OTHER = {"deu_officer": 404, "deu_supervisor": 404}
# (method, route): expected status per persona (anyone not named: 403), in this order.
ROWS: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/api/v1/approvals/queue"): {"fra_supervisor": 200, "deu_supervisor": 200},
    ("GET", "/officer/approvals"): {"fra_supervisor": 200, "deu_supervisor": 200},
    ("GET", "/api/v1/approvals/cases/{case_id}"): {**READERS, **OTHER},
    ("GET", "/officer/cases/{case_id}/close-request"): {**READERS, **OTHER},
    ("GET", "/officer/approvals/{approval_id}"): {**READERS, **OTHER},
    ("POST", "/api/v1/approvals/cases/{case_id}"): {
        "fra_officer": 409,  # one request waits already
        "fra_supervisor": 409,
        **OTHER,
    },
    ("POST", "/api/v1/approvals/{approval_id}/approve"): {
        "deu_supervisor": 404,
        "fra_supervisor": 200,
    },
    ("POST", "/api/v1/approvals/{approval_id}/reject"): {
        "deu_supervisor": 404,
        "fra_supervisor": 409,  # answered already
    },
}
BODIES = {
    "/api/v1/approvals/cases/{case_id}": {"kind": "close", "comment": "Synthetic reason."},
    "/api/v1/approvals/{approval_id}/approve": {"comment": "Synthetic agreement."},
    "/api/v1/approvals/{approval_id}/reject": {"comment": "Synthetic refusal."},
}


@pytest.fixture
def signed(runtime: Runtime, personas: helpers.Personas) -> Iterator[Signed]:
    from tests.web.authorization_world import add_officer

    personas["fra_debriefer"] = add_officer(runtime, "fra.debriefer", Role.DEBRIEFER, "FRA")
    personas["deu_supervisor"] = add_officer(runtime, "deu.supervisor", Role.SUPERVISOR, "DEU")
    made = Signed(runtime, personas)
    yield made
    made.close()


def test_every_approval_route_has_rows(runtime: Runtime) -> None:
    from tests.web.authorization_world import app_routes

    routes = {r for r in app_routes(create_app(runtime)) if is_approval_route(r[1])}
    assert routes == set(ROWS) | PAGE_POSTS


def test_approval_routes_by_role_and_nation(
    runtime: Runtime, personas: helpers.Personas, signed: Signed
) -> None:
    fra = personas["fra_officer"]
    case_id = world.repatriated_case(runtime, fra, release=("DEU",))
    world.grant_keys(runtime, personas["fra_supervisor"])
    approval_id = world.ask(runtime, fra, case_id)
    for who in WHO:
        signed.client(who)  # signing in is audited: done before anything is counted
    for (method, template), expected in ROWS.items():
        path = template.format(case_id=case_id, approval_id=approval_id)
        body = BODIES.get(template)
        for who in sorted(WHO, key=lambda who: expected.get(who, _) < 300):  # refusals first
            status = expected.get(who, _)
            before = world.stored(runtime)
            got = signed.call(who, method, path, body)
            assert got == status, (method, template, who, got)
            if status >= 400:
                assert world.stored(runtime) == before, (method, template, who)
    assert screening_world.stage(runtime, case_id) == "closed"


def _form(client: TestClient, path: str, **fields: str) -> tuple[int, str]:
    page = client.get(path)
    response = client.post(
        path, data={"csrf": helpers.csrf_of(page.text), **fields}, follow_redirects=False
    )
    return response.status_code, response.text


def _changes(runtime: Runtime) -> world.Stored:
    """What is stored, but the audit log: a refused page opens the request again, a read that
    is audited."""
    return dataclasses.replace(world.stored(runtime), audit=0)


def test_the_pages_ask_refuse_in_words_and_close(
    runtime: Runtime, personas: helpers.Personas, signed: Signed
) -> None:
    """A supervisor asks through the page; an empty comment and answering their own request
    are refused on the same page, naming what is wrong, with nothing changed; another supervisor
    approves and the case is closed."""
    asker = personas["fra_supervisor"]
    personas["fra_other"] = world.add_officer(runtime, "fra.supervisor.two")
    case_id = world.repatriated_case(runtime, personas["fra_officer"])
    page = signed.client("fra_officer").get(f"/officer/cases/{case_id}")
    assert "Ask to close the case" in page.text
    client = signed.client("fra_supervisor")
    ask = f"/officer/cases/{case_id}/close-request"
    before = _changes(runtime)
    status, text = _form(client, ask, comment="   ")
    assert (status, "Refused; nothing changed." in text) == (400, True)
    assert "comment: it is empty" in text
    assert _changes(runtime) == before
    status, _text = _form(client, ask, comment=world.REASON)
    assert status == 303
    (approval_id,) = [row[0] for row in world.stored(runtime).approvals]
    decide = f"/officer/approvals/{approval_id}"
    mine = client.get(decide)
    assert "You asked for this: another supervisor of the desk answers it." in mine.text
    before = _changes(runtime)
    status, text = _form(client, decide, decision="approve", comment="Mine, agreed.")
    assert status == 409
    assert f"{asker.username} asked for this and cannot also approve it" in text
    assert _changes(runtime) == before
    other = signed.client("fra_other")
    assert world.REASON in other.get(f"/officer/cases/{case_id}").text
    status, text = _form(other, decide, decision="maybe", comment="Hmm.")
    assert (status, "decision: &#39;maybe&#39; is not one of: approve, reject" in text) == (
        400,
        True,
    )
    assert _changes(runtime) == before
    queue = other.get("/officer/approvals")
    assert "Close the case" in queue.text
    assert asker.username in queue.text
    status, _text = _form(other, decide, decision="approve", comment="Arrival on file; agreed.")
    assert status == 303
    assert screening_world.stage(runtime, case_id) == "closed"
    assert "Close the case" not in other.get("/officer/approvals").text
