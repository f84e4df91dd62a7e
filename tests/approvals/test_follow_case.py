"""A case's approvals follow the case (cases/followers.py, approvals/follow.py): they take the
case's new level when its protection changes, and its new owner's key when it is transferred
(the old desk's wraps removed at acceptance), so the comments stay readable by the desk that
owns the case and by no other. Both engines, real keys."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from homeward.accounts import service as accounts_service
from homeward.approvals import service as approvals
from homeward.approvals.models import Approval
from homeward.cases import flows as case_flows
from homeward.cases.release_basis import Basis
from homeward.core.errors import Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.policy import binding
from tests import helpers
from tests.approvals import world
from tests.screening.test_follow_case import request


def labels_and_desks(runtime: Runtime, approval_id: str) -> tuple[tuple[str, int, str], set[str]]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the approval's labels and wraps as stored")
        key_desk = {
            key.id: key.desk_code
            for code in ("FRA", "DEU", "IRQ")
            for key in accounts_service.desk_keys(session=session, desk_code=code)
        }
        row = session.scalars(select(Approval).where(Approval.id == approval_id)).one()
        return (row.owner_nation, row.classification, row.release), {
            key_desk[wrap.desk_key_id] for wrap in row.wraps
        }


def comments(runtime: Runtime, persona: helpers.Persona, case_id: str) -> list[str]:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        found = approvals.open_approvals(session=session, keyring=keyring, case_id=case_id)
        return [view.request_comment for view in found]


def test_an_approval_takes_the_case_s_new_level(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    case_id = world.repatriated_case(runtime, fra)
    approval_id = world.ask(runtime, fra, case_id)
    assert labels_and_desks(runtime, approval_id) == (("FRA", 1, ""), {"FRA"})
    principal = helpers.keyring(runtime, fra).principal
    with runtime.db.transaction() as session:
        case_flows.set_protection(
            session=session,
            principal=principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            classification=2,
            release=["DEU"],
            reason="test: who may read changes",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )
    assert labels_and_desks(runtime, approval_id) == (("FRA", 2, ""), {"FRA"})
    assert comments(runtime, fra, case_id) == [world.REASON]
    with pytest.raises((NotFound, Forbidden)):
        comments(runtime, personas["deu_officer"], case_id)


def test_a_transfer_hands_the_approval_to_the_new_desk_and_takes_it_from_the_old(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    case_id = world.repatriated_case(runtime, fra)
    approval_id = world.ask(runtime, fra, case_id)
    transfer_id = request(runtime, fra, case_id)
    assert labels_and_desks(runtime, approval_id)[1] == {"FRA", "DEU"}
    keyring = helpers.keyring(runtime, deu)
    with runtime.db.transaction() as session:
        case_flows.accept_transfer(
            session=session, keyring=keyring, secrets=runtime.secrets, transfer_id=transfer_id
        )
    assert labels_and_desks(runtime, approval_id) == (("DEU", 1, ""), {"DEU"})
    assert comments(runtime, deu, case_id) == [world.REASON]
    with pytest.raises((NotFound, Forbidden)):
        comments(runtime, fra, case_id)
