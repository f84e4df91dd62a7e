"""The guard on `cleared`, as data and through every door, on both engines: the stage route
(service, page, API) refuses identity verified -> cleared by hand with the reason and stores
nothing; a reviewed decision of eligible or refer makes the move (and says so in the case's
history); not eligible leaves the case where it was, still refused by hand. The pages: the
form is generated from the instrument, a bad answer comes back naming the question."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from homeward.cases.exceptions import TransitionNotAllowed
from homeward.cases.states import THROUGH_SCREENING, TRANSITIONS, Stage, allowed_next
from homeward.core.runtime import Runtime
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers
from tests.screening import world


def test_cleared_comes_only_through_a_reviewed_screening_decision() -> None:
    rule = TRANSITIONS[(Stage.IDENTITY_VERIFIED, Stage.CLEARED)]
    assert rule.only_through == THROUGH_SCREENING
    assert [source for (source, target) in TRANSITIONS if target is Stage.CLEARED] == [
        Stage.IDENTITY_VERIFIED,
        Stage.PASSAGE_PLANNED,
    ]
    for role in Role:
        assert Stage.CLEARED not in allowed_next(Stage.IDENTITY_VERIFIED, role)


@pytest.mark.parametrize("decision", ["eligible", "refer"])
def test_eligible_or_refer_clears_and_nothing_else_does(
    runtime: Runtime, personas: helpers.Personas, decision: str
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.open_case(runtime, fra, verified_by=supervisor)
    for persona in (fra, supervisor):
        before = world.stored(runtime)
        with pytest.raises(TransitionNotAllowed, match="only through a reviewed screening"):
            world.move(runtime, persona, case_id, "cleared", note="checks done")
        assert world.stored(runtime) == before
    first = world.write(runtime, fra, case_id)
    world.review(runtime, supervisor, first, "not_eligible", reasons="Account contradicted.")
    assert world.stage(runtime, case_id) == "identity_verified"
    with pytest.raises(TransitionNotAllowed, match="only through a reviewed screening"):
        world.move(runtime, supervisor, case_id, "cleared", note="cleared anyway")
    second = world.write(runtime, fra, case_id)
    world.review(runtime, supervisor, second, decision)
    assert world.stage(runtime, case_id) == "cleared"


def test_eligible_is_refused_before_the_identity_is_verified(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.open_case(runtime, fra)
    assessment_id = world.write(runtime, fra, case_id)
    before = world.stored(runtime)
    with pytest.raises(Exception, match="only a case whose identity is verified is cleared"):
        world.review(runtime, supervisor, assessment_id, "eligible")
    assert world.stored(runtime) == before
    world.review(runtime, supervisor, assessment_id, "not_eligible", reasons="Not now.")
    assert world.stage(runtime, case_id) == "new"


@pytest.fixture
def signed_in(runtime: Runtime, personas: helpers.Personas) -> Iterator[dict[str, TestClient]]:
    clients: dict[str, TestClient] = {}
    app = create_app(runtime)
    for key in ("fra_officer", "fra_supervisor", "deu_officer"):
        client = TestClient(app, base_url="http://127.0.0.1")
        client.__enter__()
        helpers.officer_signin(client, runtime, personas[key])
        clients[key] = client
    yield clients
    for client in clients.values():
        client.__exit__(None, None, None)


def _post(client: TestClient, page: str, action: str, form: dict[str, object]) -> object:
    token = helpers.csrf_of(client.get(page).text)
    return client.post(action, data={**form, "csrf": token}, follow_redirects=False)


def test_the_pages_write_submit_and_review(
    runtime: Runtime, personas: helpers.Personas, signed_in: dict[str, TestClient]
) -> None:
    desk, supervisor = signed_in["fra_officer"], signed_in["fra_supervisor"]
    case_id = world.open_case(
        runtime, personas["fra_officer"], verified_by=personas["fra_supervisor"]
    )
    case_page = desk.get(f"/officer/cases/{case_id}").text
    assert 'id="screening"' in case_page
    assert "No screening assessment yet." in case_page
    new = f"/officer/screening/cases/{case_id}/new"
    form = desk.get(new)
    assert form.status_code == 200
    for question in world.SHIPPED.questions():
        assert f'name="q_{question.id}"' in form.text
    assert "version 1" in form.text

    refusal = _post(
        desk,
        new,
        f"/officer/screening/cases/{case_id}",
        {"q_joining_year": "nineteen", "q_joining_account": "Kept", "action": "save"},
    )
    assert refusal.status_code == 400  # type: ignore[attr-defined]
    text = html.unescape(refusal.text)  # type: ignore[attr-defined]
    assert "joining_year: the answer must be a number" in text
    assert ">Kept</textarea>" in text
    assert world.stored(runtime).assessments == ()

    fields: dict[str, object] = {f"q_{k}": v for k, v in world.answers(marker="page").items()}
    done = _post(desk, new, f"/officer/screening/cases/{case_id}", {**fields, "action": "submit"})
    assert done.status_code == 303, done.text  # type: ignore[attr-defined]
    page_url = done.headers["location"]  # type: ignore[attr-defined]
    assert "Waiting for review" in desk.get(page_url).text
    assert 'id="review"' not in desk.get(page_url).text
    assert signed_in["deu_officer"].get(page_url).status_code == 404

    review_page = supervisor.get(page_url).text
    assert 'id="review"' in review_page
    assert "Synthetic answer page" in review_page
    decided = _post(
        supervisor,
        page_url,
        f"{page_url}/review",
        {"decision": "eligible", "reasons": "Consistent account; family ready."},
    )
    assert decided.status_code == 303, decided.text  # type: ignore[attr-defined]
    assert world.stage(runtime, case_id) == "cleared"
    shown = supervisor.get(page_url).text
    assert "Eligible for return" in shown
    assert "Consistent account; family ready." in shown
    assert "eligible for return" in supervisor.get(f"/officer/cases/{case_id}").text


def test_the_stage_route_refuses_cleared_on_the_page_and_the_api(
    runtime: Runtime, personas: helpers.Personas, signed_in: dict[str, TestClient]
) -> None:
    case_id = world.open_case(
        runtime, personas["fra_officer"], verified_by=personas["fra_supervisor"]
    )
    supervisor = signed_in["fra_supervisor"]
    url = f"/officer/cases/{case_id}"
    before = world.stored(runtime)
    refused = _post(supervisor, url, f"{url}/stage", {"stage": "cleared", "note": "Checks done."})
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "only through a reviewed screening decision" in html.unescape(refused.text)  # type: ignore[attr-defined]
    headers = helpers.api_token(supervisor, runtime, personas["fra_supervisor"])
    answer = supervisor.post(
        f"/api/v1/cases/{case_id}/stage", json={"stage": "cleared", "note": "x"}, headers=headers
    )
    assert answer.status_code == 409, answer.text
    assert "Screening page" in answer.json()["detail"]
    assert world.stored(runtime).stages == before.stages


def test_the_api_writes_submits_and_reviews(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    case_id = world.open_case(
        runtime, personas["fra_officer"], verified_by=personas["fra_supervisor"]
    )
    desk = helpers.api_token(client, runtime, personas["fra_officer"])
    boss = helpers.api_token(client, runtime, personas["fra_supervisor"])
    instrument = client.get("/api/v1/screening/instrument", headers=desk).json()
    assert (instrument["id"], instrument["version"]) == ("return-screening", 1)
    bad = client.post(
        f"/api/v1/screening/cases/{case_id}", json={"answers": {"housing": "castle"}}, headers=desk
    )
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("housing: 'castle' is not one of the choices")
    made = client.post(
        f"/api/v1/screening/cases/{case_id}", json={"answers": {"joining_year": 2014}}, headers=desk
    )
    assert made.status_code == 201, made.text
    assessment = made.json()
    assert (assessment["state"], assessment["instrument_version"]) == ("draft", 1)
    url = f"/api/v1/screening/assessments/{assessment['id']}"
    early = client.post(f"{url}/submit", headers=desk)
    assert early.status_code == 400
    assert early.json()["detail"].startswith("joining_way: an answer is required")
    changed = client.put(url, json={"answers": world.answers(), "submit": True}, headers=desk)
    assert changed.json()["state"] == "submitted"
    own = client.post(f"{url}/review", json={"decision": "eligible", "reasons": "x"}, headers=desk)
    assert own.status_code == 403
    done = client.post(
        f"{url}/review", json={"decision": "refer", "reasons": "The court decides."}, headers=boss
    )
    assert done.status_code == 200, done.text
    assert (done.json()["decision"], done.json()["case_stage"]) == ("refer", "cleared")
    listed = client.get(f"/api/v1/screening/cases/{case_id}", headers=desk).json()
    assert [row["decision"] for row in listed] == ["refer"]
