"""The way home tied end to end: the stage route (page and API) never makes the moves the
handover and the custody chain make, and says why in words with nothing changed; a plan is
kept as it is once a side has given its word on its handover (only one both sides say did not
happen is cancelled); a window a side says was handed over is not missed; a disputed handover
is flagged on the case page, the case list and the desk's start page; a supervisor's start page
lists the plans they may approve; the plan page, the case page and the custody chain link each
other. Both engines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from homeward.cases import transitions
from homeward.cases.exceptions import TransitionNotAllowed
from homeward.core.runtime import Runtime
from homeward.passage import custody, flows
from homeward.passage.custody_models import ARRIVAL, CONFIRMED, DISPUTED, NOT_HAPPENED, PENDING
from homeward.passage.exceptions import PlanSettled
from homeward.passage.models import PassagePlan
from homeward.policy import binding
from homeward.web.app import create_app
from tests import helpers
from tests.passage import handover_world as hw
from tests.passage import world
from tests.passage.test_pages import Officers, text_of

GUARDED = [
    ("passage_planned", "handed_over", "A case is handed over only when the receiving unit and "
     "the desk have both confirmed the handover"),
    ("handed_over", "in_custody", "only once its custody chain has a first entry"),
    ("in_custody", "repatriated", "only when the home nation's desk has entered the arrival"),
]  # fmt: skip


@pytest.fixture
def officers(runtime: Runtime, personas: helpers.Personas) -> Iterator[Officers]:
    made = Officers(runtime, personas)
    yield made
    for client in made.clients.values():
        client.close()


@pytest.fixture
def api(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        yield client


@pytest.mark.parametrize(("stage", "target", "why"), GUARDED, ids=[g[1] for g in GUARDED])
def test_the_stage_route_refuses_the_way_homes_moves_in_words(  # noqa: PLR0917
    runtime: Runtime,
    personas: helpers.Personas,
    officers: Officers,
    api: TestClient,
    stage: str,
    target: str,
    why: str,
) -> None:
    """By the service without the step, by the case page's form and by the API: 409, the reason
    in words, nothing stored, the case where it was."""
    supervisor = personas["fra_supervisor"]
    case_id = world.cleared_case(runtime, supervisor, stage=stage)
    before = hw.stored(runtime, case_id)
    with (
        pytest.raises(TransitionNotAllowed, match=why),
        runtime.db.transaction() as session,
    ):
        transitions.transition(
            session=session,
            keyring=helpers.keyring(runtime, supervisor),
            secrets=runtime.secrets,
            case_id=case_id,
            to_stage=target,
            note="by hand",
        )
    page = f"/officer/cases/{case_id}"
    moved = officers.post("fra_supervisor", page, page + "/stage", {"stage": target, "note": "x"})
    assert moved.status_code == 409  # type: ignore[attr-defined]
    assert why in text_of(moved)
    assert "The case was not moved." in text_of(moved)
    headers = helpers.api_token(api, runtime, supervisor)
    refused = api.post(
        f"/api/v1/cases/{case_id}/stage", headers=headers, json={"stage": target, "note": "x"}
    )
    assert refused.status_code == 409
    assert why in refused.json()["detail"]
    after = hw.stored(runtime, case_id)
    assert after.stage == stage
    assert (after.events, after.handovers, after.confirmations, after.entries) == (
        before.events,
        before.handovers,
        before.confirmations,
        before.entries,
    )


def test_the_page_offers_no_button_for_those_moves(
    runtime: Runtime, personas: helpers.Personas, officers: Officers
) -> None:
    for stage, target, _why in GUARDED:
        case_id = world.cleared_case(runtime, personas["fra_officer"], stage=stage)
        page = text_of(officers("fra_officer").get(f"/officer/cases/{case_id}"))
        assert f'name="stage" value="{target}"' not in page


def test_the_handover_and_the_chain_still_move_the_case_all_the_way_home(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    r = hw.handed_over(runtime, personas)
    assert hw.stage(runtime, r.case_id) == "handed_over"
    hw.record(runtime, fra, r, hw.entry(r))
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        custody.enter_custody(
            session=session, keyring=keyring, secrets=runtime.secrets, case_id=r.case_id
        )
    assert hw.stage(runtime, r.case_id) == "in_custody"
    arrival = hw.entry(
        r,
        kind=ARRIVAL,
        held_by="Family in Lyon",
        received_from="Screening facility 2",
        starts_at=r.at + timedelta(hours=30),
        place="Lyon",
        reason="Home",
    )
    hw.record(runtime, fra, r, arrival)
    with runtime.db.transaction() as session:
        custody.repatriate(
            session=session, keyring=keyring, secrets=runtime.secrets, case_id=r.case_id
        )
    assert hw.stage(runtime, r.case_id) == "repatriated"


def _plan_row(runtime: Runtime, plan_id: str) -> tuple[object, ...]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the plan as stored")
        plan = session.scalars(select(PassagePlan).where(PassagePlan.id == plan_id)).one()
        return (plan.status, plan.window_starts_at, plan.body, plan.updated_at)


def _change_or_cancel(
    runtime: Runtime, persona: helpers.Persona, plan_id: str, action: str
) -> None:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        common = {"session": session, "keyring": keyring, "secrets": runtime.secrets}
        if action == "change":
            flows.change(**common, plan_id=plan_id, details=world.details("v2"))
        else:
            flows.cancel(**common, plan_id=plan_id, reason="Called off")


@pytest.mark.parametrize("state", [PENDING, DISPUTED, CONFIRMED])
@pytest.mark.parametrize("action", ["change", "cancel"])
def test_a_plan_with_a_word_on_its_handover_is_kept_as_it_is(
    runtime: Runtime, personas: helpers.Personas, state: str, action: str
) -> None:
    r = hw.ready(runtime, personas)
    hw.confirm(runtime, personas["coordinator"], r, hw.happened(r))
    if state == DISPUTED:
        hw.confirm(runtime, personas["fra_supervisor"], r, hw.did_not())
    elif state == CONFIRMED:
        hw.confirm(runtime, personas["fra_supervisor"], r, hw.happened(r))
    before, plan = hw.stored(runtime, r.case_id), _plan_row(runtime, r.plan_id)
    with pytest.raises(PlanSettled, match=f"cannot be {action}") as refused:
        _change_or_cancel(runtime, personas["fra_officer"], r.plan_id, action)
    assert refused.value.field == "plan"
    assert hw.stored(runtime, r.case_id) == before
    assert _plan_row(runtime, r.plan_id) == plan


def test_the_api_and_the_plan_page_refuse_a_change_once_a_side_has_spoken(
    runtime: Runtime, personas: helpers.Personas, officers: Officers, api: TestClient
) -> None:
    r = hw.ready(runtime, personas)
    hw.confirm(runtime, personas["coordinator"], r, hw.happened(r))
    before, plan = hw.stored(runtime, r.case_id), _plan_row(runtime, r.plan_id)
    headers = helpers.api_token(api, runtime, personas["fra_officer"])
    changed = api.put(
        f"/api/v1/passage/plans/{r.plan_id}",
        headers=headers,
        json={"receiving_unit": "Reception unit 4", "bring": "Papers"},
    )
    assert changed.status_code == 409
    assert "a side has confirmed the handover" in changed.json()["detail"]
    cancelled = api.post(
        f"/api/v1/passage/plans/{r.plan_id}/cancel", headers=headers, json={"reason": "No"}
    )
    assert cancelled.status_code == 409
    url = f"/officer/passage/plans/{r.plan_id}"
    page = text_of(officers("fra_officer").get(url))
    assert f'href="{url}/handover"' in page
    assert "Kept as it is" in page
    assert f'action="{url}/cancel"' not in page
    refused = officers.post("fra_officer", url, url + "/cancel", {"reason": "Called off"})
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "cannot be cancelled any more" in text_of(refused)
    # Only the sign-ins and the reads of the sealed plan were added (audit entries).
    assert replace(hw.stored(runtime, r.case_id), audit_entries=0) == replace(
        before, audit_entries=0
    )
    assert _plan_row(runtime, r.plan_id) == plan


def test_a_handover_both_sides_say_did_not_happen_is_cancelled_not_changed(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    r = hw.ready(runtime, personas)
    hw.confirm(runtime, personas["coordinator"], r, hw.did_not())
    assert hw.confirm(runtime, personas["fra_supervisor"], r, hw.did_not()) == NOT_HAPPENED
    before = hw.stored(runtime, r.case_id)
    with pytest.raises(PlanSettled, match="cancel this plan with a reason and book a new one"):
        _change_or_cancel(runtime, personas["fra_officer"], r.plan_id, "change")
    assert hw.stored(runtime, r.case_id) == before
    _change_or_cancel(runtime, personas["fra_officer"], r.plan_id, "cancel")
    assert hw.stage(runtime, r.case_id) == "cleared"


def _missed(runtime: Runtime, persona: helpers.Persona) -> set[str]:
    with runtime.db.transaction() as session:
        principal = world.principal(runtime, persona)
        return {row.plan_id for row in flows.missed(session=session, principal=principal)}


@pytest.mark.parametrize(
    ("words", "missed"),
    [
        ((), True),
        (("cell yes",), False),
        (("cell no",), True),
        (("cell yes", "desk no"), False),  # disputed: flagged as such, not as missed
        (("cell no", "desk no"), True),
    ],
    ids=["no word", "a yes", "a no", "disputed", "not happened"],
)
def test_a_window_a_side_says_was_handed_over_is_not_missed(
    runtime: Runtime, personas: helpers.Personas, words: tuple[str, ...], missed: bool
) -> None:
    fra = personas["fra_officer"]
    r = hw.window_has_come(runtime, hw.ready(runtime, personas))
    for word in words:
        side, said = word.split()
        who = personas["coordinator"] if side == "cell" else personas["fra_supervisor"]
        hw.confirm(runtime, who, r, hw.happened(r) if said == "yes" else hw.did_not())
    assert (r.plan_id in _missed(runtime, fra)) is missed
    with runtime.db.transaction() as session:
        principal = world.principal(runtime, fra)
        states = flows.case_plans(
            session=session,
            principal=principal,
            case_id=r.case_id,
            owner_nation="FRA",
            stage="passage_planned",
        )
        disputed = flows.disputed(session=session, principal=principal)
    assert [state.missed for state in states] == [missed]
    assert [row.plan_id for row in disputed] == ([r.plan_id] if "desk no" in words and
                                                  "cell yes" in words else [])  # fmt: skip


def test_a_disputed_handover_is_flagged_on_the_case_page_the_list_and_the_start_page(
    runtime: Runtime, personas: helpers.Personas, officers: Officers
) -> None:
    r = hw.ready(runtime, personas)
    hw.confirm(runtime, personas["coordinator"], r, hw.happened(r))
    hw.confirm(runtime, personas["fra_supervisor"], r, hw.did_not())
    handover = f"/officer/passage/plans/{r.plan_id}/handover"
    client = officers("fra_officer")
    case_page = text_of(client.get(f"/officer/cases/{r.case_id}"))
    assert "Disputed handover:" in case_page
    assert "handover disputed" in case_page
    assert f'href="{handover}"' in case_page
    listing = text_of(client.get("/officer/cases"))
    assert "disputed handover" in listing
    start = text_of(client.get("/officer"))
    assert "Disputed handovers" in start
    assert f'href="{handover}"' in start
    plan_page = text_of(client.get(f"/officer/passage/plans/{r.plan_id}"))
    assert "Disputed handover:" in plan_page
    # Another desk sees none of it.
    assert "Disputed handovers" not in text_of(officers("deu_officer").get("/officer"))
    # Settled: the flags go.
    hw.confirm(runtime, personas["fra_supervisor"], r, hw.happened(r))
    assert "Disputed handover" not in text_of(client.get("/officer"))
    assert "disputed handover" not in text_of(client.get("/officer/cases"))


def test_a_supervisors_start_page_counts_the_plans_they_may_approve_in_the_queue_card(
    runtime: Runtime, personas: helpers.Personas, officers: Officers
) -> None:
    point_id = world.make_point(runtime, personas["coordinator"])
    theirs = world.cleared_case(runtime, personas["fra_officer"])
    own = world.cleared_case(runtime, personas["fra_supervisor"], family="Amrani")
    day = world.day_ahead()
    by_officer = world.book(
        runtime, personas["fra_officer"], theirs, point_id, world.window(day, "09:00")
    )
    by_supervisor = world.book(
        runtime, personas["fra_supervisor"], own, point_id, world.window(day, "10:00")
    )
    # One card, the approvals queue's: its count and the oldest, each linked.
    start = text_of(officers("fra_supervisor").get("/officer"))
    assert 'Approvals waiting <span class="n">1</span>' in start
    assert "Plans waiting for your approval" not in start  # no second card beside it
    assert f"/officer/passage/plans/{by_officer}" in start
    assert f"/officer/passage/plans/{by_supervisor}" not in start  # he wrote it
    assert "Approvals waiting" not in text_of(officers("fra_officer").get("/officer"))
    url = f"/officer/passage/plans/{by_officer}"
    assert officers.post("fra_supervisor", url, url + "/approve", {}).status_code == 303  # type: ignore[attr-defined]
    after = text_of(officers("fra_supervisor").get("/officer"))
    assert 'Approvals waiting <span class="n">0</span>' in after
    assert f"/officer/passage/plans/{by_officer}" not in after


def test_the_case_page_links_its_plan_its_handover_and_the_custody_chain(
    runtime: Runtime, personas: helpers.Personas, officers: Officers
) -> None:
    r = hw.ready(runtime, personas)
    client = officers("fra_officer")
    case_url = f"/officer/cases/{r.case_id}"
    page = text_of(client.get(case_url))
    assert "Current plan:" in page
    assert f'href="/officer/passage/plans/{r.plan_id}"' in page
    assert f'href="/officer/passage/plans/{r.plan_id}/handover"' in page
    assert f'href="{case_url}/custody"' not in page
    assert "each confirm the handover" in page
    hw.confirm(runtime, personas["coordinator"], r, hw.happened(r))
    hw.confirm(runtime, personas["fra_supervisor"], r, hw.happened(r))
    page = text_of(client.get(case_url))
    assert f'href="{case_url}/custody"' in page
    assert "the custody chain's first entry" in page
    plan_page = text_of(client.get(f"/officer/passage/plans/{r.plan_id}"))
    assert f'href="{case_url}/custody"' in plan_page
    assert "Handed over: both sides confirmed" in plan_page
