"""A child's best-interests assessment: written by the owning desk on a child's case only, read
back by the desk (each read audited), refused to every other role and nation with nothing
stored, and never in clear at rest (a unique marker searched in the SQLite file and its log, the
keys, a pg_dump and the logs, in UTF-8, hex and UTF-16). Both engines."""

from __future__ import annotations

import logging
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.households import best_interests
from homeward.policy.roles import Role
from tests import helpers
from tests.households import world


def _record(runtime: Runtime, persona: helpers.Persona, case_id: str, outcome: str) -> str:
    with runtime.db.transaction() as session:
        return best_interests.record(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            outcome=outcome,
        ).id


def _open(runtime: Runtime, persona: helpers.Persona, assessment_id: str) -> str:
    with runtime.db.transaction() as session:
        return best_interests.open_outcome(
            session=session, keyring=helpers.keyring(runtime, persona), assessment_id=assessment_id
        ).outcome


def test_the_desk_records_and_reads_it_others_get_nothing(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    from tests.web.authorization_world import add_officer

    personas["fra_debriefer"] = add_officer(runtime, "fra.debriefer", Role.DEBRIEFER, "FRA")
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    child = world.open_case(runtime, fra, given="Yasmine", born="2014", release=("DEU", "IRQ"))
    outcome = "Placement with the maternal grandmother in Lyon; school enrolment first."
    assessment_id = _record(runtime, fra, child, outcome)
    assert world.event_kinds(runtime, child)[-1] == "child:best-interests:record"
    assert _open(runtime, supervisor, assessment_id) == outcome
    refusals = {
        "deu_officer": NotFound,  # the case is released to DEU; the assessment is not
        "coordinator": Forbidden,
        "fra_debriefer": Forbidden,
        "administrator": Forbidden,
        "auditor": Forbidden,
    }
    before = world.stored(runtime)
    for who, refusal in refusals.items():
        with pytest.raises(refusal):
            _record(runtime, personas[who], child, "Another outcome")
        with pytest.raises(refusal):
            _open(runtime, personas[who], assessment_id)
        assert world.stored(runtime) == before, who
    with runtime.db.transaction() as session:
        listed = best_interests.of_case(
            session=session, principal=helpers.keyring(runtime, supervisor).principal, case_id=child
        )
    assert [(a.id, a.author_id) for a in listed] == [(assessment_id, fra.officer_id)]


def test_refused_where_the_case_is_not_a_childs_or_the_outcome_is_bad(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    adult = world.open_case(runtime, fra)
    unknown = world.open_case(runtime, fra, born="")
    child = world.open_case(runtime, fra, born="2015-01-01")
    before = world.stored(runtime)
    for case_id, outcome, field, words in (
        (adult, "Fine", "case", "not a child's case (born 1993"),
        (unknown, "Fine", "case", "record the age first"),
        (child, "   ", "outcome", "write"),
        (child, "x" * 8001, "outcome", "longer than"),
    ):
        with pytest.raises(BadInput) as refused:
            _record(runtime, fra, case_id, outcome)
        assert refused.value.field == field
        assert words in str(refused.value)
        assert world.stored(runtime) == before
    world.estimate(runtime, fra, unknown, 12)
    _record(runtime, fra, unknown, "Reunification with the mother recommended.")


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


def _hits(blob: bytes, marker: str) -> bool:
    forms = [marker.encode(), marker.encode().hex().encode(), marker.encode("utf-16-le")]
    return any(form in blob for form in forms)


def test_the_outcome_is_never_in_clear_at_rest(
    runtime: Runtime, personas: helpers.Personas, captured_log: Path
) -> None:
    fra = personas["fra_officer"]
    marker = f"SENTINEL-best-interests-{secrets.token_hex(8)}"
    child = world.open_case(runtime, fra, born="2016")
    assessment_id = _record(runtime, fra, child, f"Outcome {marker}")
    assert _open(runtime, fra, assessment_id) == f"Outcome {marker}"  # it really went in
    runtime.db.dispose()
    found = [
        str(path)
        for path in runtime.settings.data_dir.rglob("*")
        if path.is_file() and _hits(path.read_bytes(), marker)
    ]
    url = runtime.settings.effective_database_url
    if url.startswith("postgresql"):
        dump = subprocess.run(
            ["pg_dump", "--no-owner", url], check=True, capture_output=True, timeout=120
        ).stdout
        assert b"best_interests" in dump
        if _hits(dump, marker):
            found.append("pg_dump")
    if _hits(captured_log.read_bytes(), marker):
        found.append("log")
    assert found == []
