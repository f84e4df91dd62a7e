"""People named in a debrief and the identity index, on both engines: "who might this be" for a
named person lists the person report in the index with its match probability; an officer who
cannot open the report, or cannot read identity, is refused and nothing is stored; a link is
recorded only by the officer's POST, shows on the report page to the report's readers, and is
unlinked the same way. (The CSRF of both forms: tests/web/test_officer_session.py.)"""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from homeward.core.runtime import Runtime
from homeward.debrief import people, releases
from homeward.debrief.models import DebriefPersonLink
from homeward.debrief.schemas import Entry
from homeward.identity import service as identity_service
from homeward.linkage.reports import PersonReport
from homeward.policy import binding
from homeward.web.app import create_app
from tests import helpers
from tests.debrief import world

NAME = "Samir Haddad"
"""A given and a family name: a kunya alone ("Abu Mariam") gives the index no key to find."""


def links_stored(runtime: Runtime) -> int:
    with runtime.db.engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM debrief_person_link")).scalar_one()
        return int(count)


def person_report(runtime: Runtime, persona: helpers.Persona) -> str:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        view = identity_service.add_report(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=keyring.principal,
            report=PersonReport(record_id="T-1", full_name=NAME, dob="1990-01-02"),
            protection=identity_service.Protection(),
        )
        return view.id


def client_of(runtime: Runtime, persona: helpers.Persona) -> TestClient:
    client = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    helpers.officer_signin(client, runtime, persona)
    return client


def test_candidates_refusals_link_and_unlink(runtime: Runtime, personas: helpers.Personas) -> None:
    folks = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, folks)
    made = world.draft(release=["GBR"])
    made.sections["people"] = [Entry(NAME, "Recruiter"), *made.sections["people"]]
    report_id = world.write(runtime, folks["fra_debriefer"], case_id, made)
    humint = world.write(runtime, folks["fra_debriefer"], case_id, world.draft(caveats=["HUMINT"]))
    person_id = person_report(runtime, folks["fra_officer"])
    page = f"/officer/debrief/{report_id}"

    officer = client_of(runtime, folks["fra_officer"])
    report_page = officer.get(page).text
    assert f'href="{page}/people/0">Who might this be?' in report_page
    found = officer.get(f"{page}/people/0")
    assert found.status_code == 200, found.text[:400]
    assert f'name="person_report_id" value="{person_id}"' in found.text
    assert "match probability" in found.text
    assert links_stored(runtime) == 0  # finding is not linking

    # Refused: no identity read (a debriefer), a report out of reach (another nation, a caveat
    # the desk officer does not hold), a nation the report is only released to; nothing stored.
    debriefer = client_of(runtime, folks["fra_debriefer"])
    assert "Who might this be?" not in debriefer.get(page).text
    deu = client_of(runtime, folks["deu_officer"])
    gbr = client_of(runtime, folks["gbr_supervisor"])
    body = {"person_report_id": person_id}
    for client, path, status in (
        (debriefer, page, 403),
        (deu, page, 404),
        (officer, f"/officer/debrief/{humint}", 404),
        (gbr, page, 403),
    ):
        if client is not gbr:
            assert client.get(f"{path}/people/0").status_code == status, path
        csrf = helpers.csrf_of(client.get("/officer/").text)
        response = client.post(f"{path}/people/0/link", data={**body, "csrf": csrf})
        assert response.status_code == status, (path, response.text[:300])
    assert links_stored(runtime) == 0

    # The officer's POST records the link; it shows to the report's readers only.
    csrf = helpers.csrf_of(report_page)
    response = officer.post(
        f"{page}/people/0/link", data={**body, "csrf": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert links_stored(runtime) == 1
    shown = officer.get(page).text
    assert f'Linked to person report <bdi dir="auto">{NAME}</bdi>' in shown
    assert "Unlink" in shown
    assert 'badge">linked' in officer.get(f"{page}/people/0").text
    gbr_page = gbr.get(page).text  # GBR reads the report, not FRA's person report
    assert f"Linked to person report {person_id} (you may not see it)" in gbr_page
    assert "Unlink" not in gbr_page
    assert "Linked to person report" in debriefer.get(page).text
    assert deu.get(page).status_code == 404
    for who, count in (("deu_officer", 0), ("gbr_supervisor", 1), ("fra_officer", 1)):
        keyring = helpers.keyring(runtime, folks[who])
        with runtime.db.transaction() as session:
            binding.bind(session, keyring.principal)  # the link's own labels hide it
            assert len(session.scalars(select(DebriefPersonLink)).all()) == count, who
            if count:
                seen = people.links(
                    session=session, keyring=keyring, secrets=runtime.secrets, report_id=report_id
                )
                assert len(seen) == count, who

    link_id = shown.split("/links/", 1)[1].split("/unlink", 1)[0]
    response = gbr.post(f"{page}/links/{link_id}/unlink", data={"csrf": helpers.csrf_of(gbr_page)})
    assert response.status_code == 403
    assert links_stored(runtime) == 1
    response = officer.post(
        f"{page}/links/{link_id}/unlink", data={"csrf": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert links_stored(runtime) == 0
    assert "Linked to person report" not in officer.get(page).text
    for client in (officer, debriefer, deu, gbr):
        client.close()


def _links_seen(runtime: Runtime, persona: helpers.Persona) -> int:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        binding.bind(session, keyring.principal)
        return len(session.scalars(select(DebriefPersonLink)).all())


def test_links_follow_the_reports_release(runtime: Runtime, personas: helpers.Personas) -> None:
    """Widening gives the new nation the report's links with it; narrowing takes them away."""
    folks = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, folks)
    made = world.draft()
    made.sections["people"] = [Entry(NAME, "Recruiter"), *made.sections["people"]]
    report_id = world.write(runtime, folks["fra_debriefer"], case_id, made)
    person_id = person_report(runtime, folks["fra_officer"])
    keyring = helpers.keyring(runtime, folks["fra_officer"])
    with runtime.db.transaction() as session:
        people.link(
            session=session,
            keyring=keyring,
            report_id=report_id,
            entry=0,
            person_report_id=person_id,
        )
    assert _links_seen(runtime, folks["gbr_supervisor"]) == 0
    supervisor = helpers.keyring(runtime, folks["fra_supervisor"])
    with runtime.db.transaction() as session:
        releases.widen(
            session=session,
            keyring=supervisor,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
            nations=["GBR"],
            reason="GBR prosecutors asked",
            basis=world.LEGAL,
        )
    assert _links_seen(runtime, folks["gbr_supervisor"]) == 1
    assert _links_seen(runtime, folks["deu_officer"]) == 0
    with runtime.db.transaction() as session:
        releases.narrow(
            session=session,
            keyring=supervisor,
            secrets=runtime.secrets,
            report_id=report_id,
            nations=["GBR"],
            reason="Case closed there",
        )
    assert _links_seen(runtime, folks["gbr_supervisor"]) == 0
    assert _links_seen(runtime, folks["fra_officer"]) == 1
