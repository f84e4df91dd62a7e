"""Approvals as a service, on both engines: a close request and its answer are case events and
audit entries; the case closes only through an approved request (the guard as data); the
requester never answers their own request; another nation finds nothing; bad input is named
and stores nothing; the queue is oldest first and never shows what its supervisor may not see."""

from __future__ import annotations

import pytest

from homeward.approvals import service as approvals
from homeward.approvals.exceptions import ApprovalConflict
from homeward.cases.exceptions import TransitionNotAllowed
from homeward.cases.states import HOW, THROUGH_APPROVAL, TRANSITIONS, Stage, allowed_next
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.policy.check import Principal
from homeward.policy.labels import Classification
from homeward.policy.roles import Role
from tests import helpers
from tests.approvals import world
from tests.screening import world as screening_world


def test_closed_is_reached_only_through_an_approved_close_request() -> None:
    """The guard as data: the one move into `closed` is made only through an approval, and
    its refusal says how a case is closed."""
    into_closed = [move for move in TRANSITIONS if move[1] is Stage.CLOSED]
    assert into_closed == [(Stage.REPATRIATED, Stage.CLOSED)]
    rule = TRANSITIONS[(Stage.REPATRIATED, Stage.CLOSED)]
    assert rule.only_through == THROUGH_APPROVAL
    assert "approves the request" in HOW[(Stage.REPATRIATED, Stage.CLOSED)]
    for role in Role:
        assert Stage.CLOSED not in allowed_next(Stage.REPATRIATED, role)


def test_closing_by_hand_is_refused_with_the_way_and_nothing_stored(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    case_id = world.repatriated_case(runtime, personas["fra_officer"])
    before = world.stored(runtime)
    with pytest.raises(TransitionNotAllowed, match="only through an approved close request"):
        screening_world.move(runtime, personas["fra_supervisor"], case_id, "closed", note="done")
    assert world.stored(runtime) == before


def test_an_approved_close_request_closes_the_case_with_events_and_audit(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.repatriated_case(runtime, fra)
    world.grant_keys(runtime, supervisor)
    approval_id = world.ask(runtime, fra, case_id)
    assert screening_world.stage(runtime, case_id) == "repatriated"
    world.decide(runtime, supervisor, approval_id)
    assert screening_world.stage(runtime, case_id) == "closed"
    kinds = world.events(runtime, case_id)
    assert kinds[-3:] == ["approval:request", "approval:approved", "case:stage:change"]
    assert {"approval:request", "approval:approved"} <= set(world.audited(runtime, case_id))
    keyring = helpers.keyring(runtime, supervisor)
    with runtime.db.transaction() as session:
        views = approvals.open_approvals(session=session, keyring=keyring, case_id=case_id)
    assert [(v.state, v.request_comment) for v in views] == [("approved", world.REASON)]
    assert views[0].decision_comment.startswith("Checked the custody chain")
    assert "approval:comment:read" in world.audited(runtime, case_id)


def test_a_rejected_request_leaves_the_case_and_a_new_one_may_follow(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.repatriated_case(runtime, fra)
    world.grant_keys(runtime, supervisor)
    first = world.ask(runtime, fra, case_id)
    world.decide(runtime, supervisor, first, approve=False, comment="The court date is pending.")
    assert screening_world.stage(runtime, case_id) == "repatriated"
    assert world.events(runtime, case_id)[-1] == "approval:rejected"
    second = world.ask(runtime, fra, case_id)
    world.decide(runtime, supervisor, second)
    assert screening_world.stage(runtime, case_id) == "closed"


def test_the_requester_cannot_answer_their_own_request(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    supervisor = personas["fra_supervisor"]
    other = world.add_officer(runtime, "fra.supervisor.two")
    case_id = world.repatriated_case(runtime, personas["fra_officer"])
    world.grant_keys(runtime, supervisor)
    world.grant_keys(runtime, other)
    approval_id = world.ask(runtime, supervisor, case_id)
    before = world.stored(runtime)
    for approve in (True, False):
        with pytest.raises(ApprovalConflict, match=r"fra\.supervisor asked for this and cannot"):
            world.decide(runtime, supervisor, approval_id, approve=approve)
    assert world.stored(runtime) == before
    world.decide(runtime, other, approval_id)
    assert screening_world.stage(runtime, case_id) == "closed"


def test_refusals_name_what_is_wrong_and_store_nothing(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    case_id = world.repatriated_case(runtime, fra)
    early = screening_world.open_case(runtime, fra, family="Haddad")
    world.grant_keys(runtime, supervisor)
    before = world.stored(runtime)
    refusals: list[tuple[object, type[Exception], str]] = [
        (lambda: world.ask(runtime, fra, case_id, comment="  "), BadInput, "comment: it is empty"),
        (lambda: world.ask(runtime, fra, case_id, comment="x" * 4001), BadInput, "longer than"),
        (lambda: world.ask(runtime, fra, case_id, kind="reopen"), BadInput, "kind: 'reopen'"),
        (lambda: world.ask(runtime, fra, early), ApprovalConflict, "only a case that is rep"),
        (lambda: world.ask(runtime, fra, "no-such-case"), NotFound, "case not found"),
        (lambda: world.ask(runtime, personas["deu_officer"], case_id), NotFound, "case"),
        (lambda: world.ask(runtime, personas["coordinator"], case_id), Forbidden, "approval"),
        (lambda: world.decide(runtime, supervisor, "nope"), NotFound, "approval not found"),
    ]
    for call, kind, words in refusals:
        with pytest.raises(kind, match=words):
            call()  # type: ignore[operator]
    assert world.stored(runtime) == before
    approval_id = world.ask(runtime, fra, case_id)
    before = world.stored(runtime)
    with pytest.raises(ApprovalConflict, match="already has a request waiting"):
        world.ask(runtime, fra, case_id)
    with pytest.raises(BadInput, match="comment: it is empty"):
        world.decide(runtime, supervisor, approval_id, comment="")
    with pytest.raises(Forbidden):
        world.decide(runtime, fra, approval_id)  # a desk officer answers no request
    assert world.stored(runtime) == before
    world.decide(runtime, supervisor, approval_id, approve=False, comment="Not yet.")
    before = world.stored(runtime)
    with pytest.raises(ApprovalConflict, match="already rejected"):
        world.decide(runtime, supervisor, approval_id)
    assert world.stored(runtime) == before


def test_another_nation_finds_no_approval(runtime: Runtime, personas: helpers.Personas) -> None:
    """Released to DEU, the case is readable there; its approvals are not (404, nothing)."""
    fra = personas["fra_officer"]
    deu_supervisor = world.add_officer(runtime, "deu.supervisor", nation="DEU")
    case_id = world.repatriated_case(runtime, fra, release=("DEU",))
    approval_id = world.ask(runtime, fra, case_id)
    before = world.stored(runtime)
    with pytest.raises(NotFound):
        world.decide(runtime, deu_supervisor, approval_id)
    keyring = helpers.keyring(runtime, deu_supervisor)
    with runtime.db.transaction() as session, pytest.raises(NotFound):
        approvals.open_approvals(session=session, keyring=keyring, case_id=case_id)
    with runtime.db.transaction() as session:
        assert (
            approvals.waiting(session=session, principal=_principal(runtime, deu_supervisor)) == []
        )
    assert world.stored(runtime) == before


def _principal(runtime: Runtime, persona: helpers.Persona) -> Principal:
    return helpers.keyring(runtime, persona).principal


def test_the_queue_is_oldest_first_and_shows_only_what_its_supervisor_may_see(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, supervisor = personas["fra_officer"], personas["fra_supervisor"]
    low = world.add_officer(runtime, "fra.supervisor.c", clearance=Classification.CONFIDENTIAL)
    first = world.repatriated_case(runtime, fra, family="Aroui")
    secret = world.repatriated_case(
        runtime, fra, family="Bakri", classification=Classification.SECRET
    )
    third = world.repatriated_case(runtime, fra, family="Chaoui")
    own = world.repatriated_case(runtime, fra, family="Daoud")
    deu = world.repatriated_case(runtime, personas["deu_officer"], family="Ebert")
    world.grant_keys(runtime, supervisor)
    asked = [world.ask(runtime, fra, case) for case in (first, secret, third)]
    world.ask(runtime, supervisor, own)  # their own: another supervisor answers it
    world.ask(runtime, personas["deu_officer"], deu)
    sees_all, sees_less = _principal(runtime, supervisor), _principal(runtime, low)
    with runtime.db.transaction() as session:
        full = approvals.waiting(session=session, principal=sees_all)
        hidden = approvals.waiting(session=session, principal=sees_less)
    assert [row.id for row in full] == asked
    assert [row.requested_at for row in full] == sorted(row.requested_at for row in full)
    assert [(row.stage, row.asked, row.requested_by) for row in full] == [
        ("repatriated", "close the case", fra.officer_id)
    ] * 3
    assert [row.case_id for row in hidden] == [first, third, own]
