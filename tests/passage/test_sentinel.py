"""A plan's details are never in clear at rest: unique markers go into every sealed field of a
plan, of a changed version and into a cancellation's reason; then every file under the data
directory (SQLite database and its log, keys), a PostgreSQL dump and everything logged are
searched for them, in UTF-8, hex and UTF-16. The desk and the cell read them back in clear, so
the markers really went in. Both engines."""

from __future__ import annotations

import logging
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from homeward.core.runtime import Runtime
from homeward.passage import plans
from homeward.passage.schemas import PlanDetails
from tests import helpers
from tests.passage import world


def _marker(kind: str) -> str:
    return f"SENTINEL-{kind}-{secrets.token_hex(8)}"


def _hits(blob: bytes, markers: list[str]) -> list[str]:
    forms = {m: [m.encode(), m.encode().hex().encode(), m.encode("utf-16-le")] for m in markers}
    return [m for m in markers if any(form in blob for form in forms[m])]


@pytest.fixture
def captured_log(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "everything.log"
    handler = logging.FileHandler(path)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(previous)
    handler.close()


def _dump(runtime: Runtime) -> bytes:
    url = runtime.settings.effective_database_url
    if not url.startswith("postgresql"):
        return b""
    return subprocess.run(
        ["pg_dump", "--no-owner", url], check=True, capture_output=True, timeout=120
    ).stdout


def test_no_plan_detail_is_stored_or_logged_in_clear(
    runtime: Runtime, personas: helpers.Personas, captured_log: Path
) -> None:
    first = {name: _marker(name) for name in ("accompanied", "bring", "fallback", "instructions")}
    second = {name: _marker(f"changed-{name}") for name in first}
    reason = _marker("cancel-reason")
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
    runtime.db.dispose()  # the SQLite log is folded in or left as it is: both are searched
    found: dict[str, list[str]] = {}
    for path in (p for p in runtime.settings.data_dir.rglob("*") if p.is_file()):
        hits = _hits(path.read_bytes(), markers)
        if hits:
            found[str(path)] = hits
    dump = _dump(runtime)
    if runtime.settings.effective_database_url.startswith("postgresql"):
        assert b"passage_plan" in dump  # the dump really holds the plans
    if hits := _hits(dump, markers):
        found["pg_dump"] = hits
    if hits := _hits(captured_log.read_bytes(), markers):
        found["log"] = hits
    assert found == {}
