"""Widening and narrowing a report's release list: each a recorded decision of a supervisor of
the owning nation (who, why, and for new readers the lawful basis).

Widening seals the report's content key to each new nation's debrief compartment key at that
moment: the key is unwrapped with the supervisor's own compartment key and wrapped again, never
written in clear. Narrowing removes those nations' wraps, so their keys no longer open the body.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.accounts.service import Keyring
from homeward.cases import release_basis
from homeward.cases import service as case_service
from homeward.core.db import utcnow
from homeward.core.errors import BadInput, Forbidden
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.debrief import service
from homeward.debrief.models import (
    NARROW,
    WIDEN,
    DebriefPersonLink,
    DebriefRelease,
    DebriefReport,
)
from homeward.policy import roles
from homeward.policy.labels import encode_release


def _owned(session: Session, keyring: Keyring, report_id: str) -> DebriefReport:
    report = service.get(session, keyring.principal, report_id, roles.DEBRIEF_RELEASE)
    if report.owner_nation != keyring.principal.nation:
        raise Forbidden("only a supervisor of the owning nation changes a report's release")
    return report


def _links_follow(session: Session, report: DebriefReport) -> None:
    """Officers' links of named people carry the report's release list: a nation given the
    report reads its links too, and a nation taken off loses them with the report."""
    for link in session.scalars(
        select(DebriefPersonLink).where(DebriefPersonLink.report_id == report.id)
    ):
        link.release = report.release


def _nations(nations: list[str]) -> list[str]:
    cleaned = sorted({nation.strip().upper() for nation in nations if nation.strip()})
    if not cleaned:
        raise BadInput("nations", "name at least one nation")
    return cleaned


def widen(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    settings: Settings,
    report_id: str,
    nations: list[str],
    reason: str,
    basis: release_basis.Basis | None,
) -> DebriefRelease:
    """Add nations to the release list, on a lawful basis, checked by the owner's rule."""
    principal = keyring.principal
    report = _owned(session, keyring, report_id)
    current = report.release_list
    added = [nation for nation in _nations(nations) if nation not in current]
    if not added:
        raise BadInput("nations", "each nation named already reads this report")
    labels = service.check_labels(
        session=session,
        settings=settings,
        principal=principal,
        owner=report.owner_nation,
        classification=report.classification,
        release=[*current, *added],
        caveats=[],
        reader_roles=[role for role in report.reader_roles.split(",") if role],
        section_levels={},
    )
    why = service.clean_text(reason, "reason", service.REASON_MAX, required=True)
    case = case_service.get_case(
        session=session, principal=principal, case_id=report.case_id, permission=roles.CASE_READ
    )
    checked = release_basis.required(session=session, case=case, basis=basis, nations=added)
    key = service.content_key(session, keyring, report)
    report.wraps.extend(service.seal_to(session, principal.audit_name, report, key, added))
    report.release = labels.release
    report.updated_at = utcnow()
    _links_follow(session, report)
    row = service.record_release(
        session=session,
        secrets=secrets,
        principal=principal,
        report=report,
        action=WIDEN,
        nations=added,
        reason=why,
        basis=checked,
    )
    session.flush()
    return row


def narrow(
    *,
    session: Session,
    keyring: Keyring,
    secrets: ServerSecrets,
    report_id: str,
    nations: list[str],
    reason: str,
) -> DebriefRelease:
    """Remove nations from the release list, and their wraps with them."""
    principal = keyring.principal
    report = _owned(session, keyring, report_id)
    current = report.release_list
    removed = [nation for nation in _nations(nations) if nation in current]
    if not removed:
        raise BadInput("nations", "none of the nations named reads this report by release")
    why = service.clean_text(reason, "reason", service.REASON_MAX, required=True)
    report.wraps = [wrap for wrap in report.wraps if wrap.nation not in removed]
    report.release = encode_release([nation for nation in current if nation not in removed])
    report.updated_at = utcnow()
    _links_follow(session, report)
    row = service.record_release(
        session=session,
        secrets=secrets,
        principal=principal,
        report=report,
        action=NARROW,
        nations=removed,
        reason=why,
        basis=None,
    )
    session.flush()
    return row
