"""Households in the demo world, for the accessibility scan (tests/web/test_accessibility.py): a
FRA child's case with a best-interests assessment, and the demo's child whose handover to child
protection waits for the cell (its handover page). Returns, for each demo officer, the pages to
scan as that officer (the crawl reaches the case's household card, not an opened assessment)."""

from __future__ import annotations

from sqlalchemy import select

from homeward.core.runtime import Runtime
from homeward.households.child_protection_models import PENDING, ChildProtectionHandover
from homeward.households.models import BestInterests
from homeward.policy import binding
from tests.households import world
from tests.screening.a11y_pages import _persona


def pages(runtime: Runtime, credentials: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    fra = _persona(runtime, credentials, "fra.officer")
    assessment_id = world.child_assessment(runtime, fra)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: the assessment's case")
        case_id = session.scalar(
            select(BestInterests.case_id).where(BestInterests.id == assessment_id)
        )
        waiting = session.scalar(
            select(ChildProtectionHandover.case_id).where(ChildProtectionHandover.state == PENDING)
        )
    return {
        "fra.officer": [
            (
                "best-interests",
                f"/officer/cases/{case_id}/household/best-interests/{assessment_id}",
            ),
            ("child-protection", f"/officer/cases/{waiting}/child-protection"),
        ],
    }
