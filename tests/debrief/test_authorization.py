"""The authorization matrix for debrief reports, on both engines: every officer of a pool
(role x nation x clearance x caveats) against reports of every shape (classification x release
x caveats x roles opened to), for each action (list, open, widen the release). The expected
answer is computed here from the rule as DESIGN states it, independently of policy/."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.release_basis import Basis
from homeward.core.errors import Forbidden, HomewardError, NotFound
from homeward.core.runtime import Runtime
from homeward.debrief import releases
from homeward.debrief import service as debrief
from homeward.policy.roles import Role
from tests.debrief import pool, world

READERS = {Role.DEBRIEFER, Role.DESK_OFFICER, Role.SUPERVISOR}


@dataclass(frozen=True)
class Shape:
    classification: int
    release: tuple[str, ...]
    caveats: tuple[str, ...]
    roles: tuple[str, ...] | None


SHAPES = [
    Shape(*combo)
    for combo in itertools.product(
        (1, 3), ((), ("GBR",)), ((), ("ORCON",), ("ORCON", "HUMINT")), (None, ("debriefer",))
    )
]


def may_read(member: pool.Member, shape: Shape) -> bool:
    roles = shape.roles or ("debriefer", "supervisor", "desk_officer")
    return (
        member.role in READERS
        and member.clearance >= shape.classification
        and (member.nation == "FRA" or member.nation in shape.release)
        and member.role.value in roles
        and set(shape.caveats) <= member.caveats
    )


def may_release(member: pool.Member, shape: Shape) -> bool:
    return may_read(member, shape) and member.role is Role.SUPERVISOR and member.nation == "FRA"


class Rollback(Exception):
    """Leaves a successful widening unwritten, so each officer meets the same report."""


def fra_case(runtime: Runtime, members: list[pool.Member]) -> str:
    opener = next(m for m in members if m.role is Role.DESK_OFFICER and m.nation == "FRA")
    with runtime.db.transaction() as session:
        case = case_service.open_case(
            session=session,
            keyring=opener.keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(
                    given_names="Karim", family_name="Benali", nationalities=["FRA"]
                ),
                release=["GBR", "DEU", "USA"],
                basis=Basis("legal_obligation", grounds="Synthetic: court order."),
            ),
        )
        return case.id


def test_the_matrix(runtime: Runtime) -> None:
    members = pool.build(runtime)
    case_id = fra_case(runtime, members)
    author = pool.author(members)
    written: dict[str, Shape] = {}
    for shape in SHAPES:
        made = world.draft(
            classification=shape.classification,
            release=list(shape.release),
            caveats=list(shape.caveats),
            reader_roles=list(shape.roles) if shape.roles else None,
        )
        with runtime.db.transaction() as session:
            report = debrief.write(
                session=session,
                keyring=author.keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                case_id=case_id,
                draft=made,
            )
            written[report.id] = shape
    wrong: list[str] = []
    reads = sum(may_read(m, shape) for m in members for shape in written.values())
    widens = sum(may_release(m, shape) for m in members for shape in written.values())
    assert 0 < widens < reads < len(members) * len(written) / 4
    for member in members:
        principal = member.keyring.principal
        expected = {rid for rid, shape in written.items() if may_read(member, shape)}
        with runtime.db.transaction() as session:
            if member.role in READERS:
                listed = {
                    r.id
                    for r in debrief.reports(
                        session=session, secrets=runtime.secrets, principal=principal
                    )
                }
            else:
                with pytest.raises(Forbidden):
                    debrief.reports(session=session, secrets=runtime.secrets, principal=principal)
                listed = set()
        if listed != expected:
            wrong.append(f"list {member.name}: {sorted(listed ^ expected)}")
        for report_id, shape in written.items():
            if _opens(runtime, member, report_id) != may_read(member, shape):
                wrong.append(f"open {member.name} {shape}")
            if _widens(runtime, member, report_id) != may_release(member, shape):
                wrong.append(f"widen {member.name} {shape}")
    assert wrong == [], "\n".join(wrong[:40])


def _opens(runtime: Runtime, member: pool.Member, report_id: str) -> bool:
    try:
        with runtime.db.transaction() as session:
            opened = debrief.open_report(
                session=session,
                keyring=member.keyring,
                secrets=runtime.secrets,
                report_id=report_id,
            )
    except NotFound:
        return False
    except Forbidden:
        assert member.role not in READERS
        return False
    assert opened.text
    return True


def _roll_back() -> None:
    raise Rollback


def _widens(runtime: Runtime, member: pool.Member, report_id: str) -> bool:
    try:
        with runtime.db.transaction() as session:
            releases.widen(
                session=session,
                keyring=member.keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                report_id=report_id,
                nations=["USA"],
                reason="Matrix",
                basis=world.LEGAL,
            )
            _roll_back()
    except Rollback:
        return True
    except HomewardError:
        return False
