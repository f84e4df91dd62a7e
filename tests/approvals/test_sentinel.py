"""A close request's comment and the supervisor's answer are never in clear at rest: unique
markers go into a rejected request, the rejection, a second request and its approval; then
every file under the data directory (SQLite database and its log, keys), a PostgreSQL dump and
everything logged are searched for them, in UTF-8, hex and UTF-16. The desk reads them back in
clear, so the markers really went in. Both engines."""

from __future__ import annotations

from pathlib import Path

from homeward.approvals import service as approvals
from homeward.core.runtime import Runtime
from tests import helpers, sentinel
from tests.approvals import world


def test_no_comment_is_stored_or_logged_in_clear(
    runtime: Runtime, personas: helpers.Personas, captured_log: Path
) -> None:
    markers = [sentinel.marker(kind) for kind in ("ask", "reject", "ask-again", "approve")]
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.repatriated_case(runtime, fra)
    world.grant_keys(runtime, supervisor)
    first = world.ask(runtime, fra, case_id, comment=markers[0])
    world.decide(runtime, supervisor, first, approve=False, comment=markers[1])
    second = world.ask(runtime, fra, case_id, comment=markers[2])
    world.decide(runtime, supervisor, second, comment=markers[3])
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        found = approvals.open_approvals(session=session, keyring=keyring, case_id=case_id)
    read = {text for view in found for text in (view.request_comment, view.decision_comment)}
    assert read == set(markers)
    assert sentinel.found_at_rest(runtime, markers, captured_log, "approval") == {}
