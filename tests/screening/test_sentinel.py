"""An assessment's answers and the reviewer's reasons are never in clear at rest: unique markers
go into every text answer of a draft, of its changed version and into the reasons of the
decision; then every file under the data directory (SQLite database and its log, keys), a
PostgreSQL dump and everything logged are searched for them, in UTF-8, hex and UTF-16. The desk
reads them back in clear, so the markers really went in. Both engines."""

from __future__ import annotations

from pathlib import Path

from homeward.core.runtime import Runtime
from homeward.screening import service as screening
from tests import helpers, sentinel
from tests.screening import world


def test_no_answer_or_reason_is_stored_or_logged_in_clear(
    runtime: Runtime, personas: helpers.Personas, captured_log: Path
) -> None:
    first, second, reason = (
        sentinel.marker("answer"),
        sentinel.marker("changed-answer"),
        sentinel.marker("reasons"),
    )
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.open_case(runtime, fra, verified_by=supervisor)
    assessment_id = world.write(runtime, fra, case_id, world.answers(marker=first), submit=False)
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        screening.update(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            assessment_id=assessment_id,
            answers=world.answers(marker=second),
            submit=True,
        )
    world.review(runtime, supervisor, assessment_id, decision="not_eligible", reasons=reason)
    with runtime.db.transaction() as session:
        opened = screening.open_assessment(
            session=session, keyring=keyring, assessment_id=assessment_id
        )
    assert opened.answers == world.answers(marker=second)
    assert opened.reasons == reason

    markers = [first, second, reason]
    assert sentinel.found_at_rest(runtime, markers, captured_log, "screening_assessment") == {}
