"""The way home in the demo world, for the accessibility scan: a point of the IRQ cell, a plan
waiting for the FRA supervisor's approval, a case handed over with the first link of its custody
chain, and a handover the two sides disagree on. Returns, for each demo officer, the way home's
pages to scan as that officer (the crawl from the start page reaches one page per route, and
not always the one with the form or the flag)."""

from __future__ import annotations

from homeward.accounts import service as accounts_service
from homeward.core.runtime import Runtime
from homeward.policy.roles import Role
from tests import helpers
from tests.passage import handover_world as hw
from tests.passage import world

AS = {"coordinator": "irq.coordinator", "fra_officer": "fra.officer",
      "fra_supervisor": "fra.supervisor"}  # fmt: skip


def _personas(runtime: Runtime, credentials: dict[str, str]) -> helpers.Personas:
    found = {}
    with runtime.db.transaction() as session:
        for key, username in AS.items():
            officer = accounts_service.find_officer(session=session, username=username)
            assert officer is not None, username
            found[key] = helpers.Persona(
                key, username, credentials[username], Role(officer.role), officer.nation,
                officer.id,
            )  # fmt: skip
    return found


def pages(runtime: Runtime, credentials: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    personas = _personas(runtime, credentials)
    handed = hw.window_has_come(runtime, hw.ready(runtime, personas))
    hw.confirm(runtime, personas["coordinator"], handed, hw.happened(handed))
    hw.confirm(runtime, personas["fra_officer"], handed, hw.happened(handed))
    hw.record(runtime, personas["fra_officer"], handed, hw.entry(handed))
    point = handed.point_id
    disputed = hw.window_has_come(runtime, hw.ready(runtime, personas, point_id=point))
    hw.confirm(runtime, personas["coordinator"], disputed, hw.happened(disputed))
    hw.confirm(runtime, personas["fra_officer"], disputed, hw.did_not())
    waiting_case = world.cleared_case(runtime, personas["fra_officer"], family="Mansour")
    cleared_case = world.cleared_case(runtime, personas["fra_officer"], family="Saleh")
    day = world.day_ahead(3)
    waiting = world.book(
        runtime, personas["fra_officer"], waiting_case, point, world.window(day, "10:00")
    )
    week = f"?week={day.isoformat()}"
    plan, plan_disputed = (
        f"/officer/passage/plans/{waiting}",
        f"/officer/passage/plans/{disputed.plan_id}",
    )
    handover = f"/officer/passage/plans/{handed.plan_id}/handover"
    return {
        "fra.officer": [
            ("way-home", "/officer/passage"),
            ("point", f"/officer/passage/points/{point}"),
            ("calendar", f"/officer/passage/points/{point}/calendar{week}"),
            ("plan-new", f"/officer/cases/{cleared_case}/plans/new"),
            ("plan-waiting", plan),
            ("plan-change", f"{plan}/change"),
            ("plan-tell", f"{plan}/tell"),
            ("plan-disputed", plan_disputed),
            ("handover-disputed", f"{plan_disputed}/handover"),
            ("case-disputed", f"/officer/cases/{disputed.case_id}"),
            ("handover-confirmed", handover),
            ("case-handed-over", f"/officer/cases/{handed.case_id}"),
            ("custody", f"/officer/cases/{handed.case_id}/custody"),
            ("start-disputed", "/officer/"),
        ],
        "fra.supervisor": [
            ("start-queue-with-a-plan", "/officer/"),
            ("plan-to-approve", plan),
        ],
        "irq.coordinator": [
            ("way-home", "/officer/passage"),
            ("point", f"/officer/passage/points/{point}"),
            ("point-new", "/officer/passage/points/new"),
            ("point-edit", f"/officer/passage/points/{point}/edit"),
            ("calendar", f"/officer/passage/points/{point}/calendar{week}"),
            ("plan-cell", plan_disputed),
            ("handover-cell-disputed", f"{plan_disputed}/handover"),
        ],
    }
