"""The way home through the officer pages (no script): the cell adds a point, a refused form
comes back in words with what was typed and nothing stored; a desk books from a cleared case,
a supervisor who did not write the plan approves and the case moves; a change voids the
approval and says so; the calendar shows this desk's plans and only "booked" for another
nation's; the generic stage route refuses the move. Both engines."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from homeward.cases.models import Case
from homeward.core.runtime import Runtime
from homeward.passage.models import HandoverPoint
from homeward.policy import binding
from homeward.web.app import create_app
from tests import helpers
from tests.passage import world

POINT_FORM = {
    "name": "Rabia crossing",
    "area": "Tal Afar district",
    "units": "Reception unit 4\nReception unit 7",
    "capacity": "2",
    "window_minutes": "60",
    "time_zone": "Asia/Baghdad",
    **{f"hours_{day}": "08:00-12:00, 13:00-16:00" for day in range(7)},
}


class Officers:
    """One signed-in page client per persona, made on first use."""

    def __init__(self, runtime: Runtime, personas: helpers.Personas) -> None:
        self.runtime, self.personas = runtime, personas
        self.app = create_app(runtime)
        self.clients: dict[str, TestClient] = {}

    def __call__(self, key: str) -> TestClient:
        if key not in self.clients:
            client = TestClient(self.app, base_url="http://127.0.0.1")
            helpers.officer_signin(client, self.runtime, self.personas[key])
            self.clients[key] = client
        return self.clients[key]

    def post(self, key: str, page: str, action: str, form: dict[str, str]) -> object:
        client = self(key)
        csrf = helpers.csrf_of(client.get(page).text)
        return client.post(action, data={**form, "csrf": csrf}, follow_redirects=False)


@pytest.fixture
def officers(runtime: Runtime, personas: helpers.Personas) -> Iterator[Officers]:
    made = Officers(runtime, personas)
    yield made
    for client in made.clients.values():
        client.close()


def text_of(response: object) -> str:
    return html.unescape(response.text)  # type: ignore[attr-defined]


def stage_of(runtime: Runtime, case_id: str) -> str:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: stage")
        return str(session.scalar(select(Case.stage).where(Case.id == case_id)))


def test_the_cell_adds_a_point_and_a_refused_form_keeps_what_was_typed(
    runtime: Runtime, officers: Officers
) -> None:
    new = "/officer/passage/points/new"
    refused = officers.post(
        "coordinator", new, "/officer/passage/points", POINT_FORM | {"capacity": "two"}
    )
    assert refused.status_code == 400  # type: ignore[attr-defined]
    page = text_of(refused)
    assert "Nothing was saved." in page
    assert "Capacity: 'two' is not a whole number" in page
    assert 'value="Tal Afar district"' in page
    assert 'value="two"' in page
    with runtime.db.transaction() as session:
        assert session.scalars(select(HandoverPoint)).all() == []
    area = officers.post(
        "coordinator", new, "/officer/passage/points", POINT_FORM | {"area": "33.3152, 44.3661"}
    )
    assert "Area: a district name, never coordinates" in text_of(area)
    made = officers.post("coordinator", new, "/officer/passage/points", POINT_FORM)
    assert made.status_code == 303  # type: ignore[attr-defined]
    # Desks read the points; only a cell may open the form.
    listing = text_of(officers("fra_officer").get("/officer/passage"))
    assert "Rabia crossing" in listing
    assert "New handover point" not in listing
    assert officers("fra_officer").get(new).status_code == 403


def test_book_approve_change_and_cancel_through_the_pages(
    runtime: Runtime, personas: helpers.Personas, officers: Officers
) -> None:
    point_id = world.make_point(runtime, personas["coordinator"], capacity=2)
    case_id = world.cleared_case(runtime, personas["fra_officer"])
    case_page = text_of(officers("fra_officer").get(f"/officer/cases/{case_id}"))
    assert "Plan the way home" in case_page
    assert "Record the passage as planned" not in case_page

    form_page = f"/officer/cases/{case_id}/plans/new?point={point_id}"
    day = world.day_ahead()
    typed = {
        "point": point_id,
        "receiving_unit": "Reception unit 4",
        "accompanied_by": "Liaison officer",
        "bring": "Identity papers",
        "fallback": "Same time the next day",
        "instructions": "Second gate, hands visible",
    }
    before = world.stored(runtime)
    past = world.window(world.day_ahead(-2), "09:00").isoformat()
    refused = officers.post(
        "fra_officer", form_page, f"/officer/cases/{case_id}/plans", typed | {"window": past}
    )
    assert refused.status_code == 400  # type: ignore[attr-defined]
    page = text_of(refused)
    assert "Nothing was booked." in page
    assert "is in the past" in page
    assert "Second gate, hands visible" in page
    assert 'aria-invalid="true"' in page
    assert world.stored(runtime) == before

    window = world.window(day, "09:00").isoformat()
    booked = officers.post(
        "fra_officer", form_page, f"/officer/cases/{case_id}/plans", typed | {"window": window}
    )
    assert booked.status_code == 303  # type: ignore[attr-defined]
    plan_url = booked.headers["location"]  # type: ignore[attr-defined]
    plan_page = text_of(officers("fra_officer").get(plan_url))
    assert "Waiting for a supervisor of the FRA desk who is not its author" in plan_page
    assert "09:00-10:00 Asia/Baghdad (06:00-07:00 UTC)" in plan_page

    # The generic stage route refuses the move, in words, on the case page.
    moved = officers.post(
        "fra_supervisor",
        f"/officer/cases/{case_id}",
        f"/officer/cases/{case_id}/stage",
        {"stage": "passage_planned", "note": "by hand"},
    )
    assert moved.status_code == 409  # type: ignore[attr-defined]
    assert "only through an approved passage plan" in text_of(moved)
    assert stage_of(runtime, case_id) == "cleared"

    approved = officers.post("fra_supervisor", plan_url, plan_url + "/approve", {})
    assert approved.status_code == 303  # type: ignore[attr-defined]
    assert stage_of(runtime, case_id) == "passage_planned"
    assert "Approved by fra.supervisor" in text_of(officers("fra_officer").get(plan_url))

    changed = officers.post(
        "fra_officer", plan_url + "/change", plan_url + "/change", typed | {"window": window}
    )
    assert changed.status_code == 303  # type: ignore[attr-defined]
    assert stage_of(runtime, case_id) == "cleared"
    assert "was voided by a change on" in text_of(officers("fra_officer").get(plan_url))

    empty = officers.post("fra_officer", plan_url, plan_url + "/cancel", {"reason": " "})
    assert empty.status_code == 400  # type: ignore[attr-defined]
    assert "Reason: it is empty" in text_of(empty)
    cancelled = officers.post(
        "fra_officer", plan_url, plan_url + "/cancel", {"reason": "Unsafe road."}
    )
    assert cancelled.status_code == 303  # type: ignore[attr-defined]
    assert "The plan is cancelled" in text_of(officers("fra_officer").get(plan_url))


def test_the_author_is_told_another_supervisor_must_approve(
    runtime: Runtime, personas: helpers.Personas, officers: Officers
) -> None:
    point_id = world.make_point(runtime, personas["coordinator"])
    case_id = world.cleared_case(runtime, personas["fra_supervisor"])
    plan_id = world.book(
        runtime,
        personas["fra_supervisor"],
        case_id,
        point_id,
        world.window(world.day_ahead(), "09:00"),
    )
    url = f"/officer/passage/plans/{plan_id}"
    officers("fra_officer")  # the desk's first officer signs in: colleagues get the desk key
    assert "another supervisor of the desk must approve it" in text_of(
        officers("fra_supervisor").get(url)
    )
    before = world.stored(runtime)
    refused = officers.post("fra_supervisor", url, url + "/approve", {})
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "fra.supervisor wrote this plan and cannot also approve it" in text_of(refused)
    after = world.stored(runtime)  # the pages' reads of the plan are audited; nothing else
    assert (after.plans, after.booked, after.events) == (before.plans, before.booked, before.events)


def test_the_calendar_shows_this_desks_plans_and_only_booked_for_others(
    runtime: Runtime, personas: helpers.Personas, officers: Officers
) -> None:
    point_id = world.make_point(runtime, personas["coordinator"], capacity=3)
    day = world.day_ahead()
    fra_case = world.cleared_case(runtime, personas["fra_officer"])
    deu_case = world.cleared_case(runtime, personas["deu_officer"], family="Brandt")
    fra_plan = world.book(
        runtime, personas["fra_officer"], fra_case, point_id, world.window(day, "09:00")
    )
    deu_plan = world.book(
        runtime, personas["deu_officer"], deu_case, point_id, world.window(day, "09:00")
    )
    url = f"/officer/passage/points/{point_id}/calendar?week={day.isoformat()}"
    fra = text_of(officers("fra_officer").get(url))
    assert f"/officer/passage/plans/{fra_plan}" in fra
    assert "your plan" in fra
    assert "1 booked" in fra
    assert "1 free of 3" in fra
    assert deu_plan not in fra
    assert deu_case not in fra
    assert "Asia/Baghdad" in fra
    assert "UTC" in fra
    # The cell sees both plans at its point, and no case.
    cell = text_of(officers("coordinator").get(url))
    assert fra_plan in cell
    assert deu_plan in cell
    assert fra_case not in cell
    assert deu_case not in cell
    # Booking from the calendar: each free window links to the form for the case.
    booking = text_of(officers("fra_officer").get(url + f"&case={fra_case}"))
    assert f"/officer/cases/{fra_case}/plans/new?point={point_id}&window=" in booking
