"""Screening in the demo world, for the accessibility scan (tests/web/test_accessibility.py):
the demo's assessment waiting for review and its reviewed one, plus a draft the desk officer is
still writing. Returns, for each demo officer, the screening pages to scan as that officer (the
crawl reaches one page per route, and not always the draft, the review form or the decision)."""

from __future__ import annotations

from sqlalchemy import select

from homeward.accounts import service as accounts_service
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.policy.roles import Role
from homeward.screening.models import REVIEWED, SUBMITTED, ScreeningAssessment
from tests import helpers
from tests.screening import world


def _persona(runtime: Runtime, credentials: dict[str, str], username: str) -> helpers.Persona:
    with runtime.db.transaction() as session:
        officer = accounts_service.find_officer(session=session, username=username)
        assert officer is not None, username
        return helpers.Persona(
            username, username, credentials[username], Role(officer.role), officer.nation,
            officer.id,
        )  # fmt: skip


def _demo(runtime: Runtime, state: str) -> ScreeningAssessment:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: the demo's assessments")
        found = session.scalars(
            select(ScreeningAssessment).where(
                ScreeningAssessment.owner_nation == "FRA", ScreeningAssessment.state == state
            )
        ).first()
        assert found is not None, state
        session.expunge(found)
        return found


def pages(runtime: Runtime, credentials: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    submitted, reviewed = _demo(runtime, SUBMITTED), _demo(runtime, REVIEWED)
    fra = _persona(runtime, credentials, "fra.officer")
    draft = world.write(
        runtime, fra, submitted.case_id, {"joining_account": "Synthetic draft"}, submit=False
    )
    return {
        "fra.officer": [
            ("screening-new", f"/officer/screening/cases/{submitted.case_id}/new"),
            ("screening-draft", f"/officer/screening/{draft}"),
            ("screening-submitted", f"/officer/screening/{submitted.id}"),
            ("screening-reviewed", f"/officer/screening/{reviewed.id}"),
        ],
        "fra.supervisor": [
            ("screening-to-review", f"/officer/screening/{submitted.id}"),
            ("screening-decided", f"/officer/screening/{reviewed.id}"),
        ],
    }
