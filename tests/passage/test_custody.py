"""The custody chain: from the handover on, each change of who holds the person is one entry
that starts exactly where the last link ended, in time and holder (the first link is the
receiving unit's word); a gap, an overlap or a holder from nowhere is refused with the gap named
and nothing stored. `in_custody` needs the first entry, `repatriated` an arrival confirmed by
the home nation's desk. Only the owning desk writes and opens the chain. Both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from homeward.audit.models import AuditEvent
from homeward.cases.models import Case
from homeward.core.errors import BadInput, NotFound
from homeward.core.runtime import Runtime
from homeward.passage import custody
from homeward.passage.custody_models import CustodyEntry
from homeward.policy import binding
from tests import helpers
from tests.passage import handover_world as hw


def _move(runtime: Runtime, persona: helpers.Persona, case_id: str, to: str) -> None:
    keyring = helpers.keyring(runtime, persona)
    step = custody.enter_custody if to == "in_custody" else custody.repatriate
    with runtime.db.transaction() as session:
        step(session=session, keyring=keyring, secrets=runtime.secrets, case_id=case_id)


def test_the_whole_chain_to_arrival_and_home(runtime: Runtime, personas: helpers.Personas) -> None:
    fra = personas["fra_officer"]
    r = hw.handed_over(runtime, personas)
    with pytest.raises(custody.CustodyRefused, match="first entry"):
        _move(runtime, fra, r.case_id, "in_custody")
    hw.record(runtime, fra, r, hw.entry(r))  # open: he is held there now
    _move(runtime, fra, r.case_id, "in_custody")
    assert hw.stage(runtime, r.case_id) == "in_custody"
    handed = r.at + timedelta(days=1)
    hw.record(runtime, fra, r, hw.entry(r, kind="home_nation_officers", held_by="DGSI team",
              received_from="Screening facility 2", starts_at=handed, ends_at=handed
              + timedelta(hours=5)))  # fmt: skip
    with pytest.raises(custody.CustodyRefused, match="arrival confirmed"):
        _move(runtime, fra, r.case_id, "repatriated")
    flight = handed + timedelta(hours=5)
    hw.record(runtime, fra, r, hw.entry(r, kind="journey_home", held_by="DGSI escort",
              received_from="DGSI team", starts_at=flight, ends_at=flight
              + timedelta(hours=6), place="Erbil airport"))  # fmt: skip
    hw.record(runtime, fra, r, hw.entry(r, kind="arrival", held_by="DGSI Paris",
              received_from="DGSI escort", starts_at=flight + timedelta(hours=6),
              place="Paris"))  # fmt: skip
    with pytest.raises(custody.CustodyRefused, match="ended with the arrival"):
        hw.record(runtime, fra, r, hw.entry(r, received_from="DGSI Paris",
                  starts_at=flight + timedelta(hours=7)))  # fmt: skip
    _move(runtime, fra, r.case_id, "repatriated")
    assert hw.stage(runtime, r.case_id) == "repatriated"
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        chain = custody.open_chain(session=session, keyring=keyring, case_id=r.case_id)
    assert [e.kind for e in chain.entries] == [
        "screening_facility", "home_nation_officers", "journey_home", "arrival"
    ]  # fmt: skip
    assert chain.entries[0].ends_at == handed  # closed by the next link's start
    assert chain.ended
    assert chain.handover is not None
    assert chain.handover.holder == hw.UNIT
    kinds = hw.event_kinds(runtime, r.case_id)
    assert kinds.count("passage:custody:record") == 4
    assert kinds.count("case:stage:change") == 3
    with pytest.raises(custody.CustodyRefused, match="until the person is home"):
        hw.record(runtime, fra, r, hw.entry(r, received_from="DGSI Paris",
                  starts_at=flight + timedelta(hours=7)))  # fmt: skip


def _chain_of_one_closed(runtime: Runtime, personas: helpers.Personas) -> hw.Ready:
    r = hw.handed_over(runtime, personas)
    hw.record(runtime, personas["fra_officer"], r, hw.entry(r, ends_at=r.at + timedelta(hours=20)))
    return r


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("later", "starts_at", "would have a gap: entry 1 ends at"),
        ("earlier", "starts_at", "would overlap: entry 1 ends at"),
        ("holder", "received_from", "would have a gap: after entry 1 he is held by"),
        ("kind", "kind", "one of"),
        ("coordinates", "place", "never coordinates"),
        ("no reason", "reason", "empty"),
        ("future", "starts_at", "in the future"),
    ],
)
def test_a_broken_chain_is_refused_with_the_gap_named_and_nothing_stored(
    runtime: Runtime, personas: helpers.Personas, change: str, field: str, message: str
) -> None:
    r = _chain_of_one_closed(runtime, personas)
    end = r.at + timedelta(hours=20)
    data = hw.entry(r, kind="home_nation_officers", held_by="DGSI team",
                    received_from="Screening facility 2", starts_at=end)  # fmt: skip
    if change == "later":
        data.starts_at = end + timedelta(hours=2)
    elif change == "earlier":
        data.starts_at = end - timedelta(hours=2)
    elif change == "holder":
        data.received_from = "Some other unit"
    elif change == "kind":
        data.kind = "holiday"
    elif change == "coordinates":
        data.place = "36.3489, 43.1577"
    elif change == "no reason":
        data.reason = " "
    else:
        data.starts_at = end + timedelta(days=30)
    before = hw.stored(runtime, r.case_id)
    with pytest.raises(BadInput, match=message) as refused:
        hw.record(runtime, personas["fra_officer"], r, data)
    assert refused.value.field == field
    assert hw.stored(runtime, r.case_id) == before


def test_the_first_entry_starts_at_the_handover_with_the_unit_that_received(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    r = hw.handed_over(runtime, personas)
    fra = personas["fra_officer"]
    before = hw.stored(runtime, r.case_id)
    with pytest.raises(custody.CustodyRefused, match="gap: the handover ends at"):
        hw.record(runtime, fra, r, hw.entry(r, starts_at=r.at + timedelta(minutes=1)))
    with pytest.raises(custody.CustodyRefused, match="after the handover he is held by"):
        hw.record(runtime, fra, r, hw.entry(r, received_from="Somebody else"))
    assert hw.stored(runtime, r.case_id) == before
    hw.record(runtime, fra, r, hw.entry(r, received_from="  reception UNIT 4 "))
    assert hw.stored(runtime, r.case_id).entries == before.entries + 1


def test_an_open_link_is_closed_by_the_next_and_never_overlapped(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    r = hw.handed_over(runtime, personas)
    fra = personas["fra_officer"]
    hw.record(runtime, fra, r, hw.entry(r))
    before = hw.stored(runtime, r.case_id)
    assert before.open_entries == 1
    with pytest.raises(custody.CustodyRefused, match="must start after it"):
        hw.record(runtime, fra, r, hw.entry(r, received_from="Screening facility 2"))
    assert hw.stored(runtime, r.case_id) == before


def test_no_chain_before_both_sides_confirmed(runtime: Runtime, personas: helpers.Personas) -> None:
    r = hw.ready(runtime, personas)
    hw.confirm(runtime, personas["coordinator"], r, hw.happened(r))
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: a case moved by hand past the guard")
        session.execute(update(Case).where(Case.id == r.case_id).values(stage="handed_over"))
    before = hw.stored(runtime, r.case_id)
    with pytest.raises(BadInput, match="both sides confirmed"):
        hw.record(runtime, personas["fra_officer"], r, hw.entry(r))
    assert hw.stored(runtime, r.case_id) == before


def test_an_arrival_counts_only_confirmed_by_the_home_desk(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    r = hw.handed_over(runtime, personas)
    hw.record(runtime, fra, r, hw.entry(r))
    _move(runtime, fra, r.case_id, "in_custody")
    hw.record(runtime, fra, r, hw.entry(r, kind="arrival", held_by="DGSI Paris",
              received_from="Screening facility 2", starts_at=r.at + timedelta(days=1),
              place="Paris"))  # fmt: skip
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: an arrival another nation confirmed")
        session.execute(update(CustodyEntry).values(confirmed_nation="IRQ"))
    with pytest.raises(custody.CustodyRefused, match="home nation's desk"):
        _move(runtime, fra, r.case_id, "repatriated")
    assert hw.stage(runtime, r.case_id) == "in_custody"


def test_only_the_owning_desk_writes_and_opens_the_chain(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    """A nation the case is released to sees the entries' rows (the binding lets it) but
    neither opens nor extends the chain; the cell, which handed him over, reads none of it."""
    r = hw.handed_over(runtime, personas, release=("DEU",))
    hw.record(runtime, personas["fra_officer"], r, hw.entry(r))
    for persona in (personas["deu_officer"], personas["coordinator"]):
        keyring = helpers.keyring(runtime, persona)
        with runtime.db.transaction() as session, pytest.raises(NotFound):
            custody.open_chain(session=session, keyring=keyring, case_id=r.case_id)
    for persona in (personas["deu_officer"],):
        with pytest.raises(NotFound):
            hw.record(runtime, persona, r, hw.entry(r, received_from="Screening facility 2",
                      starts_at=r.at + timedelta(hours=1)))  # fmt: skip
    seen = {}
    for name in ("deu_officer", "coordinator", "fra_officer"):
        with runtime.db.transaction() as session:
            binding.bind(session, helpers.keyring(runtime, personas[name]).principal)
            seen[name] = len(session.scalars(select(CustodyEntry)).all())
    assert seen == {"deu_officer": 1, "coordinator": 0, "fra_officer": 1}
    keyring = helpers.keyring(runtime, personas["fra_officer"])
    with runtime.db.transaction() as session:
        custody.open_chain(session=session, keyring=keyring, case_id=r.case_id)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the reads left in the audit log")
        reads = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "passage:custody:read")
        ).all()
    assert reads == [keyring.principal.audit_name]
