"""The debrief pages by role and nation, on both engines, as the API answers: the owning desk's
writers and supervisors succeed, another nation gets 404 as if the report did not exist, a role
that may not gets 403, and no refusal stores anything. The case page's Debriefs card lists
exactly the reports the officer may open. (tests/web/test_authorization.py leaves these routes
to this file; the forms' CSRF is in tests/web/test_officer_session.py.)"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from tests import helpers
from tests.debrief import world

PREFIX = "/officer/debrief"
REPORT = PREFIX + "/{report_id}"
WHO = (
    "fra_debriefer",
    "fra_supervisor",
    "fra_officer",
    "gbr_debriefer",
    "gbr_supervisor",
    "deu_debriefer",
    "deu_officer",
    "coordinator",
    "administrator",
    "auditor",
)
LEGAL = {"basis_kind": "legal_obligation", "grounds": "Synthetic: treaty article 7."}
WRITE = {"title": "Session two", "session_on": "2026-11-29", "subject": "K. B."}
WRITE |= {"classification": "1", "places-0-name": "Camp", "places-0-country": "SY"}
WRITE_ROLES = {"reader_roles": ["debriefer", "supervisor"]}
# (method, route): status per persona (anyone not named: 403); the body of a POST.
ROWS: dict[tuple[str, str], tuple[dict[str, int], dict[str, str]]] = {
    ("GET", PREFIX + "/cases/{case_id}/new"): (
        {"fra_debriefer": 200, "fra_supervisor": 200, "deu_debriefer": 404, "gbr_debriefer": 404}
        | {"gbr_supervisor": 404},
        {},
    ),
    ("POST", PREFIX + "/cases/{case_id}"): (
        {"fra_debriefer": 303, "fra_supervisor": 303, "deu_debriefer": 404}
        | {"gbr_debriefer": 404, "gbr_supervisor": 404},
        WRITE,
    ),
    ("GET", PREFIX + "/cases/{case_id}/import"): (
        {"fra_debriefer": 200, "fra_supervisor": 200, "deu_debriefer": 404, "gbr_debriefer": 404}
        | {"gbr_supervisor": 404},
        {},
    ),
    # Sent without a file (tests/debrief/test_import_page sends real ones): who may import is
    # told to choose the bundle, on the page; another desk's case is not found.
    ("POST", PREFIX + "/cases/{case_id}/import"): (
        {"fra_debriefer": 400, "fra_supervisor": 400, "deu_debriefer": 404, "gbr_debriefer": 404}
        | {"gbr_supervisor": 404},
        {},
    ),
    ("GET", REPORT): (
        {
            "fra_debriefer": 200,
            "fra_supervisor": 200,
            "fra_officer": 200,
            "gbr_debriefer": 200,
            "gbr_supervisor": 200,
            "deu_debriefer": 404,
            "deu_officer": 404,
        },
        {},
    ),
    ("GET", REPORT + "/stix"): (
        {"fra_debriefer": 200, "fra_supervisor": 200, "deu_debriefer": 404},
        {},
    ),
    ("GET", REPORT + "/people/{entry}"): (
        {"fra_officer": 200, "fra_supervisor": 200, "gbr_supervisor": 200, "deu_officer": 404},
        {},
    ),
    # No such person report / link here (tests/debrief/test_people links one): the walk shows
    # who is refused before anything is looked up.
    ("POST", REPORT + "/people/{entry}/link"): (
        {"fra_officer": 404, "fra_supervisor": 404, "deu_officer": 404},
        {"person_report_id": "0" * 32},
    ),
    ("POST", REPORT + "/links/{link_id}/unlink"): (
        {"fra_officer": 404, "fra_supervisor": 404, "gbr_supervisor": 404, "deu_officer": 404},
        {},
    ),
    ("POST", REPORT + "/narrow"): ({"fra_supervisor": 303}, {"nations": "GBR", "reason": "x"}),
    ("POST", REPORT + "/sanitise"): (
        {"fra_supervisor": 303, "gbr_supervisor": 404},  # GBR no longer reads it
        {"classification": "1", "release": "GBR", "keep": "people", "reason": "For GBR", **LEGAL},
    ),
    ("POST", REPORT + "/release"): (
        {"fra_supervisor": 303, "gbr_supervisor": 404},
        {"nations": "DEU", "reason": "Asked", **LEGAL},
    ),
}


def is_debrief_page_route(template: str) -> bool:
    return template.startswith(PREFIX)


def stored(runtime: Runtime) -> tuple[int, ...]:
    with runtime.db.engine.connect() as connection:
        return tuple(
            connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            for table in ("debrief_report", "debrief_release", "debrief_report_wrap")
        )


def test_every_debrief_page_has_rows(runtime: Runtime) -> None:
    from tests.web.authorization_world import app_routes

    routes = {r for r in app_routes(create_app(runtime)) if is_debrief_page_route(r[1])}
    assert routes == set(ROWS)


def test_pages_by_role_and_nation(runtime: Runtime, personas: helpers.Personas) -> None:
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft(release=["GBR"]))
    app = create_app(runtime)
    clients: dict[str, TestClient] = {}
    for who in WHO:
        clients[who] = TestClient(app, base_url="http://127.0.0.1")
        helpers.officer_signin(clients[who], runtime, people[who])
    for (method, template), (expected, body) in ROWS.items():
        path = template.format(case_id=case_id, report_id=report_id, entry=0, link_id="0" * 32)
        for who in sorted(WHO, key=lambda who: expected.get(who, 403) < 400):  # refusals first
            status = expected.get(who, 403)
            before = stored(runtime)
            client = clients[who]
            if method == "GET":
                response = client.get(path, follow_redirects=False)
            else:
                csrf = helpers.csrf_of(client.get("/officer/").text)
                data: dict[str, str | list[str]] = {**body, "csrf": csrf}
                if body is WRITE:
                    data |= WRITE_ROLES
                response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == status, (method, template, who, response.text[:400])
            if status >= 400:
                assert stored(runtime) == before, (method, template, who)
            if template.endswith("/stix") and status == 200:
                assert response.headers["content-disposition"].startswith("attachment")
                assert response.json()["signer"] == "FRA"
        anonymous = TestClient(app, base_url="http://127.0.0.1")
        response = anonymous.request(method, path, follow_redirects=False)
        assert response.status_code in {303, 400, 401}, (method, template)
        assert report_id not in response.text
    for client in clients.values():
        client.close()


def test_the_case_card_lists_only_what_opening_allows(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    writer = people["fra_debriefer"]
    shown = world.write(runtime, writer, case_id, world.draft("open"))
    humint = world.write(runtime, writer, case_id, world.draft("humint", caveats=["HUMINT"]))
    roles_only = world.write(
        runtime, writer, case_id, world.draft("roles", reader_roles=["debriefer"])
    )
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, runtime, people["fra_officer"])
        page = client.get(f"/officer/cases/{case_id}").text
        card = page.split('id="debriefs"', 1)[1].split("</section>", 1)[0]
        assert f"/officer/debrief/{shown}" in card
        for hidden in (humint, roles_only):
            assert hidden not in page
            assert client.get(f"/officer/debrief/{hidden}").status_code == 404
        assert client.get(f"/officer/debrief/{shown}").status_code == 200
        assert "Write a debrief report" not in card  # a desk officer reads, does not write
        assert "/import" not in card  # nor imports
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, runtime, writer)
        card = client.get(f"/officer/cases/{case_id}").text.split('id="debriefs"', 1)[1]
        for report_id in (shown, humint, roles_only):
            assert f"/officer/debrief/{report_id}" in card
        assert "Write a debrief report" in card
        assert f'href="{PREFIX}/cases/{case_id}/import"' in card


def test_a_refused_report_keeps_what_was_typed(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, runtime, people["fra_debriefer"])
        csrf = helpers.csrf_of(client.get(f"{PREFIX}/cases/{case_id}/new").text)
        before = stored(runtime)
        typed = {**WRITE, "csrf": csrf, "session_on": "30/11/2026", "text": "Kept words"}
        typed["reader_roles"] = "debriefer"
        response = client.post(f"{PREFIX}/cases/{case_id}", data=typed)
        assert response.status_code == 400
        assert "Date of the session: a date such as 2026-11-30" in response.text
        assert 'id="session-on" name="session_on" required value="30/11/2026"' in response.text
        assert 'aria-invalid="true"' in response.text
        assert "Kept words" in response.text
        assert stored(runtime) == before
        typed |= {"session_on": "2026-11-30", "people-1-description": "no name"}
        response = client.post(f"{PREFIX}/cases/{case_id}", data=typed)
        assert response.status_code == 400
        assert "People, row 2, name: required" in response.text
        assert (
            'id="people-1-name" name="people-1-name" maxlength="200" dir="auto" value=""'
            ' aria-invalid="true"' in response.text
        )
        assert stored(runtime) == before
