"""Debriefs in the demo world, for the accessibility scan (tests/web/test_accessibility.py): a
report the FRA supervisor writes on a case of the demo's FRA desk (its methods at SECRET) and a
sanitised copy of it. Returns, for each demo officer, the debrief pages to scan as that officer
(the crawl reaches the case's Debriefs card and one report, not the write form's every state)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from homeward.cases.models import Case
from homeward.core.runtime import Runtime
from homeward.debrief import service as debrief
from homeward.debrief.schemas import Entry, ReportDraft, Sanitising
from homeward.policy import binding
from tests import helpers
from tests.screening.a11y_pages import _persona


def pages(runtime: Runtime, credentials: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    supervisor = _persona(runtime, credentials, "fra.supervisor")
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: a FRA case of the demo")
        case_id = session.scalars(
            select(Case.id).where(Case.owner_nation == "FRA").order_by(Case.id)
        ).first()
    assert case_id is not None
    keyring = helpers.keyring(runtime, supervisor)
    with runtime.db.transaction() as session:
        report = debrief.write(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            draft=ReportDraft(
                title="Synthetic session: the northern route",
                session_on=date(2026, 11, 30),
                subject="Synthetic subject",
                sections={
                    "people": [Entry("Abu Mariam", "Recruiter (synthetic)")],
                    "places": [Entry("Safe house", "By the river", "SY")],
                    "methods": [Entry("Courier letters", "By hand")],
                },
                text="Synthetic free text.",
                classification=2,
                section_levels={"methods": 3},
            ),
        )
        copy = debrief.sanitise(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report.id,
            data=Sanitising(classification=1, release=[], reason="Synthetic: for the desk"),
        )
        report_id, copy_id = report.id, copy.id
    return {
        "fra.supervisor": [
            ("debrief-new", f"/officer/debrief/cases/{case_id}/new"),
            ("debrief-import", f"/officer/debrief/cases/{case_id}/import"),
            ("debrief-report", f"/officer/debrief/{report_id}"),
            ("debrief-sanitised", f"/officer/debrief/{copy_id}"),
            ("debrief-people", f"/officer/debrief/{report_id}/people/0"),
        ],
        "fra.officer": [("debrief-reader", f"/officer/debrief/{report_id}")],
    }
