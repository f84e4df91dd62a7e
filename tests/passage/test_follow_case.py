"""A case's passage records follow the case (cases/followers.py, passage/follow.py): a plan, its
handover and the custody chain take the case's new release list and level when its protection
changes, and its new owner's key when it is transferred; the coordination cell's level caps what
may be planned. Both engines, real keys."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import select, update

from homeward.accounts import service as accounts_service
from homeward.cases import flows as case_flows
from homeward.cases import transfers
from homeward.cases.models import Case
from homeward.cases.release_basis import Basis
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.passage import custody, flows, plans
from homeward.passage.custody_models import CustodyEntry, Handover, HandoverConfirmation
from homeward.passage.exceptions import BookingRefused
from homeward.passage.models import PassagePlan
from homeward.policy import binding
from tests import helpers
from tests.passage import handover_world as hw
from tests.passage import world

LABELLED: tuple[Any, ...] = (PassagePlan, Handover, CustodyEntry)


def protect(
    runtime: Runtime, persona: helpers.Persona, case_id: str, level: int, release: list[str]
) -> None:
    with runtime.db.transaction() as session:
        case_flows.set_protection(
            session=session,
            principal=world.principal(runtime, persona),
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            classification=level,
            release=release,
            reason="test: who may read changes",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )


def labels(runtime: Runtime, case_id: str) -> dict[str, set[tuple[str, int, str]]]:
    """Each kind of passage record of the case, with the labels its rows carry."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the labels as stored")
        found = {
            model.__tablename__: {
                (row.owner_nation, row.classification, row.release)
                for row in session.scalars(select(model).where(model.case_id == case_id))
            }
            for model in LABELLED
        }
        case = session.get(Case, case_id)
        assert case is not None
        found["case"] = {(case.owner_nation, case.classification, case.release)}
        return found


def seen_by(runtime: Runtime, persona: helpers.Persona, case_id: str) -> dict[str, int]:
    """How many of the case's passage records the persona's filter lets through."""
    with runtime.db.transaction() as session:
        binding.bind(session, world.principal(runtime, persona))
        return {
            model.__tablename__: len(
                session.scalars(select(model.id).where(model.case_id == case_id)).all()
            )
            for model in LABELLED
        }


def wrap_desks(runtime: Runtime, case_id: str) -> set[str]:
    """The desks whose keys the case's passage records are sealed to, over every record."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: whose keys the records are sealed to")
        key_desk = {
            key.id: key.desk_code
            for code in ("FRA", "DEU", "IRQ")
            for key in accounts_service.desk_keys(session=session, desk_code=code)
        }
        desks: set[str] = set()
        for plan in session.scalars(select(PassagePlan).where(PassagePlan.case_id == case_id)):
            desks |= {key_desk[wrap.desk_key_id] for wrap in plan.wraps}
        for confirmation in session.scalars(
            select(HandoverConfirmation).join(Handover).where(Handover.case_id == case_id)
        ):
            desks |= {key_desk[wrap.desk_key_id] for wrap in confirmation.wraps}
        for entry in session.scalars(select(CustodyEntry).where(CustodyEntry.case_id == case_id)):
            desks |= {key_desk[wrap.desk_key_id] for wrap in entry.wraps}
        return desks


def test_the_plan_handover_and_chain_take_the_case_s_new_release_list(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    r = hw.handed_over(runtime, personas)
    hw.record(runtime, fra, r, hw.entry(r))
    assert seen_by(runtime, deu, r.case_id) == {
        "passage_plan": 0,
        "handover": 0,
        "custody_entry": 0,
    }
    protect(runtime, fra, r.case_id, 1, ["DEU"])
    assert labels(runtime, r.case_id) == {
        "case": {("FRA", 1, ",DEU,")},
        "passage_plan": {("FRA", 1, ",DEU,IRQ,")},
        "handover": {("FRA", 1, ",DEU,IRQ,")},
        "custody_entry": {("FRA", 1, ",DEU,")},
    }
    assert seen_by(runtime, deu, r.case_id) == {
        "passage_plan": 1,
        "handover": 1,
        "custody_entry": 1,
    }
    protect(runtime, fra, r.case_id, 1, [])
    assert seen_by(runtime, deu, r.case_id) == {
        "passage_plan": 0,
        "handover": 0,
        "custody_entry": 0,
    }
    assert labels(runtime, r.case_id)["passage_plan"] == {("FRA", 1, ",IRQ,")}
    with runtime.db.transaction() as session, pytest.raises(NotFound):
        plans.open_plan(session=session, keyring=helpers.keyring(runtime, deu), plan_id=r.plan_id)


def test_a_level_the_cell_may_not_read_is_refused_while_a_plan_is_under_way(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, cell = personas["fra_officer"], personas["coordinator"]
    r = hw.ready(runtime, personas)
    before = (labels(runtime, r.case_id), world.stored(runtime))
    with pytest.raises(BadInput, match="the coordination cell, which receives him, must read it"):
        protect(runtime, fra, r.case_id, 2, [])
    assert (labels(runtime, r.case_id), world.stored(runtime)) == before
    with runtime.db.transaction() as session:
        flows.cancel(
            session=session,
            keyring=helpers.keyring(runtime, fra),
            secrets=runtime.secrets,
            plan_id=r.plan_id,
            reason="The family asked to wait",
        )
    assert seen_by(runtime, cell, r.case_id)["passage_plan"] == 1
    protect(runtime, fra, r.case_id, 2, [])
    assert labels(runtime, r.case_id)["passage_plan"] == {("FRA", 2, "")}
    assert seen_by(runtime, cell, r.case_id)["passage_plan"] == 0


def test_a_case_marked_above_the_cell_s_level_gets_no_plan(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    point_id = world.make_point(runtime, personas["coordinator"])
    case_id = world.cleared_case(runtime, fra)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: a case marked CONFIDENTIAL")
        session.execute(update(Case).where(Case.id == case_id).values(classification=2))
    before = world.stored(runtime)
    with pytest.raises(BookingRefused, match="which may be released RESTRICTED at most"):
        world.book(runtime, fra, case_id, point_id, world.window(world.day_ahead(), "09:00"))
    assert world.stored(runtime) == before


def request(runtime: Runtime, persona: helpers.Persona, case_id: str) -> str:
    with runtime.db.transaction() as session:
        return transfers.request_transfer(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            to_nation="DEU",
            reason="Dual national: his mother is German",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        ).id


def test_a_transfer_hands_the_plan_and_chain_to_the_new_desk_and_takes_them_from_the_old(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    r = hw.handed_over(runtime, personas)
    hw.record(runtime, fra, r, hw.entry(r))
    transfer_id = request(runtime, fra, r.case_id)
    assert wrap_desks(runtime, r.case_id) == {"FRA", "DEU", "IRQ"}
    deu_keys = helpers.keyring(runtime, deu)
    with runtime.db.transaction() as session:
        case_flows.accept_transfer(
            session=session, keyring=deu_keys, secrets=runtime.secrets, transfer_id=transfer_id
        )
    assert wrap_desks(runtime, r.case_id) == {"DEU", "IRQ"}
    assert labels(runtime, r.case_id)["passage_plan"] == {("DEU", 1, ",IRQ,")}
    assert labels(runtime, r.case_id)["custody_entry"] == {("DEU", 1, "")}
    with runtime.db.transaction() as session:
        opened = plans.open_plan(session=session, keyring=deu_keys, plan_id=r.plan_id)
        chain = custody.open_chain(session=session, keyring=deu_keys, case_id=r.case_id)
    assert opened.details == world.details()
    assert [entry.held_by for entry in chain.entries] == ["Screening facility 2"]
    assert seen_by(runtime, fra, r.case_id) == {
        "passage_plan": 0,
        "handover": 0,
        "custody_entry": 0,
    }
    with runtime.db.transaction() as session, pytest.raises((NotFound, Forbidden)):
        plans.open_plan(session=session, keyring=helpers.keyring(runtime, fra), plan_id=r.plan_id)


def test_a_plan_changed_while_a_transfer_waits_opens_for_the_desk_that_accepts(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    r = hw.ready(runtime, personas)
    transfer_id = request(runtime, fra, r.case_id)
    with runtime.db.transaction() as session:
        flows.change(
            session=session,
            keyring=helpers.keyring(runtime, fra),
            secrets=runtime.secrets,
            plan_id=r.plan_id,
            details=world.details("written while the transfer waited"),
        )
    deu_keys = helpers.keyring(runtime, deu)
    with runtime.db.transaction() as session:
        case_flows.accept_transfer(
            session=session, keyring=deu_keys, secrets=runtime.secrets, transfer_id=transfer_id
        )
    with runtime.db.transaction() as session:
        opened = plans.open_plan(session=session, keyring=deu_keys, plan_id=r.plan_id)
    assert opened.details == world.details("written while the transfer waited")


def test_a_refused_transfer_takes_the_new_desk_s_wraps_away_again(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    r = hw.handed_over(runtime, personas)
    hw.record(runtime, fra, r, hw.entry(r))
    transfer_id = request(runtime, fra, r.case_id)
    with runtime.db.transaction() as session:
        transfers.refuse_transfer(
            session=session,
            keyring=helpers.keyring(runtime, deu),
            secrets=runtime.secrets,
            transfer_id=transfer_id,
            reason="Not ours: his German papers are forged",
        )
    assert wrap_desks(runtime, r.case_id) == {"FRA", "IRQ"}
    assert labels(runtime, r.case_id)["passage_plan"] == {("FRA", 1, ",IRQ,")}


@pytest.mark.parametrize("entry_point", ["homeward.web.app", "homeward.cli.main"])
def test_every_process_that_can_change_a_case_carries_the_passage_follower(
    entry_point: str,
) -> None:
    """The web app and the command line import the passage records' follower, so that no
    process changes a case's protection or owner and leaves its plans behind."""
    code = (
        f"import {entry_point}\n"
        "from homeward.cases import followers\n"
        "print(','.join(followers.registered()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
    )
    assert {"passage", "screening"} <= set(out.stdout.strip().split(","))
