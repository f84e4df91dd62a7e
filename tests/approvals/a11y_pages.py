"""Approvals in the demo world, for the accessibility scan (tests/web/test_accessibility.py):
two FRA cases brought home (set directly), one with a close request waiting and one whose
request the supervisor rejected. Returns, for each demo officer, the approval pages to scan as
that officer (the crawl reaches the queue, not a form for a case at this stage)."""

from __future__ import annotations

from homeward.core.runtime import Runtime
from tests.approvals import world
from tests.screening.a11y_pages import _persona


def pages(runtime: Runtime, credentials: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    fra = _persona(runtime, credentials, "fra.officer")
    supervisor = _persona(runtime, credentials, "fra.supervisor")
    waiting_case = world.repatriated_case(runtime, fra, family="Mansour")
    rejected_case = world.repatriated_case(runtime, fra, family="Toumi")
    waiting = world.ask(runtime, fra, waiting_case)
    rejected = world.ask(runtime, fra, rejected_case)
    world.decide(runtime, supervisor, rejected, approve=False, comment="The court date is set.")
    return {
        "fra.officer": [
            ("approval-ask", f"/officer/cases/{rejected_case}/close-request"),
            ("approval-waiting", f"/officer/approvals/{waiting}"),
            ("approval-case", f"/officer/cases/{waiting_case}"),
        ],
        "fra.supervisor": [
            ("approval-queue", "/officer/approvals"),
            ("approval-to-decide", f"/officer/approvals/{waiting}"),
            ("approval-rejected", f"/officer/approvals/{rejected}"),
        ],
    }
