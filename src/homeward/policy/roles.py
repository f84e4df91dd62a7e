"""Roles and what each may do. Permissions are named `scope:resource:action`."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    DESK_OFFICER = "desk_officer"
    SUPERVISOR = "supervisor"
    COORDINATOR = "coordinator"
    DEBRIEFER = "debriefer"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


CONVERSATION_LIST = "officer:conversation:list"
CONVERSATION_READ = "officer:conversation:read"
CONVERSATION_REPLY = "officer:conversation:reply"
CONVERSATION_STAR = "officer:conversation:star"
CONVERSATION_ROUTE = "officer:conversation:route"
CASE_LIST = "officer:case:list"
CASE_READ = "officer:case:read"
CASE_OPEN = "officer:case:open"
CASE_EDIT = "officer:case:edit"
CASE_TRANSITION = "officer:case:transition"
CASE_NOTE = "officer:case:note"
CASE_TRANSFER = "officer:case:transfer"
CASE_ACCEPT = "officer:case:accept"
CASE_EXPORT = "officer:case:export"
OFFICER_MANAGE = "admin:officer:manage"
DESK_KEY_ROTATE = "admin:desk:rotate-key"
AUDIT_READ = "auditor:audit:read"
IDENTITY_READ = "officer:identity:read"
IDENTITY_DECIDE = "officer:identity:decide"
IDENTITY_IMPORT = "officer:identity:import"
POINT_READ = "officer:point:read"
POINT_MANAGE = "officer:point:manage"
PLAN_READ = "officer:plan:read"
PLAN_WRITE = "officer:plan:write"
PLAN_APPROVE = "officer:plan:approve"
SCREENING_READ = "officer:screening:read"
SCREENING_WRITE = "officer:screening:write"
SCREENING_REVIEW = "officer:screening:review"
CASE_RELEASE_REVIEW = "officer:case:release-review"
HOUSEHOLD_READ = "officer:household:read"
HOUSEHOLD_LINK = "officer:household:link"
BEST_INTERESTS_READ = "officer:best-interests:read"
BEST_INTERESTS_WRITE = "officer:best-interests:write"
CHILD_PROTECTION_READ = "officer:child-protection:read"
CHILD_PROTECTION_WRITE = "officer:child-protection:write"
CHILD_PROTECTION_RECEIVE = "officer:child-protection:receive"
APPROVAL_READ = "officer:approval:read"
APPROVAL_REQUEST = "officer:approval:request"
APPROVAL_DECIDE = "officer:approval:decide"
DEBRIEF_READ = "officer:debrief:read"
DEBRIEF_WRITE = "officer:debrief:write"
DEBRIEF_RELEASE = "officer:debrief:release"
DEBRIEF_EXPORT = "officer:debrief:export"
FIGURES_READ = "officer:figures:read"
FIGURES_COUNT = "officer:figures:count"

_DESK_WORK = frozenset(
    {CONVERSATION_LIST, CONVERSATION_READ, CONVERSATION_REPLY, CONVERSATION_STAR}
)

_CASE_WORK = frozenset(
    {
        CASE_LIST,
        CASE_READ,
        CASE_OPEN,
        CASE_EDIT,
        CASE_TRANSITION,
        CASE_NOTE,
        CASE_TRANSFER,
        CASE_ACCEPT,
        CASE_EXPORT,
    }
)
_CASE_READING = frozenset({CASE_LIST, CASE_READ})
# Identity reports and links: desks search, decide and import; nobody else reads them.
_IDENTITY_WORK = frozenset({IDENTITY_READ, IDENTITY_DECIDE, IDENTITY_IMPORT})
# The way home: desks read the points and book, change and cancel their own plans; a supervisor
# also approves them; the cell runs the points and reads the plans at its points.
_PASSAGE_DESK = frozenset({POINT_READ, PLAN_READ, PLAN_WRITE})
_PASSAGE_CELL = frozenset({POINT_READ, POINT_MANAGE, PLAN_READ})
# Screening: the owning desk's officers and debriefers write assessments; a supervisor also
# reviews them (never their own). The cell and other roles read none.
_SCREENING = frozenset({SCREENING_READ, SCREENING_WRITE})
# Households: desks link their cases to others they can see; whoever reads a case reads the
# members it may also see. A child's best-interests assessment is the owning desk's alone.
# A child's handover to a child-protection actor: the owning desk records and confirms it; the
# coordination cell, which physically hands the child over, reads it and confirms its side.
_HOUSEHOLD_DESK = frozenset(
    {
        HOUSEHOLD_READ,
        HOUSEHOLD_LINK,
        BEST_INTERESTS_READ,
        BEST_INTERESTS_WRITE,
        CHILD_PROTECTION_READ,
        CHILD_PROTECTION_WRITE,
    }
)
# Approvals: the owning desk asks for a step (closing a case); a supervisor who did not ask
# approves or refuses it. Other roles see none.
_APPROVALS = frozenset({APPROVAL_READ, APPROVAL_REQUEST})
# Debriefs: a debriefer writes reports and exchanges them as STIX (export and import); desks
# read the reports the owner opens to their role; only a supervisor widens or narrows a
# release. Reading also needs the report's level, nation or release, role and every caveat
# (policy/compartments.py), never the case alone.
_DEBRIEF_DESK = frozenset({DEBRIEF_READ})
_DEBRIEF_WORK = frozenset({DEBRIEF_READ, DEBRIEF_WRITE, DEBRIEF_EXPORT})
# Programme figures (reports/): a supervisor reads its own nation's figures in full, counted
# through the policy binding over the cases it may read; the coalition view is counts only
# (`figures:count` grants no read of any record: reports/ counts label and stage columns and
# publishes them disclosure-controlled), for supervisors and the coordination cell.
_FIGURES_OWN = frozenset({FIGURES_READ, FIGURES_COUNT})

PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.DESK_OFFICER: _DESK_WORK
    | _CASE_WORK
    | _IDENTITY_WORK
    | _PASSAGE_DESK
    | _SCREENING
    | _HOUSEHOLD_DESK
    | _APPROVALS
    | _DEBRIEF_DESK,
    Role.SUPERVISOR: _DESK_WORK
    | _CASE_WORK
    | _IDENTITY_WORK
    | _PASSAGE_DESK
    | _SCREENING
    | _HOUSEHOLD_DESK
    | _APPROVALS
    | _DEBRIEF_WORK
    | _FIGURES_OWN
    | {PLAN_APPROVE, SCREENING_REVIEW, APPROVAL_DECIDE, CASE_RELEASE_REVIEW, DEBRIEF_RELEASE},
    # The coordination cell reads a case only where a nation released it to IRQ.
    Role.COORDINATOR: _DESK_WORK
    | {CONVERSATION_ROUTE, HOUSEHOLD_READ, CHILD_PROTECTION_READ, CHILD_PROTECTION_RECEIVE}
    | _CASE_READING
    | _PASSAGE_CELL
    | {FIGURES_COUNT},
    Role.DEBRIEFER: _CASE_READING | _SCREENING | _DEBRIEF_WORK | {HOUSEHOLD_READ},
    Role.AUDITOR: frozenset({AUDIT_READ}),
    # An administrator manages accounts and keys and holds no desk key: no content at all.
    Role.ADMINISTRATOR: frozenset({OFFICER_MANAGE, DESK_KEY_ROTATE}),
}


def may(role: Role | str, permission: str) -> bool:
    return permission in PERMISSIONS.get(Role(role), frozenset())
