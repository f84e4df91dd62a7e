"""An assessment's answers and the reviewer's reasons are never in clear at rest: unique markers
go into every text answer of a draft, of its changed version and into the reasons of the
decision; then every file under the data directory (SQLite database and its log, keys), a
PostgreSQL dump and everything logged are searched for them, in UTF-8, hex and UTF-16. The desk
reads them back in clear, so the markers really went in. Both engines."""

from __future__ import annotations

import logging
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from homeward.core.runtime import Runtime
from homeward.screening import service as screening
from tests import helpers
from tests.screening import world


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


def test_no_answer_or_reason_is_stored_or_logged_in_clear(
    runtime: Runtime, personas: helpers.Personas, captured_log: Path
) -> None:
    first, second, reason = _marker("answer"), _marker("changed-answer"), _marker("reasons")
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
    runtime.db.dispose()  # the SQLite log is folded in or left as it is: both are searched
    found: dict[str, list[str]] = {}
    for path in (p for p in runtime.settings.data_dir.rglob("*") if p.is_file()):
        hits = _hits(path.read_bytes(), markers)
        if hits:
            found[str(path)] = hits
    dump = _dump(runtime)
    if runtime.settings.effective_database_url.startswith("postgresql"):
        assert b"screening_assessment" in dump  # the dump really holds the assessments
    if hits := _hits(dump, markers):
        found["pg_dump"] = hits
    if hits := _hits(captured_log.read_bytes(), markers):
        found["log"] = hits
    assert found == {}
