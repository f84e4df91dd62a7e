"""A case's age band for programme figures (`Case.age_band`) follows an officer's age estimate
where the case has no date of birth, grown back to the case's opening."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from homeward.cases.models import Case
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.policy import binding
from tests import helpers
from tests.households import world


def _band(runtime: Runtime, case_id: str) -> str:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the case's age band")
        case = session.get(Case, case_id)
        assert case is not None
        return case.age_band


def test_an_age_estimate_sets_the_age_band_at_opening(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    young, grown, opened_long_ago = (world.open_case(runtime, fra, born="") for _ in range(3))
    assert _band(runtime, young) == ""  # no date of birth, no estimate: not known
    world.estimate(runtime, fra, young, 15)
    assert _band(runtime, young) == "child"
    world.estimate(runtime, fra, grown, 30)
    assert _band(runtime, grown) == "adult"
    # Opened two years ago and 19 now: 17 at the opening, a child in the figures.
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: a case opened two years ago")
        session.execute(
            update(Case)
            .where(Case.id == opened_long_ago)
            .values(created_at=utcnow() - timedelta(days=2 * 365 + 2))
        )
    world.estimate(runtime, fra, opened_long_ago, 19)
    assert _band(runtime, opened_long_ago) == "child"
    # A later estimate moves it again.
    world.estimate(runtime, fra, young, 40)
    assert _band(runtime, young) == "adult"
