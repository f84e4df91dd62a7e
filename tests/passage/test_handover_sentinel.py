"""What each side says of a handover and every custody entry are never in clear at rest: unique
markers go into each side's word (who received, a note, a disputed no and its revision), into
every sealed field of custody entries and into a refused entry's holder; then every file under
the data directory, a PostgreSQL dump and everything logged are searched for them, in UTF-8,
hex and UTF-16. The desk reads them back in clear, so the markers really went in. Both
engines."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from homeward.core.errors import BadInput
from homeward.core.runtime import Runtime
from homeward.passage import custody, handovers
from tests import helpers, sentinel
from tests.passage import handover_world as hw


def test_no_handover_or_custody_detail_is_stored_or_logged_in_clear(
    runtime: Runtime, personas: helpers.Personas, captured_log: Path
) -> None:
    m = {
        name: sentinel.marker(name)
        for name in (
            "received", "cell-note", "no-note", "desk-note", "held", "place", "reason",
            "refused-from", "held2",
        )
    }  # fmt: skip
    fra = personas["fra_officer"]
    r = hw.ready(runtime, personas)
    hw.confirm(runtime, personas["coordinator"], r,
               hw.happened(r, received_by=m["received"], note=m["cell-note"]))  # fmt: skip
    hw.confirm(runtime, fra, r, hw.did_not(m["no-note"]))
    hw.confirm(runtime, fra, r, hw.happened(r, received_by=m["received"], note=m["desk-note"]))
    first = hw.entry(r, held_by=m["held"], received_from=m["received"], place=m["place"],
                     reason=m["reason"], ends_at=r.at + timedelta(hours=3))  # fmt: skip
    hw.record(runtime, fra, r, first)
    with pytest.raises(BadInput, match="gap"):
        hw.record(runtime, fra, r, hw.entry(r, held_by=m["held2"], received_from=m["refused-from"],
                  starts_at=r.at + timedelta(hours=3)))  # fmt: skip
    home = r.at + timedelta(hours=3)
    arrival = hw.entry(r, kind="arrival", held_by=m["held2"], received_from=m["held"],
                       starts_at=home, place="Paris")  # fmt: skip
    hw.record(runtime, fra, r, arrival)

    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        view = handovers.open_handover(session=session, keyring=keyring, plan_id=r.plan_id)
        chain = custody.open_chain(session=session, keyring=keyring, case_id=r.case_id)
    assert view.sides["cell"].note == m["cell-note"]
    assert view.sides["desk"].note == m["desk-note"]
    assert [e.held_by for e in chain.entries] == [m["held"], m["held2"]]
    assert chain.entries[0].reason == m["reason"]

    markers = list(m.values())
    found = sentinel.found_at_rest(
        runtime, markers, captured_log, "custody_entry", "handover_confirmation"
    )
    assert found == {}
