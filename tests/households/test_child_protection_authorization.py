"""Who may do what with a child's handover to child protection, as rows: each role, the owning
desk or another nation, the case released to that nation (and the cell) or not. Only the
owning desk records it; the owning desk and the coordination cell confirm and open it; nobody
else learns it exists, and a refusal stores nothing. The record follows its case's protection
and a transfer. Both engines, real keys."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from homeward.accounts import service as accounts_service
from homeward.cases import flows as case_flows
from homeward.cases.release_basis import Basis
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.households import child_protection as cp
from homeward.households.child_protection_models import ChildProtectionHandover
from homeward.policy import binding
from homeward.policy.roles import Role
from tests import helpers
from tests.households import child_protection_world as cw
from tests.screening.test_follow_case import request
from tests.web.authorization_world import add_officer

OK = "ok"
Outcome = str | type[Exception]

# who: (record, confirm, open on the case page, open one, the cell's list), per released or not
ROWS: list[tuple[str, bool, tuple[Outcome, Outcome, Outcome, Outcome, Outcome]]] = [
    ("fra_officer", False, (OK, OK, OK, OK, Forbidden)),
    ("fra_officer", True, (OK, OK, OK, OK, Forbidden)),
    ("fra_supervisor", False, (OK, OK, OK, OK, Forbidden)),
    ("fra_supervisor", True, (OK, OK, OK, OK, Forbidden)),
    ("deu_officer", False, (NotFound, NotFound, NotFound, NotFound, Forbidden)),
    ("deu_officer", True, (NotFound, NotFound, NotFound, NotFound, Forbidden)),
    ("coordinator", False, (Forbidden, OK, NotFound, OK, OK)),
    ("coordinator", True, (Forbidden, OK, NotFound, OK, OK)),
    ("fra_debriefer", False, (Forbidden, Forbidden, Forbidden, Forbidden, Forbidden)),
    ("fra_debriefer", True, (Forbidden, Forbidden, Forbidden, Forbidden, Forbidden)),
    ("administrator", False, (Forbidden, Forbidden, Forbidden, Forbidden, Forbidden)),
    ("auditor", True, (Forbidden, Forbidden, Forbidden, Forbidden, Forbidden)),
]


def _outcome(runtime: Runtime, act: Callable[[], object]) -> Outcome:
    before = cw.stored(runtime)
    try:
        act()
    except (Forbidden, NotFound) as refused:
        after = cw.stored(runtime)
        assert (after.handovers, after.confirmations, after.wraps, after.events, after.stages) == (
            before.handovers,
            before.confirmations,
            before.wraps,
            before.events,
            before.stages,
        )
        return type(refused)
    return OK


@pytest.mark.parametrize(("who", "released", "expected"), ROWS)
def test_rows(
    runtime: Runtime,
    personas: helpers.Personas,
    who: str,
    released: bool,
    expected: tuple[Outcome, ...],
) -> None:
    personas["fra_debriefer"] = add_officer(runtime, "fra.debriefer", Role.DEBRIEFER, "FRA")
    fra, persona = personas["fra_officer"], personas[who]
    release = ("DEU", "IRQ") if released else ()
    case_id = cw.child(runtime, fra, release=release)
    handover_id = cw.record(runtime, fra, case_id)
    other = cw.child(runtime, fra, release=release)
    keyring = helpers.keyring(runtime, persona)

    def record() -> None:
        cw.record(runtime, persona, other)

    def confirm() -> None:
        cw.confirm(runtime, persona, handover_id, cw.did_not())

    def on_case_page() -> None:
        cw.of_case(runtime, persona, case_id)

    def open_one() -> None:
        with runtime.db.transaction() as session:
            cp.open_one(session=session, keyring=keyring, handover_id=handover_id)

    def cell_list() -> None:
        with runtime.db.transaction() as session:
            found = cp.waiting_for_cell(session=session, keyring=keyring)
        assert [view.id for view in found] == [handover_id]
        assert all(view.case_id is None for view in found)  # the cell learns nothing of the case

    got = tuple(
        _outcome(runtime, act) for act in (record, confirm, on_case_page, open_one, cell_list)
    )
    assert got == expected


def _labels(runtime: Runtime, handover_id: str) -> tuple[tuple[str, int, str], set[str]]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the handover's labels and wraps as stored")
        key_desk = {
            key.id: key.desk_code
            for code in ("FRA", "DEU", "IRQ")
            for key in accounts_service.desk_keys(session=session, desk_code=code)
        }
        row = session.scalars(
            select(ChildProtectionHandover).where(ChildProtectionHandover.id == handover_id)
        ).one()
        return (row.owner_nation, row.classification, row.release), {
            key_desk[wrap.desk_key_id] for wrap in row.wraps
        }


def test_the_handover_follows_its_case(runtime: Runtime, personas: helpers.Personas) -> None:
    fra, deu, coordinator = (
        personas["fra_officer"],
        personas["deu_officer"],
        personas["coordinator"],
    )
    case_id = cw.child(runtime, fra)
    handover_id = cw.record(runtime, fra, case_id)
    cw.confirm(runtime, coordinator, handover_id, cw.happened())
    assert _labels(runtime, handover_id) == (("FRA", 1, ",IRQ,"), {"FRA", "IRQ"})

    def protect(level: int) -> None:
        with runtime.db.transaction() as session:
            case_flows.set_protection(
                session=session,
                principal=helpers.keyring(runtime, fra).principal,
                secrets=runtime.secrets,
                settings=runtime.settings,
                case_id=case_id,
                classification=level,
                release=["DEU"],
                reason="test: who may read changes",
                basis=Basis("legal_obligation", grounds="Synthetic: court order."),
            )

    before = cw.stored(runtime)
    with pytest.raises(BadInput, match="coordination cell, which hands the child over"):
        protect(2)  # above what the cell may be released, while the handover waits
    assert cw.stored(runtime) == before
    protect(1)
    assert _labels(runtime, handover_id) == (("FRA", 1, ",DEU,IRQ,"), {"FRA", "IRQ"})
    with pytest.raises(NotFound):
        cw.of_case(runtime, deu, case_id)  # released to DEU: the handover is still FRA's
    transfer_id = request(runtime, fra, case_id)
    assert _labels(runtime, handover_id)[1] == {"FRA", "DEU", "IRQ"}
    with runtime.db.transaction() as session:
        case_flows.accept_transfer(
            session=session,
            keyring=helpers.keyring(runtime, deu),
            secrets=runtime.secrets,
            transfer_id=transfer_id,
        )
    owner, desks = _labels(runtime, handover_id)
    assert owner[0] == "DEU"
    assert desks == {"DEU", "IRQ"}
    path = cw.of_case(runtime, deu, case_id)
    assert path.current is not None
    assert path.current.sides["cell"].received_by == "Ms. Amal Haddad, case worker"
    assert cw.confirm(runtime, deu, handover_id, cw.happened()) == "confirmed"
    assert cw.stage(runtime, case_id) == "handed_over"
