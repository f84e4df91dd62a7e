"""The household and child routes under /api/v1/cases/{case_id}/household, enumerated from the
app so that a new route without rows here fails: each tried by the owning desk's officer,
supervisor and debriefer, another nation's officer and supervisor (DEU, to whom the cases are
released), the cell (IRQ, released too), an administrator and an auditor, in the order given:
403 where the role may not, 404 where the case is another desk's to change, the owner's answer
otherwise, and nothing stored by any refusal. Both engines. (tests/web/test_authorization.py
leaves these routes to this file.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from homeward.core.runtime import Runtime
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers
from tests.households import world
from tests.screening.test_authorization import Signed

PREFIX = "/api/v1/cases/{case_id}/household"
PAGE_PREFIX = "/officer/cases/{case_id}/household"
PAGE_POSTS = {
    ("POST", PAGE_PREFIX),
    ("POST", PAGE_PREFIX + "/{link_id}/unlink"),
    ("POST", PAGE_PREFIX + "/best-interests"),
}
"""The case page card's forms, tried in test_pages.py (their CSRF in tests/web/
test_officer_session.py)."""


def is_household_route(template: str) -> bool:
    return template.startswith((PREFIX, PAGE_PREFIX))


NOBODY = (("administrator", 403), ("auditor", 403))
DESK_ONLY = (*NOBODY, ("coordinator", 403), ("fra_debriefer", 403))
OTHER_DESK = (("deu_officer", 404), ("deu_supervisor", 404))
# (method, route): who tries, in this order, and the status each gets.
ROWS: dict[tuple[str, str], tuple[tuple[str, int], ...]] = {
    ("GET", PREFIX): (
        *NOBODY,
        ("fra_officer", 200),
        ("fra_supervisor", 200),
        ("fra_debriefer", 200),
        ("deu_officer", 200),
        ("deu_supervisor", 200),
        ("coordinator", 200),
    ),
    ("POST", PREFIX): (*DESK_ONLY, *OTHER_DESK, ("fra_officer", 201), ("fra_supervisor", 400)),
    ("POST", PREFIX + "/{link_id}/unlink"): (
        *DESK_ONLY,
        *OTHER_DESK,
        ("fra_supervisor", 200),
        ("fra_officer", 404),
    ),
    ("POST", PREFIX + "/age-estimate"): (
        *DESK_ONLY,
        *OTHER_DESK,
        ("fra_officer", 201),
        ("fra_supervisor", 201),
    ),
    ("GET", PREFIX + "/best-interests"): (
        *DESK_ONLY,
        *OTHER_DESK,
        ("fra_officer", 200),
        ("fra_supervisor", 200),
    ),
    ("POST", PREFIX + "/best-interests"): (
        *DESK_ONLY,
        *OTHER_DESK,
        ("fra_officer", 201),
        ("fra_supervisor", 201),
    ),
    ("GET", PREFIX + "/best-interests/{best_interests_id}"): (
        *DESK_ONLY,
        *OTHER_DESK,
        ("fra_officer", 200),
        ("fra_supervisor", 200),
    ),
    ("GET", PAGE_PREFIX + "/best-interests/{best_interests_id}"): (
        *DESK_ONLY,
        *OTHER_DESK,
        ("fra_officer", 200),
        ("fra_supervisor", 200),
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


def test_every_household_route_has_rows(runtime: Runtime) -> None:
    from tests.web.authorization_world import app_routes

    routes = {r for r in app_routes(create_app(runtime)) if is_household_route(r[1])}
    assert routes == set(ROWS) | PAGE_POSTS


def test_household_routes_by_role_and_nation(
    runtime: Runtime, personas: helpers.Personas, signed: Signed
) -> None:
    fra = personas["fra_officer"]
    shared = ("DEU", "IRQ")
    anchor = world.open_case(runtime, fra, release=shared)
    child = world.open_case(runtime, fra, given="Yasmine", born="2014", release=shared)
    spare = world.open_case(runtime, fra, given="Nour", release=shared)
    unknown = world.open_case(runtime, fra, given="Sami", born="", release=shared)
    link_id = world.link(runtime, fra, anchor, child, relation="child")
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        from homeward.households import best_interests

        assessment_id = best_interests.record(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            case_id=child,
            outcome="Reunification with the mother recommended.",
        ).id
    case_of = {
        PREFIX + "/age-estimate": unknown,
        PREFIX + "/best-interests": child,
        PREFIX + "/best-interests/{best_interests_id}": child,
        PAGE_PREFIX + "/best-interests/{best_interests_id}": child,
    }
    bodies = {
        ("POST", PREFIX): {
            "member_reference": world.reference(runtime, spare),
            "relation": "sibling",
            "basis": "stated",
        },
        ("POST", PREFIX + "/{link_id}/unlink"): {"reason": "Entered against the wrong case"},
        ("POST", PREFIX + "/age-estimate"): {"years": 15, "basis": "medical"},
        ("POST", PREFIX + "/best-interests"): {"outcome": "Placement with the grandmother."},
    }
    for who in {who for rows in ROWS.values() for who, _status in rows}:
        signed.client(who)  # signing in is audited: done before anything is counted
    for (method, template), rows in ROWS.items():
        path = template.format(
            case_id=case_of.get(template, anchor), link_id=link_id, best_interests_id=assessment_id
        )
        for who, status in rows:
            before = world.stored(runtime)
            got = signed.call(who, method, path, bodies.get((method, template)))
            assert got == status, (method, template, who, got)
            if status >= 400:
                assert world.stored(runtime) == before, (method, template, who)
    members = world.members(runtime, fra, anchor)
    assert [m.case_id for m in members] == [spare]


def test_bad_input_is_named(runtime: Runtime, personas: helpers.Personas, signed: Signed) -> None:
    fra = personas["fra_officer"]
    anchor = world.open_case(runtime, fra)
    path = PREFIX.format(case_id=anchor)
    client = signed.client("fra_officer")  # signing in is audited: before anything is counted
    token = client.cookies.get("hw_officer")
    before = world.stored(runtime)
    for body, words in (
        ({"member_reference": "FRA-00000000", "relation": "spouse", "basis": "stated"}, "member"),
        ({"member_reference": "FRA-00000000", "relation": "uncle", "basis": "stated"}, "relation"),
        ({"relation": "spouse", "basis": "stated"}, "member_reference"),
    ):
        answer = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code in {400, 422}, answer.text
        assert words in answer.text
        assert world.stored(runtime) == before
