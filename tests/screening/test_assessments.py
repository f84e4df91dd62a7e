"""Assessments through the service, on both engines: bad answers refused naming the question
with nothing stored; a draft kept until its author submits it; the author never reviews it;
another nation finds nothing; the decision with its reasons is sealed and audited; the
instrument version is kept with each assessment, even after a newer one is added."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from homeward.audit.models import AuditEvent
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.screening import service as screening
from homeward.screening.exceptions import AssessmentLocked, ReviewRefused
from homeward.screening.instrument import InstrumentInvalid
from tests import helpers
from tests.screening import world


def _open(
    runtime: Runtime, persona: helpers.Persona, assessment_id: str
) -> screening.AssessmentView:
    with runtime.db.transaction() as session:
        return screening.open_assessment(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            assessment_id=assessment_id,
        )


@pytest.mark.parametrize(
    ("question", "value", "problem"),
    [
        ("joining_year", "last year", "must be a number"),
        ("housing", "castle", "'castle' is not one of the choices"),
        ("left_on", "yesterday", "must be a date"),
        ("no_such_question", "x", "there is no such question"),
    ],
)
def test_a_bad_answer_is_refused_naming_the_question_and_nothing_is_stored(
    runtime: Runtime, personas: helpers.Personas, question: str, value: str, problem: str
) -> None:
    fra = personas["fra_officer"]
    case_id = world.open_case(runtime, fra)
    before = world.stored(runtime)
    with pytest.raises(BadInput, match=problem) as refused:
        world.write(runtime, fra, case_id, {**world.answers(), question: value})
    assert refused.value.field == question
    assert world.stored(runtime) == before


def test_a_draft_is_submitted_only_complete_and_only_by_its_author(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.open_case(runtime, fra)
    partial = {"joining_year": 2014, "housing": "family_home"}
    draft = world.write(runtime, fra, case_id, partial, submit=False)
    before = world.stored(runtime)
    with (
        pytest.raises(BadInput, match="an answer is required") as missing,
        runtime.db.transaction() as session,
    ):
        screening.submit(
            session=session,
            keyring=helpers.keyring(runtime, fra),
            secrets=runtime.secrets,
            assessment_id=draft,
        )
    assert missing.value.field == "joining_way"
    with (
        pytest.raises(AssessmentLocked, match="only the officer who wrote this draft"),
        runtime.db.transaction() as session,
    ):
        screening.update(
            session=session,
            keyring=helpers.keyring(runtime, supervisor),
            secrets=runtime.secrets,
            assessment_id=draft,
            answers=world.answers(),
            submit=True,
        )
    with pytest.raises(ReviewRefused, match="still a draft"):
        world.review(runtime, supervisor, draft)
    assert world.stored(runtime) == before
    assert _open(runtime, fra, draft).answers == partial

    with runtime.db.transaction() as session:
        screening.update(
            session=session,
            keyring=helpers.keyring(runtime, fra),
            secrets=runtime.secrets,
            assessment_id=draft,
            answers=world.answers(marker="second"),
            submit=True,
        )
    view = _open(runtime, fra, draft)
    assert (view.state, view.answers["role_account"]) == ("submitted", "Synthetic answer second")
    with (
        pytest.raises(AssessmentLocked, match="kept as it is"),
        runtime.db.transaction() as session,
    ):
        screening.update(
            session=session,
            keyring=helpers.keyring(runtime, fra),
            secrets=runtime.secrets,
            assessment_id=draft,
            answers=world.answers(),
        )


def test_the_author_cannot_review_and_a_desk_officer_may_not(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.open_case(runtime, fra, verified_by=supervisor)
    own = world.write(runtime, supervisor, case_id)
    before = world.stored(runtime)
    with pytest.raises(ReviewRefused, match=r"fra\.supervisor wrote this assessment and cannot"):
        world.review(runtime, supervisor, own)
    with pytest.raises(Forbidden, match="officer:screening:review"):
        world.review(runtime, fra, own)
    with pytest.raises(BadInput, match="reasons: say why"):
        world.review(runtime, supervisor, own, "not_eligible", reasons=" ")
    assert world.stored(runtime) == before
    assert world.stage(runtime, case_id) == "identity_verified"


def test_another_nation_finds_no_assessment(runtime: Runtime, personas: helpers.Personas) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    case_id = world.open_case(runtime, fra, release=("DEU",))
    assessment_id = world.write(runtime, fra, case_id)
    before = world.stored(runtime)
    with pytest.raises(NotFound, match="assessment not found"):
        _open(runtime, deu, assessment_id)
    with pytest.raises(NotFound, match="case not found"):
        world.write(runtime, deu, case_id)
    with runtime.db.transaction() as session, pytest.raises(NotFound):
        screening.assessments_of(
            session=session, principal=helpers.keyring(runtime, deu).principal, case_id=case_id
        )
    with pytest.raises((NotFound, Forbidden)):
        world.review(runtime, deu, assessment_id)
    assert world.stored(runtime) == before


def test_the_decision_is_recorded_sealed_with_events_and_audit(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.open_case(runtime, fra, verified_by=supervisor)
    assessment_id = world.write(runtime, fra, case_id)
    world.review(runtime, supervisor, assessment_id, "refer", reasons="Fought; the court decides.")
    view = _open(runtime, supervisor, assessment_id)
    assert (view.state, view.decision, view.reasons) == (
        "reviewed",
        "refer",
        "Fought; the court decides.",
    )
    assert view.reviewer_id == supervisor.officer_id
    assert world.stage(runtime, case_id) == "cleared"
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the case's history")
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.resource_id == case_id)
                .order_by(AuditEvent.id)
            )
        )
    decided = actions.index("screening:decision:record")
    assert actions[decided + 1] == "case:stage:change"  # the same transaction moved the case
    assert "screening:assessment:read" in actions
    with pytest.raises(ReviewRefused, match="already reviewed"):
        world.review(runtime, supervisor, assessment_id, "not_eligible")


def test_each_assessment_keeps_the_instrument_version_it_was_written_against(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    case_id = world.open_case(runtime, fra)
    first = world.write(runtime, fra, case_id, submit=False)
    folder = runtime.settings.data_dir / "instruments"
    folder.mkdir(exist_ok=True)
    data = json.loads(world.SHIPPED.text)
    data["version"] = 2
    data["sections"][0]["questions"].append(
        {"id": "joining_city", "text": "From which city?", "type": "text", "required": True}
    )
    (folder / "return-screening-2.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(BadInput, match="joining_city"):
        world.write(runtime, fra, case_id)  # the newest version asks one more question
    second = world.write(runtime, fra, case_id, {**world.answers(), "joining_city": "Lyon"})
    assert _open(runtime, fra, first).instrument.version == 1
    assert _open(runtime, fra, first).instrument.question("joining_city") is None
    assert _open(runtime, fra, second).instrument.version == 2
    data["title"] = "Changed behind our back"
    (folder / "return-screening-2.json").write_text(json.dumps(data), encoding="utf-8")
    before = world.stored(runtime)
    with pytest.raises(InstrumentInvalid, match="changed after assessments were written"):
        world.write(runtime, fra, case_id, {**world.answers(), "joining_city": "Lyon"})
    assert world.stored(runtime) == before
    assert _open(runtime, fra, second).instrument.title == "Return screening"
