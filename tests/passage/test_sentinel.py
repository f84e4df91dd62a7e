"""A plan's details are never in clear at rest: unique markers go into every sealed field of a
plan, of a changed version and into a cancellation's reason; then every file under the data
directory (SQLite database and its log, keys), a PostgreSQL dump and everything logged are
searched for them, in UTF-8, hex and UTF-16. The desk and the cell read them back in clear, so
the markers really went in. Both engines."""

from __future__ import annotations

from pathlib import Path

from homeward.core.runtime import Runtime
from homeward.passage import plans
from homeward.passage.schemas import PlanDetails
from tests import helpers, sentinel
from tests.passage import world


def test_no_plan_detail_is_stored_or_logged_in_clear(
    runtime: Runtime, personas: helpers.Personas, captured_log: Path
) -> None:
    first = {
        name: sentinel.marker(name) for name in ("accompanied", "bring", "fallback", "instructions")
    }
    second = {name: sentinel.marker(f"changed-{name}") for name in first}
    reason = sentinel.marker("cancel-reason")
    fra = personas["fra_officer"]
    point_id = world.make_point(runtime, personas["coordinator"])
    case_id = world.cleared_case(runtime, fra)

    def details(markers: dict[str, str]) -> PlanDetails:
        return PlanDetails(
            receiving_unit="Reception unit 4",
            accompanied_by=markers["accompanied"],
            bring=markers["bring"],
            fallback=markers["fallback"],
            instructions=markers["instructions"],
        )

    plan_id = world.book(
        runtime,
        fra,
        case_id,
        point_id,
        world.window(world.day_ahead(), "09:00"),
        plan_details=details(first),
    )
    keyring = helpers.keyring(runtime, personas["coordinator"])
    with runtime.db.transaction() as session:
        opened = plans.open_plan(session=session, keyring=keyring, plan_id=plan_id)
    assert opened.details == details(first)
    principal = world.principal(runtime, fra)
    with runtime.db.transaction() as session:
        plans.change(
            session=session,
            principal=principal,
            secrets=runtime.secrets,
            plan_id=plan_id,
            details=details(second),
        )
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        assert plans.open_plan(session=session, keyring=keyring, plan_id=plan_id).details == (
            details(second)
        )
        plans.cancel(
            session=session,
            principal=principal,
            secrets=runtime.secrets,
            plan_id=plan_id,
            reason=f"Called off: {reason}",
        )

    markers = [*first.values(), *second.values(), reason]
    assert sentinel.found_at_rest(runtime, markers, captured_log, "passage_plan") == {}
