"""Writing, listing, opening and sanitising debrief reports: the only code that creates them
(releases.py changes who reads them; stix.py exchanges them through `store`).

Every query over reports goes through the policy binding, which attaches the compartment rule
(level, nation or release, role, every caveat) as SQL; opening checks the same rule in Python
and is an audit entry. The body is sealed under a fresh content key to the debrief
compartment key of the owner and of each released nation, so the server alone cannot read it,
and neither can an officer who holds the desk key but whose role reads no debriefs.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts import service as accounts_service
from homeward.accounts.service import Keyring
from homeward.audit import service as audit
from homeward.cases import release_basis
from homeward.cases import service as case_service
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.settings import Settings
from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.debrief import handling as handlings
from homeward.debrief.models import (
    IMPORTED,
    SANITISED,
    WIDEN,
    WRITTEN,
    DebriefRelease,
    DebriefReport,
    DebriefReportWrap,
)
from homeward.debrief.schemas import (
    ENTRIES_MAX,
    ENTRY_NAME_MAX,
    ENTRY_TEXT_MAX,
    SECTIONS,
    TEXT_MAX,
    TITLE_MAX,
    Entry,
    OpenedReport,
    ReleaseView,
    ReportDraft,
    ReportSummary,
    Sanitising,
)
from homeward.policy import binding, compartments, protection, roles
from homeward.policy import check as policy
from homeward.policy.labels import Classification, decode_release

REASON_MAX = 2000
PAGE_MAX = 500
"""The most reports one list answers; the next page by `offset`."""


@dataclass(frozen=True)
class Labels:
    """A report's labels as checked: encoded for the columns."""

    classification: int
    release: str
    caveats: str
    reader_roles: str
    section_levels: dict[str, int]


@dataclass(frozen=True)
class Body:
    subject: str
    sections: dict[str, list[Entry]]
    text: str

    def dumps(self) -> bytes:
        return json.dumps(
            {
                "subject": self.subject,
                "sections": {
                    name: [vars(entry) for entry in entries]
                    for name, entries in self.sections.items()
                },
                "text": self.text,
            },
            ensure_ascii=False,
        ).encode()

    @staticmethod
    def loads(raw: bytes) -> Body:
        data = json.loads(raw)
        return Body(
            subject=data["subject"],
            sections={
                name: [Entry(**entry) for entry in entries]
                for name, entries in data["sections"].items()
            },
            text=data["text"],
        )


def clean_text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise BadInput(field, "required")
    if len(cleaned) > limit:
        raise BadInput(field, f"longer than {limit} characters")
    return cleaned


def checked_sections(sections: Mapping[str, list[Entry]]) -> dict[str, list[Entry]]:
    """Every section present (empty when none), each entry trimmed and bounded."""
    for name in sections:
        if name not in SECTIONS:
            raise BadInput("sections", f"{name!r} is not a section ({', '.join(SECTIONS)})")
    checked: dict[str, list[Entry]] = {}
    for name in SECTIONS:
        entries = list(sections.get(name, []))
        if len(entries) > ENTRIES_MAX:
            raise BadInput(f"sections.{name}", f"at most {ENTRIES_MAX} entries")
        kept = []
        for index, entry in enumerate(entries):
            where = f"sections.{name}[{index}]"
            country = entry.country.strip().upper()
            if name == "places" and (len(country) != 2 or not country.isalpha()):
                raise BadInput(f"{where}.country", "the place's country as two letters (IQ, SY)")
            kept.append(
                Entry(
                    name=clean_text(entry.name, f"{where}.name", ENTRY_NAME_MAX, required=True),
                    description=clean_text(
                        entry.description, f"{where}.description", ENTRY_TEXT_MAX
                    ),
                    country=country if name == "places" else "",
                )
            )
        checked[name] = kept
    return checked


def check_labels(
    *,
    session: Session,
    settings: Settings,
    principal: policy.Principal,
    owner: str,
    classification: int,
    release: list[str],
    caveats: list[str],
    reader_roles: list[str] | None,
    section_levels: Mapping[str, int],
) -> Labels:
    """The owner's rule (the case protection rule: floor, the officer's own clearance, coalition
    nations only, the cell only at low levels), then the programme's handling words: caveats it
    defines and the officer holds, roles the owner may open reports to (the officer's own among
    them), sections only ever stricter than the report and within the officer's clearance."""
    encoded = protection.check_protection(
        settings=settings,
        principal=principal,
        desks=accounts_service.coalition(session=session),
        owner=owner,
        classification=classification,
        release=release,
    )
    words = handlings.load(settings.data_dir)
    cleaned = {caveat.strip().upper() for caveat in caveats if caveat.strip()}
    for caveat in sorted(cleaned):
        if caveat not in words.caveats:
            raise BadInput("caveats", f"{caveat} is not a handling caveat of the programme")
        if caveat not in principal.caveats:
            raise BadInput("caveats", f"you do not hold {caveat}, so you could not read it")
    allowed = words.roles_for(owner)
    chosen = set(allowed) if reader_roles is None else {r.strip().lower() for r in reader_roles}
    for role in sorted(chosen):
        if role not in allowed:
            raise BadInput("reader_roles", f"{owner} does not open debriefs to {role}")
    if principal.role.value not in chosen:
        raise BadInput("reader_roles", f"include your own role ({principal.role.value})")
    levels: dict[str, int] = {}
    for name, level in section_levels.items():
        if name not in SECTIONS:
            raise BadInput("section_levels", f"{name!r} is not a section")
        if level not in {int(c) for c in Classification} or level > principal.clearance:
            raise BadInput(f"section_levels.{name}", "unknown level, or above your clearance")
        if level > classification:
            levels[name] = level
    return Labels(
        classification=classification,
        release=encoded,
        caveats=compartments.encode(cleaned),
        reader_roles=compartments.encode_roles(chosen),
        section_levels=levels,
    )


def seal_to(
    session: Session, actor: str, report: DebriefReport, content_key: bytes, nations: list[str]
) -> list[DebriefReportWrap]:
    """The content key sealed to the current compartment key of each nation; a nation with no
    officer who reads debriefs (so no compartment key) is refused by name."""
    keys = accounts_service.compartment_keys(session=session, actor=actor, nations=nations)
    missing = sorted(set(nations) - set(keys))
    if missing:
        raise BadInput("release", f"{', '.join(missing)} has no officer who reads debriefs yet")
    return [
        DebriefReportWrap(
            report_id=report.id,
            compartment_key_id=key.id,
            nation=nation,
            sealed_key=sealing.seal(key.public_key, content_key),
        )
        for nation, key in sorted(keys.items())
    ]


def content_key(session: Session, keyring: Keyring, report: DebriefReport) -> bytes:
    """The report's content key, unsealed with a compartment key this officer holds."""
    held = accounts_service.compartment_private_keys(session=session, keyring=keyring)
    wrap = next((wrap for wrap in report.wraps if wrap.compartment_key_id in held), None)
    if wrap is None:
        raise Forbidden("you hold none of the debrief compartment keys this report is sealed to")
    return sealing.unseal(held[wrap.compartment_key_id], wrap.sealed_key)


def get(
    session: Session, principal: policy.Principal, report_id: str, permission: str
) -> DebriefReport:
    """A report this officer may read and may do `permission` on; NotFound otherwise."""
    policy.require_permission(principal, permission)
    binding.bind(session, principal)
    found = session.get(DebriefReport, report_id)
    if found is None or not compartments.allows(principal, roles.DEBRIEF_READ, found):
        raise NotFound("debrief report")
    return found


def store(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case_id: str,
    owner: str,
    title: str,
    session_on: date,
    debriefer: str,
    labels: Labels,
    body: Body,
    subject_released: bool,
    origin: str = WRITTEN,
    source_id: str | None = None,
    stix_id: str | None = None,
) -> DebriefReport:
    """A checked report written, sealed to the owner's and each released nation's compartment
    (the importing nation's too, for a partner's report): the one place reports are created."""
    key = sealing.random_bytes()
    now = utcnow()
    report = DebriefReport(
        case_id=case_id,
        origin=origin,
        source_id=source_id,
        stix_id=stix_id or f"report--{uuid.uuid4()}",
        title_sealed=secrets.seal_field(title),
        session_on=session_on,
        debriefer=debriefer,
        author_id=principal.officer_id,
        reader_roles=labels.reader_roles,
        caveats=labels.caveats,
        section_levels=json.dumps(labels.section_levels, sort_keys=True),
        subject_released=subject_released,
        body=sealing.encrypt(key, body.dumps()),
        created_at=now,
        updated_at=now,
        owner_nation=owner,
        classification=labels.classification,
        release=labels.release,
    )
    session.add(report)
    session.flush()
    readers = {owner, *decode_release(labels.release)}
    if origin == IMPORTED:
        # A partner's report: sealed to the importing nation and to every reader nation that
        # has debrief readers here.
        readers = set(
            accounts_service.compartment_keys(
                session=session,
                actor=principal.audit_name,
                nations=sorted({principal.nation, *readers}),
            )
        )
    report.wraps = seal_to(session, principal.audit_name, report, key, sorted(readers))
    session.flush()
    return report


def own_case_id(session: Session, principal: policy.Principal, case_id: str) -> str:
    """A report is written on a case of the officer's own nation (its owner's)."""
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    if case.owner_nation != principal.nation:
        raise NotFound("case")
    return case.id


def record_release(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    report: DebriefReport,
    action: str,
    nations: list[str],
    reason: str,
    basis: release_basis.Basis | None,
) -> DebriefRelease:
    """The decision row (reason and grounds tier 2) and its audit entry."""
    detail = {"reason": reason}
    if basis is not None:
        detail |= {
            key: str(value)
            for key, value in vars(basis).items()
            if value not in (None, "") and key != "kind"
        }
    row = DebriefRelease(
        report_id=report.id,
        action=action,
        nations=",".join(sorted(nations)),
        basis_kind=basis.kind if basis is not None else None,
        detail_sealed=secrets.seal_field(json.dumps(detail, ensure_ascii=False)),
        decided_by=principal.officer_id,
        decided_at=utcnow(),
    )
    report.releases.append(row)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action=f"debrief:release:{action}",
        resource_type="debrief_report",
        resource_id=report.id,
        nation=report.owner_nation,
    )
    return row


def _record(
    session: Session, principal: policy.Principal, action: str, report: DebriefReport
) -> None:
    """An audit entry on the report, not a case event: the case's timeline is read by every
    nation the case is released to, and a report's existence is its own readers' business."""
    audit.record(
        session=session,
        actor=principal.audit_name,
        action=action,
        resource_type="debrief_report",
        resource_id=report.id,
        nation=report.owner_nation,
    )


def write(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    case_id: str,
    draft: ReportDraft,
) -> DebriefReport:
    """A report on a case of the officer's desk. An initial release list needs its lawful
    basis, like a case's, and is recorded as the first release decision."""
    principal = keyring.principal
    policy.require_permission(principal, roles.DEBRIEF_WRITE)
    case_id = own_case_id(session, principal, case_id)
    labels = check_labels(
        session=session,
        settings=settings,
        principal=principal,
        owner=principal.nation,
        classification=draft.classification,
        release=draft.release,
        caveats=draft.caveats,
        reader_roles=draft.reader_roles,
        section_levels=draft.section_levels,
    )
    body = Body(
        subject=clean_text(draft.subject, "subject", ENTRY_NAME_MAX, required=True),
        sections=checked_sections(draft.sections),
        text=clean_text(draft.text, "text", TEXT_MAX),
    )
    title = clean_text(draft.title, "title", TITLE_MAX, required=True)
    if draft.session_on > utcnow().date():
        raise BadInput("session_on", "is in the future")
    nations = decode_release(labels.release)
    case = case_service.get_case(
        session=session, principal=principal, case_id=case_id, permission=roles.CASE_READ
    )
    basis = release_basis.required(session=session, case=case, basis=draft.basis, nations=nations)
    report = store(
        session=session,
        secrets=secrets,
        principal=principal,
        case_id=case_id,
        owner=principal.nation,
        title=title,
        session_on=draft.session_on,
        debriefer=principal.username,
        labels=labels,
        body=body,
        subject_released=draft.subject_released,
    )
    if nations:
        record_release(
            session=session,
            secrets=secrets,
            principal=principal,
            report=report,
            action=WIDEN,
            nations=nations,
            reason="released when written",
            basis=basis,
        )
    _record(session, principal, "debrief:report:write", report)
    session.flush()
    return report


def summary(
    secrets: ServerSecrets, principal: policy.Principal, report: DebriefReport
) -> ReportSummary:
    own = report.owner_nation == principal.nation
    return ReportSummary(
        id=report.id,
        case_id=report.case_id if own or report.subject_released else None,
        title=secrets.open_field(report.title_sealed),
        session_on=report.session_on,
        debriefer=report.debriefer,
        owner_nation=report.owner_nation,
        classification=report.classification,
        release=report.release_list,
        caveats=compartments.decode(report.caveats),
        reader_roles=[role for role in report.reader_roles.split(",") if role],
        origin=report.origin,
        source_id=report.source_id,
        created_at=report.created_at,
    )


def reports(
    *,
    session: Session,
    secrets: ServerSecrets,
    principal: policy.Principal,
    case_id: str | None = None,
    limit: int = PAGE_MAX,
    offset: int = 0,
) -> list[ReportSummary]:
    """The reports this officer may open (of one case when named), newest session first, a
    page at a time: the binding filters the query by the same rule opening checks."""
    policy.require_permission(principal, roles.DEBRIEF_READ)
    binding.bind(session, principal)
    query = select(DebriefReport).order_by(
        DebriefReport.session_on.desc(), DebriefReport.created_at.desc(), DebriefReport.id
    )
    if case_id is not None:
        query = query.where(DebriefReport.case_id == case_id)
    query = query.limit(max(1, min(limit, PAGE_MAX))).offset(max(0, offset))
    return [summary(secrets, principal, report) for report in session.scalars(query)]


def levels_of(report: DebriefReport) -> dict[str, int]:
    levels: dict[str, int] = json.loads(report.section_levels)
    return levels


def read_body(session: Session, keyring: Keyring, report: DebriefReport) -> Body:
    return Body.loads(sealing.decrypt(content_key(session, keyring, report), report.body))


def release_views(secrets: ServerSecrets, report: DebriefReport) -> list[ReleaseView]:
    views = []
    for row in report.releases:
        detail: dict[str, Any] = json.loads(secrets.open_field(row.detail_sealed))
        views.append(
            ReleaseView(
                action=row.action,
                nations=[nation for nation in row.nations.split(",") if nation],
                basis_kind=row.basis_kind,
                reason=str(detail.get("reason", "")),
                decided_by=row.decided_by,
                decided_at=row.decided_at,
            )
        )
    return views


def open_report(
    *, session: Session, keyring: Keyring, secrets: ServerSecrets, report_id: str
) -> OpenedReport:
    """The report for a reader the policy allows; each read is an audit entry. Sections above
    the reader's clearance are left out and named; the subject only for the owning desk or
    where the release says it goes with the report."""
    principal = keyring.principal
    report = get(session, principal, report_id, roles.DEBRIEF_READ)
    body = read_body(session, keyring, report)
    levels = levels_of(report)
    withheld = [name for name, level in levels.items() if level > principal.clearance]
    own = report.owner_nation == principal.nation
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="debrief:report:read",
        resource_type="debrief_report",
        resource_id=report.id,
        nation=report.owner_nation,
    )
    return OpenedReport(
        summary=summary(secrets, principal, report),
        subject=body.subject if own or report.subject_released else None,
        sections={name: entries for name, entries in body.sections.items() if name not in withheld},
        section_levels={name: level for name, level in levels.items() if name not in withheld},
        text=body.text,
        withheld=withheld,
        releases=release_views(secrets, report) if own else [],
    )


def sanitise(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    report_id: str,
    data: Sanitising,
) -> DebriefReport:
    """A new report from a source of the officer's nation, at a lower level or to a wider
    release (never higher, never narrower), linked to it; the source is left as it was."""
    principal = keyring.principal
    source = get(session, principal, report_id, roles.DEBRIEF_RELEASE)
    if source.owner_nation != principal.nation:
        raise Forbidden("only the owning nation sanitises a report")
    wider = set(data.release)
    old_release = set(source.release_list)
    if data.classification > source.classification:
        raise BadInput("classification", "a sanitised report is never above its source")
    cleaned_release = {nation.strip().upper() for nation in wider if nation.strip()}
    if not old_release <= cleaned_release:
        raise BadInput("release", "a sanitised report is never released to fewer nations")
    if data.classification == source.classification and cleaned_release == old_release:
        raise BadInput("classification", "lower the level or widen the release, or both")
    reason = clean_text(data.reason, "reason", REASON_MAX, required=True)
    for name in data.drop:
        if name not in SECTIONS:
            raise BadInput("drop", f"{name!r} is not a section")
    levels = {
        name: level
        for name, level in levels_of(source).items()
        if level <= principal.clearance and name not in data.drop
    }
    caveats = compartments.decode(source.caveats) if data.caveats is None else data.caveats
    labels = check_labels(
        session=session,
        settings=settings,
        principal=principal,
        owner=principal.nation,
        classification=data.classification,
        release=sorted(cleaned_release),
        caveats=caveats,
        reader_roles=[role for role in source.reader_roles.split(",") if role],
        section_levels=levels,
    )
    body = read_body(session, keyring, source)
    audit.record(
        session=session,
        actor=principal.audit_name,
        action="debrief:report:read",
        resource_type="debrief_report",
        resource_id=source.id,
        nation=source.owner_nation,
    )
    dropped = set(data.drop) | {
        name for name, level in levels_of(source).items() if level > data.classification
    }
    new_body = Body(
        subject=body.subject,
        sections={
            name: ([] if name in dropped else entries) for name, entries in body.sections.items()
        },
        text=body.text if data.text is None else clean_text(data.text, "text", TEXT_MAX),
    )
    case = case_service.get_case(
        session=session, principal=principal, case_id=source.case_id, permission=roles.CASE_READ
    )
    added = sorted(cleaned_release - old_release)
    basis = release_basis.required(session=session, case=case, basis=data.basis, nations=added)
    derived = store(
        session=session,
        secrets=secrets,
        principal=principal,
        case_id=source.case_id,
        owner=principal.nation,
        title=secrets.open_field(source.title_sealed),
        session_on=source.session_on,
        debriefer=source.debriefer,
        labels=Labels(
            classification=labels.classification,
            release=labels.release,
            caveats=labels.caveats,
            reader_roles=labels.reader_roles,
            section_levels={k: v for k, v in labels.section_levels.items() if k not in dropped},
        ),
        body=new_body,
        subject_released=data.subject_released,
        origin=SANITISED,
        source_id=source.id,
    )
    if derived.release_list:
        record_release(
            session=session,
            secrets=secrets,
            principal=principal,
            report=derived,
            action=WIDEN,
            nations=derived.release_list,
            reason=reason,
            basis=basis,
        )
    _record(session, principal, "debrief:report:sanitise", derived)
    session.flush()
    return derived
