"""The child-protection routes (API under /api/v1/cases/{case_id}/child-protection and
/api/v1/child-protection, and the pages' GETs), enumerated from the app so that a new route
without rows here fails: each tried by the owning desk's officer, supervisor and debriefer,
another nation's officer and supervisor (DEU, to whom the cases are released), the cell (IRQ,
released too), an administrator and an auditor, in the order given: 403 where the role may not,
404 where the record is another desk's, the owner's answer otherwise, nothing stored by any
refusal. Bad input is named. Both engines. (tests/web/test_authorization.py leaves these routes
to this file; the pages' forms are tried in test_child_protection_browser.py and their CSRF in
tests/web/test_officer_session.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from homeward.core.runtime import Runtime
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers
from tests.households import child_protection_world as cw
from tests.households import world
from tests.screening.test_authorization import Signed

CASE = "/api/v1/cases/{case_id}/child-protection"
CELL = "/api/v1/child-protection"
PAGE = "/officer/cases/{case_id}/child-protection"
CELL_PAGE = "/officer/child-protection"
PAGE_POSTS = {
    ("POST", PAGE),
    ("POST", PAGE + "/{handover_id}/confirm"),
    ("POST", PAGE + "/arrival"),
    ("POST", CELL_PAGE + "/{handover_id}/confirm"),
}


def is_child_protection_route(template: str) -> bool:
    return template.startswith((CELL, CELL_PAGE)) or template.endswith(
        (
            "/child-protection",
            "/child-protection/arrival",
            "/child-protection/{handover_id}/confirm",
        )
    )


NOBODY = (("administrator", 403), ("auditor", 403))
DESK_ONLY = (*NOBODY, ("coordinator", 403), ("fra_debriefer", 403))
OTHER_DESK = (("deu_officer", 404), ("deu_supervisor", 404))
NOT_THE_CELL = (
    *NOBODY,
    ("fra_debriefer", 403),
    ("fra_officer", 403),
    ("deu_officer", 403),
)
# (method, route): who tries, in this order, and the status each gets.
ROWS: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {
    ("GET", CASE): (
        *NOBODY,
        ("fra_debriefer", 403),
        ("coordinator", 404),  # the case is released to IRQ; the desk's record of it is not
        *OTHER_DESK,
        ("fra_officer", 200),
        ("fra_supervisor", 200),
    ),
    ("GET", PAGE): (
        *NOBODY,
        ("fra_debriefer", 403),
        ("coordinator", 404),
        *OTHER_DESK,
        ("fra_officer", 200),
        ("fra_supervisor", 200),
    ),
    ("POST", CASE): (*DESK_ONLY, *OTHER_DESK, ("fra_officer", 201), ("fra_supervisor", 400)),
    ("GET", CELL): (*NOT_THE_CELL, ("coordinator", 200)),
    ("GET", CELL_PAGE): (*NOT_THE_CELL, ("coordinator", 200)),
    ("POST", CELL + "/{handover_id}/confirm"): (
        *NOBODY,
        ("fra_debriefer", 403),
        *OTHER_DESK,
        ("coordinator", 200),
        ("fra_officer", 200),
        ("fra_supervisor", 400),  # settled: both sides have said it happened
    ),
    ("POST", CASE + "/arrival"): (
        *DESK_ONLY,
        *OTHER_DESK,
        ("fra_officer", 200),
        ("fra_supervisor", 400),  # already repatriated
    ),
}


@pytest.fixture
def signed(runtime: Runtime, personas: helpers.Personas) -> Iterator[Signed]:
    from tests.web.authorization_world import add_officer

    personas["fra_debriefer"] = add_officer(runtime, "fra.debriefer", Role.DEBRIEFER, "FRA")
    personas["deu_supervisor"] = add_officer(runtime, "deu.supervisor", Role.SUPERVISOR, "DEU")
    made = Signed(runtime, personas)
    yield made
    made.close()


def test_every_child_protection_route_has_rows(runtime: Runtime) -> None:
    from tests.web.authorization_world import app_routes

    routes = {r for r in app_routes(create_app(runtime)) if is_child_protection_route(r[1])}
    assert routes == set(ROWS) | PAGE_POSTS


def _word() -> dict[str, object]:
    return {
        "happened": True,
        "happened_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "received_by": "Ms. Amal Haddad, case worker",
    }


def test_child_protection_routes_by_role_and_nation(
    runtime: Runtime, personas: helpers.Personas, signed: Signed
) -> None:
    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    shared = ("DEU", "IRQ")
    child = cw.child(runtime, fra, release=shared)
    fresh = cw.child(runtime, fra, release=shared)
    handed = cw.child(runtime, fra, release=shared)
    handover_id = cw.record(runtime, fra, child)
    done = cw.record(runtime, fra, handed)
    cw.confirm(runtime, coordinator, done, cw.happened())
    cw.confirm(runtime, personas["fra_supervisor"], done, cw.happened())
    case_of = {CASE: child, PAGE: child, CASE + "/arrival": handed}
    bodies = {
        ("POST", CASE): {
            "organisation": "Direction de la protection de l'enfance",
            "planned_at": (datetime.now(UTC) + timedelta(hours=3)).isoformat(),
        },
        ("POST", CELL + "/{handover_id}/confirm"): _word(),
        ("POST", CASE + "/arrival"): {
            "arrived_at": datetime.now(UTC).isoformat(),
            "note": "Received by the Paris child welfare service",
        },
    }
    for who in {who for rows in ROWS.values() for who, _status in rows}:
        signed.client(who)  # signing in is audited: done before anything is counted
    for (method, template), rows in ROWS.items():
        case_id = fresh if (method, template) == ("POST", CASE) else case_of.get(template, child)
        path = template.format(case_id=case_id, handover_id=handover_id)
        for who, status in rows:
            before = cw.stored(runtime)
            got = signed.call(who, method, path, bodies.get((method, template)))
            assert got == status, (method, template, who, got)
            if status >= 400:
                assert cw.stored(runtime) == before, (method, template, who)
    assert cw.stage(runtime, child) == "handed_over"
    assert cw.stage(runtime, handed) == "repatriated"


def test_bad_input_is_named(runtime: Runtime, personas: helpers.Personas, signed: Signed) -> None:
    fra = personas["fra_officer"]
    adult = world.open_case(runtime, fra)
    child = cw.child(runtime, fra)
    client = signed.client("fra_officer")  # signing in is audited: before anything is counted
    headers = {"Authorization": f"Bearer {client.cookies.get('hw_officer')}"}
    soon = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    before = cw.stored(runtime)
    for case_id, body, status, words in (
        (adult, {"organisation": "UNICEF partner", "planned_at": soon}, 400, "not a child's case"),
        (child, {"organisation": "x" * 201, "planned_at": soon}, 422, "organisation"),
        (child, {"organisation": "UNICEF partner", "planned_at": "2026-12-08T09:00"}, 422,
         "planned_at"),
        (child, {"organisation": "  ", "planned_at": soon}, 400, "organisation"),
    ):  # fmt: skip
        answer = client.post(CASE.format(case_id=case_id), json=body, headers=headers)
        assert answer.status_code == status, answer.text
        assert words in answer.text
        assert cw.stored(runtime) == before
