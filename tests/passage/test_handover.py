"""A handover confirmed twice: the cell's receiving unit and the owning desk each give their
word; the case moves to `handed_over` only on two yeses (whichever comes second), a yes and a
no is flagged `disputed` on the plan and the case until a side revises, no officer confirms for
both sides, and each word is a case event and an audit entry. Refusals store nothing. Both
engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from homeward.accounts.models import Officer
from homeward.audit.models import AuditEvent
from homeward.cases import service as case_service
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.passage import handovers
from homeward.passage.custody_models import CONFIRMED, DISPUTED, NOT_HAPPENED, PENDING
from homeward.policy import binding
from homeward.policy.check import Principal
from homeward.policy.roles import Role
from tests import helpers
from tests.passage import handover_world as hw
from tests.passage import world


@pytest.mark.parametrize("second", ["fra_officer", "coordinator"])
def test_two_yeses_hand_the_case_over_whichever_comes_second(
    runtime: Runtime, personas: helpers.Personas, second: str
) -> None:
    r = hw.ready(runtime, personas)
    first = "coordinator" if second == "fra_officer" else "fra_officer"
    before = hw.stored(runtime, r.case_id)
    assert hw.confirm(runtime, personas[first], r, hw.happened(r)) == PENDING
    assert hw.stage(runtime, r.case_id) == "passage_planned"
    assert hw.confirm(runtime, personas[second], r, hw.happened(r)) == CONFIRMED
    after = hw.stored(runtime, r.case_id)
    assert after.stage == "handed_over"
    assert (after.handovers, after.confirmations) == (before.handovers + 1, 2)
    kinds = hw.event_kinds(runtime, r.case_id)
    assert kinds[-3:] == ["passage:handover:confirm", "passage:handover:confirm",
                          "case:stage:change"]  # fmt: skip
    assert after.events - before.events == 3
    assert after.audit_entries - before.audit_entries == 3  # one per event, same transaction


def test_a_yes_and_a_no_is_disputed_and_flagged_until_a_side_revises(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    r = hw.ready(runtime, personas)
    fra = personas["fra_officer"]
    assert hw.confirm(runtime, personas["coordinator"], r, hw.happened(r)) == PENDING
    assert hw.confirm(runtime, fra, r, hw.did_not()) == DISPUTED
    assert hw.stage(runtime, r.case_id) == "passage_planned"
    assert "passage:handover:dispute" in hw.event_kinds(runtime, r.case_id)
    with runtime.db.transaction() as session:
        principal = world.principal(runtime, fra)
        assert handovers.disputed_cases(session=session, principal=principal) == [r.case_id]
        assert handovers.state_of(session=session, principal=principal, plan_id=r.plan_id) == (
            DISPUTED
        )
    # The desk revises its word: the dispute is settled, the first word kept as history.
    assert hw.confirm(runtime, fra, r, hw.happened(r)) == CONFIRMED
    assert hw.stage(runtime, r.case_id) == "handed_over"
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        view = handovers.open_handover(session=session, keyring=keyring, plan_id=r.plan_id)
        assert handovers.disputed_cases(session=session, principal=keyring.principal) == []
    assert view.sides["desk"].revisions == 1
    assert view.sides["desk"].happened
    assert view.sides["cell"].received_by == hw.UNIT
    assert "passage:handover:revise" in hw.event_kinds(runtime, r.case_id)


def test_two_noes_say_it_did_not_happen_and_settle_it(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    r = hw.ready(runtime, personas)
    hw.confirm(runtime, personas["coordinator"], r, hw.did_not())
    assert hw.confirm(runtime, personas["fra_officer"], r, hw.did_not()) == NOT_HAPPENED
    assert hw.stage(runtime, r.case_id) == "passage_planned"
    before = hw.stored(runtime, r.case_id)
    with pytest.raises(handovers.HandoverRefused, match="already settled"):
        hw.confirm(runtime, personas["fra_supervisor"], r, hw.happened(r))
    assert hw.stored(runtime, r.case_id) == before


def test_the_same_officer_cannot_confirm_for_both_sides(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """The cell's coordinator confirms, is then posted to the French desk, and tries to give the
    desk's word too: refused, nothing stored."""
    r = hw.ready(runtime, personas)
    coordinator = personas["coordinator"]
    hw.confirm(runtime, coordinator, r, hw.happened(r))
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: an officer posted to another desk")
        session.execute(
            update(Officer)
            .where(Officer.id == coordinator.officer_id)
            .values(nation="FRA", role=Role.DESK_OFFICER.value)
        )
    posted = Principal(coordinator.officer_id, coordinator.username, Role.DESK_OFFICER, "FRA", 3)
    before = hw.stored(runtime, r.case_id)
    with (
        runtime.db.transaction() as session,
        pytest.raises(handovers.HandoverRefused, match="cannot also confirm") as refused,
    ):
        handovers.confirm(
            session=session,
            principal=posted,
            secrets=runtime.secrets,
            plan_id=r.plan_id,
            word=hw.happened(r),
            now=r.now,
        )
    assert refused.value.field == "officer"
    assert hw.stored(runtime, r.case_id) == before


def test_each_side_confirms_once_unless_disputed(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    r = hw.ready(runtime, personas)
    hw.confirm(runtime, personas["fra_officer"], r, hw.happened(r))
    before = hw.stored(runtime, r.case_id)
    with pytest.raises(handovers.HandoverRefused, match="has confirmed already"):
        hw.confirm(runtime, personas["fra_supervisor"], r, hw.did_not())
    assert hw.stored(runtime, r.case_id) == before


@pytest.mark.parametrize(
    ("word", "field", "message"),
    [
        ("early", "window", "has not come"),
        ("future", "happened_at", "in the future"),
        ("no time", "happened_at", "say when"),
        ("naive", "happened_at", "time zone"),
        ("nobody", "received_by", "empty"),
        ("no reason", "note", "empty"),
    ],
)
def test_bad_words_are_named_and_store_nothing(
    runtime: Runtime, personas: helpers.Personas, word: str, field: str, message: str
) -> None:
    r = hw.ready(runtime, personas)
    now = r.now
    given = {
        "early": hw.happened(r),
        "future": handovers.HandoverWord(True, r.now + timedelta(hours=1), hw.UNIT),
        "no time": handovers.HandoverWord(True, None, hw.UNIT),
        "naive": handovers.HandoverWord(True, r.at.replace(tzinfo=None), hw.UNIT),
        "nobody": handovers.HandoverWord(True, r.at, "  "),
        "no reason": handovers.HandoverWord(False, note=""),
    }[word]
    if word == "early":
        now = r.at - timedelta(hours=1)
    before = hw.stored(runtime, r.case_id)
    with runtime.db.transaction() as session, pytest.raises(BadInput, match=message) as refused:
        handovers.confirm(
            session=session,
            principal=world.principal(runtime, personas["fra_officer"]),
            secrets=runtime.secrets,
            plan_id=r.plan_id,
            word=given,
            now=now,
        )
    assert getattr(refused.value, "field", None) == field
    assert hw.stored(runtime, r.case_id) == before


def test_an_unapproved_plan_is_not_handed_over(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    point_id = world.make_point(runtime, personas["coordinator"])
    case_id = world.cleared_case(runtime, personas["fra_officer"], stage="passage_planned")
    starts_at = world.window(world.day_ahead(), "09:00")
    plan_id = world.book(runtime, personas["fra_officer"], case_id, point_id, starts_at)
    with (
        runtime.db.transaction() as session,
        pytest.raises(handovers.HandoverRefused, match="approved plan"),
    ):
        handovers.confirm(
            session=session,
            principal=world.principal(runtime, personas["coordinator"]),
            secrets=runtime.secrets,
            plan_id=plan_id,
            word=handovers.HandoverWord(True, starts_at, hw.UNIT),
            now=starts_at + timedelta(minutes=5),
        )


def test_only_the_desk_and_the_cell_of_the_point_confirm_or_read(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """Another nation (even one the case is released to) and another cell find no plan; the
    auditor's role may not; the cell reads the handover but never the case."""
    r = hw.ready(runtime, personas, release=("DEU",))
    jor = world.second_cell(runtime)
    for persona, refusal in (
        (personas["deu_officer"], NotFound),
        (jor, NotFound),
        (personas["auditor"], Forbidden),
    ):
        with runtime.db.transaction() as session, pytest.raises(refusal):
            handovers.confirm(
                session=session,
                principal=world.principal(runtime, persona),
                secrets=runtime.secrets,
                plan_id=r.plan_id,
                word=hw.happened(r),
                now=r.now,
            )
        keyring = helpers.keyring(runtime, persona)
        with runtime.db.transaction() as session, pytest.raises(refusal):
            handovers.open_handover(session=session, keyring=keyring, plan_id=r.plan_id)
    hw.confirm(runtime, personas["coordinator"], r, hw.happened(r, note="Came on foot"))
    keyring = helpers.keyring(runtime, personas["coordinator"])
    with runtime.db.transaction() as session:
        view = handovers.open_handover(session=session, keyring=keyring, plan_id=r.plan_id)
    assert view.case_id is None  # the cell learns nothing of the case
    assert view.sides["cell"].note == "Came on foot"
    with runtime.db.transaction() as session, pytest.raises(NotFound):
        case_service.get_case(
            session=session,
            principal=keyring.principal,
            case_id=r.case_id,
            permission="officer:case:read",
        )
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the reads left in the audit log")
        reads = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "passage:handover:read")
        ).all()
    assert len(reads) == 1
