"""Two officers of the owning desk appending the next link to one custody chain at the same
moment: exactly one link is stored, the other officer is refused in words (the chain moved on
under them; never an IntegrityError or a 500), the chain stays continuous, and the case events
and the audit log show one append. Round after round, on SQLite and on PostgreSQL.

Each officer has a connection of their own (a `Database` each, as two server processes would),
released together by a barrier inside their transactions: on SQLite they meet at the file's
write lock, on PostgreSQL at the case row's lock that `custody.record` takes before reading the
chain; `custody_entry`'s unique (case_id, position) is the last guard behind both."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.audit.models import AuditEvent
from homeward.cases.models import CaseEvent
from homeward.core.db import Database
from homeward.core.runtime import Runtime
from homeward.passage import custody
from homeward.policy import binding
from tests import helpers
from tests.passage import handover_world as hw

ROUNDS = 20
LINK = timedelta(minutes=10)
RECORDED = "passage:custody:record"


@dataclass
class Outcome:
    won: list[str] = field(default_factory=list)
    refused: list[custody.CustodyRefused] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def _race(
    connections: list[Database],
    keyrings: list[Keyring],
    runtime: Runtime,
    r: hw.Ready,
    links: list[custody.CustodyData],
) -> Outcome:
    """Each officer appends their link in a transaction of their own, all released at once."""
    barrier = threading.Barrier(len(links))
    outcome = Outcome()

    def racer(number: int) -> None:
        try:
            with connections[number].transaction() as session:
                barrier.wait(timeout=30)
                custody.record(
                    session=session,
                    keyring=keyrings[number],
                    secrets=runtime.secrets,
                    case_id=r.case_id,
                    data=links[number],
                    now=r.now + timedelta(days=3),
                )
            outcome.won.append(links[number].held_by)
        except custody.CustodyRefused as exc:
            outcome.refused.append(exc)
        except BaseException as exc:  # reported by the test, not swallowed
            outcome.errors.append(exc)

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(len(links))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcome


def _link(r: hw.Ready, holder: str, received_from: str, starts_at: datetime) -> custody.CustodyData:
    return hw.entry(
        r,
        held_by=holder,
        received_from=received_from,
        starts_at=starts_at,
        ends_at=starts_at + LINK,
        reason="Moved to another cell of the facility",
    )


def _appends(runtime: Runtime, case_id: str) -> tuple[int, int]:
    """(case events, audit entries) recording a custody link of the case."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the appends the race left")
        events = session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == RECORDED)
        )
        audited = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.resource_id == case_id, AuditEvent.action == RECORDED)
        )
    return events or 0, audited or 0


def test_two_officers_appending_at_once_store_one_link(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    r = hw.handed_over(runtime, personas)
    officers = [personas["fra_officer"], personas["fra_supervisor"]]
    keyrings = [helpers.keyring(runtime, persona) for persona in officers]
    with runtime.db.transaction() as session:
        # As the officer's next sign-in would: the supervisor gets the desk's key.
        accounts_service.grant_pending_keys(session=session, keyring=keyrings[0])
    connections = [Database(runtime.db.url) for _ in officers]
    holder, starts_at = hw.UNIT, r.at
    attempts = winners = refused = 0
    errors: list[BaseException] = []
    try:
        for round_number in range(ROUNDS):
            # Both read the same chain: the next link starts where the last one ended.
            links = [
                _link(r, f"Facility {round_number} unit {side}", holder, starts_at)
                for side in ("A", "B")
            ]
            outcome = _race(connections, keyrings, runtime, r, links)
            attempts += len(links)
            winners += len(outcome.won)
            refused += len(outcome.refused)
            errors += outcome.errors
            assert (len(outcome.won), len(outcome.refused), outcome.errors) == (1, 1, []), (
                f"round {round_number}: {outcome}"
            )
            loser = outcome.refused[0]
            assert loser.field == "starts_at"
            assert f"the chain would overlap: entry {round_number + 1} ends at" in str(loser)
            assert _appends(runtime, r.case_id) == (round_number + 1, round_number + 1)
            holder, starts_at = outcome.won[0], starts_at + LINK
    finally:
        for connection in connections:
            connection.dispose()
    assert (attempts, winners, refused, errors) == (2 * ROUNDS, ROUNDS, ROUNDS, [])

    with runtime.db.transaction() as session:
        chain = custody.open_chain(session=session, keyring=keyrings[0], case_id=r.case_id)
    assert [entry.position for entry in chain.entries] == list(range(1, ROUNDS + 1))
    previous_holder, previous_end = hw.UNIT, r.at
    for entry in chain.entries:
        assert (entry.received_from, entry.starts_at) == (previous_holder, previous_end)
        assert entry.ends_at is not None  # every link was given its end
        previous_holder, previous_end = entry.held_by, entry.ends_at
    assert {entry.confirmed_by for entry in chain.entries} <= {o.username for o in officers}
    assert hw.stored(runtime, r.case_id).entries == ROUNDS
