"""What a child's handover to child protection says beyond yes or no is never in clear at rest:
unique markers go into the organisation, its contact and place, and each side's word (who
received the child, a note, a disputed no and its revision); then every file under the data
directory, a PostgreSQL dump and everything logged are searched for them, in UTF-8, hex and
UTF-16. The desk reads them back in clear first, so the markers really went in. Both engines."""

from __future__ import annotations

from pathlib import Path

from homeward.core.runtime import Runtime
from tests import helpers, sentinel
from tests.households import child_protection_world as cw


def test_no_child_protection_detail_is_stored_or_logged_in_clear(
    runtime: Runtime, personas: helpers.Personas, captured_log: Path
) -> None:
    m = {
        name: sentinel.marker(name)
        for name in ("organisation", "contact", "place", "received", "cell-note", "no-note",
                     "desk-note")
    }  # fmt: skip
    fra, coordinator = personas["fra_officer"], personas["coordinator"]
    case_id = cw.child(runtime, fra)
    details = cw.organisation(m["organisation"], contact=m["contact"], place=m["place"])
    handover_id = cw.record(runtime, fra, case_id, details)
    cw.confirm(runtime, coordinator, handover_id,
               cw.happened(received_by=m["received"], note=m["cell-note"]))  # fmt: skip
    cw.confirm(runtime, fra, handover_id, cw.did_not(m["no-note"]))
    cw.confirm(
        runtime, fra, handover_id, cw.happened(received_by=m["received"], note=m["desk-note"])
    )

    view = cw.of_case(runtime, fra, case_id).current
    assert view is not None
    assert (view.organisation, view.contact, view.place) == (
        m["organisation"],
        m["contact"],
        m["place"],
    )
    assert view.sides["cell"].note == m["cell-note"]
    assert view.sides["desk"].note == m["desk-note"]
    assert view.sides["desk"].received_by == m["received"]

    found = sentinel.found_at_rest(
        runtime,
        list(m.values()),
        captured_log,
        "child_protection_handover",
        "child_protection_confirmation",
    )
    assert found == {}
