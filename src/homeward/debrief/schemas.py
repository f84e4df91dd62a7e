"""What a debrief is written from and what a reader is shown (no database, no secrets)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from homeward.cases.release_basis import Basis

SECTIONS = ("people", "places", "events", "organisations", "methods")
"""The structured sections every report has (each a list of entries), in this order."""
TITLE_MAX, TEXT_MAX, ENTRY_NAME_MAX, ENTRY_TEXT_MAX, ENTRIES_MAX = 200, 20000, 200, 4000, 200


@dataclass(frozen=True)
class Entry:
    """One person, place, event, organisation or method named in the session. A place needs
    the country it is in (ISO 3166 alpha-2), which is what a STIX location must carry."""

    name: str
    description: str = ""
    country: str = ""


@dataclass
class ReportDraft:
    title: str
    session_on: date
    subject: str
    """The debriefed person as the debriefer names them: only for the owning desk, and for the
    readers and exports of a release that says so (`subject_released`)."""
    sections: dict[str, list[Entry]] = field(default_factory=dict)
    text: str = ""
    classification: int = 1
    release: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    reader_roles: list[str] | None = None
    """None: every role the owner's handling allows."""
    section_levels: dict[str, int] = field(default_factory=dict)
    """Sections stricter than the report: readers below the level do not see them."""
    subject_released: bool = False
    basis: Basis | None = None
    """Required when `release` names a nation: the lawful basis of the disclosure."""


@dataclass
class Sanitising:
    """A new report from a source: lower or equal level, equal or wider release, at least one of
    the two looser. Sections above the new level are left out; `text` replaces the free text
    when given; `drop` names sections to leave out as well."""

    classification: int
    release: list[str]
    reason: str
    caveats: list[str] | None = None
    """None: the source's caveats."""
    drop: list[str] = field(default_factory=list)
    text: str | None = None
    subject_released: bool = False
    basis: Basis | None = None


@dataclass(frozen=True)
class ReportSummary:
    """What a list shows: the labels and who/when, never the body."""

    id: str
    case_id: str | None
    """None for a reader of another nation unless the release says the subject goes with it."""
    title: str
    session_on: date
    debriefer: str
    owner_nation: str
    classification: int
    release: list[str]
    caveats: list[str]
    reader_roles: list[str]
    origin: str
    source_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReleaseView:
    action: str
    nations: list[str]
    basis_kind: str | None
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class OpenedReport:
    summary: ReportSummary
    subject: str | None
    sections: dict[str, list[Entry]]
    section_levels: dict[str, int]
    text: str
    withheld: list[str]
    """Sections above this reader's clearance, left out (named, so the reader knows)."""
    releases: list[ReleaseView]
    """The release decisions (owning desk only; empty for other readers)."""
