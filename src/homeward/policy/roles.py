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
OFFICER_MANAGE = "admin:officer:manage"
DESK_KEY_ROTATE = "admin:desk:rotate-key"
AUDIT_READ = "auditor:audit:read"

_DESK_WORK = frozenset(
    {CONVERSATION_LIST, CONVERSATION_READ, CONVERSATION_REPLY, CONVERSATION_STAR}
)

PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.DESK_OFFICER: _DESK_WORK,
    Role.SUPERVISOR: _DESK_WORK,
    Role.COORDINATOR: _DESK_WORK | {CONVERSATION_ROUTE},
    Role.DEBRIEFER: frozenset(),
    Role.AUDITOR: frozenset({AUDIT_READ}),
    # An administrator manages accounts and keys and holds no desk key: no content at all.
    Role.ADMINISTRATOR: frozenset({OFFICER_MANAGE, DESK_KEY_ROTATE}),
}


def may(role: Role | str, permission: str) -> bool:
    return permission in PERMISSIONS.get(Role(role), frozenset())
