"""Browsing the reports an officer may see: newest first, a page at a time, or searched freely
(any word of any field). Reports are sealed, so a search opens them in process, the newest
first and at most `SEARCH_SCAN_MAX` of them; the page says when it stopped short. Both are
one audit entry each, naming how many reports were shown."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from homeward.core.errors import BadInput
from homeward.crypto.keys import ServerSecrets
from homeward.identity import index
from homeward.identity.models import StoredReport
from homeward.identity.service import ReportView, record_audit, view_of
from homeward.linkage.reports import PersonReport
from homeward.policy import binding, roles
from homeward.policy import check as policy

PAGE_SIZE = 25
SEARCH_MAX_CHARS = 200
SEARCH_SCAN_MAX = 5000
BATCH = 500


@dataclass(frozen=True)
class ReportPage:
    rows: list[ReportView]
    total: int
    """Reports this officer may see (browsing), or matches among those scanned (searching)."""
    page: int
    pages: int
    scanned_all: bool
    """False when a search stopped at `SEARCH_SCAN_MAX` reports: older ones were not opened."""


def _folded(text: str) -> str:
    """Case and accents folded, so that "benali" finds "BEN ALI" and "Benâli"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _text_of(report: PersonReport) -> str:
    values = [str(value) for value in report.as_row().values() if value]
    return _folded(" ".join(values))


def _matches(report: PersonReport, words: list[str]) -> bool:
    text = _text_of(report)
    squeezed = text.replace(" ", "")
    return all(word in text or word in squeezed for word in words)


def list_reports(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    search: str = "",
    page: int = 1,
) -> ReportPage:
    """A page of the reports this officer may see (the binding filters every query), or of
    those whose fields hold every word of `search`."""
    policy.require_permission(principal, roles.IDENTITY_READ)
    if page < 1:
        raise BadInput("page", "must be 1 or more")
    if len(search) > SEARCH_MAX_CHARS:
        raise BadInput("q", f"search for at most {SEARCH_MAX_CHARS} characters")
    binding.bind(session, principal)
    keys = index.Keys.of(secrets)
    newest = select(StoredReport).order_by(StoredReport.created_at.desc(), StoredReport.id)
    words = _folded(search).split()
    if not words:
        total = int(session.scalar(select(func.count(StoredReport.id))) or 0)
        rows = session.scalars(newest.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
        shown = [view_of(keys, row) for row in rows]
        scanned_all = True
    else:
        found: list[ReportView] = []
        scanned, scanned_all = 0, False
        while not scanned_all and scanned < SEARCH_SCAN_MAX:
            batch = list(session.scalars(newest.limit(BATCH).offset(scanned)))
            scanned += len(batch)
            scanned_all = len(batch) < BATCH
            views = (view_of(keys, row) for row in batch)
            found.extend(view for view in views if _matches(view.report, words))
        total = len(found)
        shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    record_audit(
        session, principal, "identity:report:list", "person_report_list", f"{len(shown)} shown"
    )
    return ReportPage(
        rows=shown,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        scanned_all=scanned_all,
    )
