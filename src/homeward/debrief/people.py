"""The people named in a debrief, and the identity index: "who might this be" for one entry of
a report's People section, and an officer's link from that entry to a person report. A link is
only ever an officer's decision (nothing here links by itself); it carries the report's labels,
roles and caveats, so whoever may not read the report never sees it. The officer must open the
report and see the person report; a nation the report was only released to reads the links,
never makes them (as for identity decisions)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.core.db import utcnow
from homeward.core.errors import Forbidden, NotFound
from homeward.crypto.keys import ServerSecrets
from homeward.debrief import service as debrief
from homeward.debrief.models import DebriefPersonLink, DebriefReport
from homeward.debrief.schemas import Entry
from homeward.identity import search as identity_search
from homeward.identity import service as identity_service
from homeward.identity.models import StoredReport
from homeward.linkage.reports import PersonReport
from homeward.policy import binding, roles
from homeward.policy import check as policy

PEOPLE = "people"
_ARABIC = re.compile(r"[\u0600-\u06ff]")


@dataclass(frozen=True)
class Named:
    report_id: str
    entry: int
    person: Entry


@dataclass(frozen=True)
class LinkView:
    id: str
    entry: int
    person_report_id: str
    decided_by: str
    """The officer's username."""
    decided_at: datetime
    person: identity_service.ReportView | None
    """The person report, when the viewer may see it."""


def named(session: Session, keyring: Keyring, report_id: str, entry: int) -> Named:
    """The entry of a report's People section, for an officer who may read the report and the
    identity index; NotFound as if it did not exist for a report, section or entry out of
    reach (a People section above the officer's clearance included)."""
    principal = keyring.principal
    policy.require_permission(principal, roles.IDENTITY_READ)
    report = debrief.get(session, principal, report_id, roles.DEBRIEF_READ)
    if debrief.levels_of(report).get(PEOPLE, 0) > principal.clearance:
        raise NotFound("person named")
    people = debrief.read_body(session, keyring, report).sections.get(PEOPLE, [])
    if not 0 <= entry < len(people):
        raise NotFound("person named")
    return Named(report.id, entry, people[entry])


def as_person_report(person: Entry) -> PersonReport:
    """What the index is asked: the name as given (a debrief seldom has more)."""
    name = person.name.strip()
    if _ARABIC.search(name):
        return PersonReport(record_id="debrief", name_arabic=name)
    return PersonReport(record_id="debrief", full_name=name)


def candidates(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, report_id: str, entry: int
) -> tuple[Named, identity_search.Candidates]:
    """Who the named person might be, among the person reports the officer may see. Reading
    the entry is a read of the report (audited), the search is audited by identity."""
    principal = keyring.principal
    found = named(session, keyring, report_id, entry)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="debrief:person:search",
        resource_type="debrief_report",
        resource_id=found.report_id,
        nation=principal.nation,
    )
    result = identity_search.who_might_this_be(
        session=session, secrets=secrets, principal=principal, report=as_person_report(found.person)
    )
    return found, result


def _decidable(
    session: Session, keyring: Keyring, report_id: str, entry: int
) -> tuple[Named, DebriefReport]:
    principal = keyring.principal
    policy.require_permission(principal, roles.IDENTITY_DECIDE)
    found = named(session, keyring, report_id, entry)
    report = debrief.get(session, principal, report_id, roles.DEBRIEF_READ)
    if report.owner_nation != principal.nation:
        raise Forbidden("only the nation that owns the report links its people")
    return found, report


def link(
    *, session: Session, keyring: Keyring, report_id: str, entry: int, person_report_id: str
) -> str:
    """Record the officer's decision that the named person is the person report's; the same
    link again is the same record."""
    principal = keyring.principal
    found, report = _decidable(session, keyring, report_id, entry)
    binding.bind(session, principal)
    person = session.get(StoredReport, person_report_id.strip())
    policy.check(principal, roles.IDENTITY_READ, person, "person report")
    assert person is not None  # noqa: S101 - policy.check raised otherwise
    earlier = session.scalar(
        select(DebriefPersonLink).where(
            DebriefPersonLink.report_id == report.id,
            DebriefPersonLink.entry == found.entry,
            DebriefPersonLink.person_report_id == person.id,
        )
    )
    if earlier is not None:
        return earlier.id
    row = DebriefPersonLink(
        report_id=report.id,
        entry=found.entry,
        person_report_id=person.id,
        owner_nation=report.owner_nation,
        classification=report.classification,
        release=report.release,
        reader_roles=report.reader_roles,
        caveats=report.caveats,
        decided_by=principal.officer_id,
        decided_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="debrief:person:link",
        resource_type="debrief_person_link",
        resource_id=row.id,
        nation=report.owner_nation,
    )
    return row.id


def unlink(*, session: Session, keyring: Keyring, report_id: str, link_id: str) -> None:
    """Remove an officer's link (the audit log keeps that it was made and removed)."""
    principal = keyring.principal
    policy.require_permission(principal, roles.IDENTITY_DECIDE)
    binding.bind(session, principal)
    row = session.get(DebriefPersonLink, link_id)
    if row is None or row.report_id != report_id:
        raise NotFound("link")
    _decidable(session, keyring, report_id, row.entry)
    session.delete(row)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="debrief:person:unlink",
        resource_type="debrief_person_link",
        resource_id=link_id,
        nation=row.owner_nation,
    )
    session.flush()


def links(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, report_id: str
) -> list[LinkView]:
    """The links of a report the officer may open (none where its People section is above the
    officer's clearance), each with its person report when the
    officer may see that too (each such read audited by identity)."""
    principal = keyring.principal
    report = debrief.get(session, principal, report_id, roles.DEBRIEF_READ)
    if debrief.levels_of(report).get(PEOPLE, 0) > principal.clearance:
        return []  # the People section is withheld from this reader, and so are its links
    rows = session.scalars(
        select(DebriefPersonLink)
        .where(DebriefPersonLink.report_id == report_id)
        .order_by(DebriefPersonLink.entry, DebriefPersonLink.decided_at)
    ).all()
    identity_reader = roles.may(principal.role, roles.IDENTITY_READ)
    views = []
    for row in rows:
        person = None
        if identity_reader:
            try:
                person = identity_service.get_report(
                    session=session,
                    secrets=secrets,
                    principal=principal,
                    report_id=row.person_report_id,
                )
            except NotFound:
                person = None
        officer = accounts_service.get_officer(session=session, officer_id=row.decided_by)
        views.append(
            LinkView(
                id=row.id,
                entry=row.entry,
                person_report_id=row.person_report_id,
                decided_by=officer.username if officer else "former officer",
                decided_at=row.decided_at,
                person=person,
            )
        )
    return views
