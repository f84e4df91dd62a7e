"""Household links: the owning desk links its case to another case it can see, both sides are
shown (child and parent), each change is an event and an audit entry on both cases; a member
is shown only where the officer may open the member's case, by role, nation and release, also
after the member's protection changes; bad input is named and stores nothing. Both engines."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from homeward.audit.models import AuditEvent
from homeward.cases import followers
from homeward.cases.models import Case
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.households import service as households
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy.labels import Classification, encode_release
from homeward.policy.roles import Role
from tests import helpers
from tests.households import world


def test_a_link_shows_on_both_sides_with_events_and_audit(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra = personas["fra_officer"]
    father = world.open_case(runtime, fra)
    child = world.open_case(runtime, fra, given="Yasmine", born="2015-04-02")
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: audit entries before")
        audit_before = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    link_id = world.link(runtime, fra, father, child, relation="child", basis="documented")
    [seen] = world.members(runtime, fra, father)
    assert (seen.case_id, seen.relation, seen.basis, seen.stage, seen.link_id) == (
        child, "child", "documented", "new", link_id
    )  # fmt: skip
    assert seen.reference == world.reference(runtime, child)
    [back] = world.members(runtime, fra, child)
    assert (back.case_id, back.relation) == (father, "parent")
    assert world.event_kinds(runtime, father).count("household:link") == 1
    assert world.event_kinds(runtime, child).count("household:link") == 1
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: audit entries after")
        actions = list(
            session.scalars(select(AuditEvent.action).order_by(AuditEvent.id).offset(audit_before))
        )
    assert actions.count("household:link") == 2
    with runtime.db.transaction() as session:
        households.unlink(
            session=session,
            principal=helpers.keyring(runtime, fra).principal,
            secrets=runtime.secrets,
            case_id=child,
            link_id=link_id,
            reason="Registry shows another father",
        )
    assert world.members(runtime, fra, father) == []
    assert world.members(runtime, fra, child) == []
    assert world.event_kinds(runtime, father).count("household:unlink") == 1
    assert world.event_kinds(runtime, child).count("household:unlink") == 1


def _try_link(runtime: Runtime, persona: helpers.Persona, case_id: str, **given: str) -> None:
    with runtime.db.transaction() as session:
        households.link(
            session=session,
            principal=helpers.keyring(runtime, persona).principal,
            secrets=runtime.secrets,
            case_id=case_id,
            member_reference=given.get("member_reference", ""),
            relation=given.get("relation", "spouse"),
            basis=given.get("basis", "stated"),
        )


def test_bad_input_is_named_and_stores_nothing(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    husband = world.open_case(runtime, fra)
    wife = world.open_case(runtime, fra, given="Amina")
    hidden = world.open_case(runtime, deu, given="Lena")  # DEU's, not released to FRA
    world.link(runtime, fra, husband, wife, relation="spouse")
    wife_ref, hidden_ref = world.reference(runtime, wife), world.reference(runtime, hidden)
    husband_ref = world.reference(runtime, husband)
    cases = [
        ({"member_reference": wife_ref, "relation": "cousin"}, "relation", "cousin"),
        ({"member_reference": wife_ref, "basis": "rumour"}, "basis", "rumour"),
        ({"member_reference": ""}, "member", "reference"),
        ({"member_reference": "X" * 21}, "member", "reference"),
        ({"member_reference": hidden_ref}, "member", "no case"),
        ({"member_reference": "FRA-00000000"}, "member", "no case"),
        ({"member_reference": husband_ref}, "member", "itself"),
        ({"member_reference": wife_ref.lower()}, "member", "already"),
    ]
    before = world.stored(runtime)
    for fields, field, words in cases:
        with pytest.raises(BadInput) as refused:
            _try_link(runtime, fra, husband, **fields)
        assert refused.value.field == field, fields
        assert words in str(refused.value), fields
        assert world.stored(runtime) == before, fields
    [link_id] = {m.link_id for m in world.members(runtime, fra, husband)}
    for reason, field in (("  ", "reason"), ("x" * 2001, "reason")):
        with pytest.raises(BadInput) as refused, runtime.db.transaction() as session:
            households.unlink(
                session=session,
                principal=helpers.keyring(runtime, fra).principal,
                secrets=runtime.secrets,
                case_id=husband,
                link_id=link_id,
                reason=reason,
            )
        assert refused.value.field == field
        assert world.stored(runtime) == before


# Who reads the household of a FRA case and what they see; who may link. The member case is
# FRA's too, released (or not) to DEU and IRQ; the anchor is released to both.
WHO = ("fra_officer", "fra_supervisor", "fra_debriefer", "deu_officer", "coordinator",
       "administrator", "auditor")  # fmt: skip


@pytest.mark.parametrize("member_released", [False, True])
def test_household_by_role_owner_and_nation(
    runtime: Runtime, personas: helpers.Personas, member_released: bool
) -> None:
    from tests.web.authorization_world import add_officer

    personas["fra_debriefer"] = add_officer(runtime, "fra.debriefer", Role.DEBRIEFER, "FRA")
    fra = personas["fra_officer"]
    anchor = world.open_case(runtime, fra, release=("DEU", "IRQ"))
    released = ("DEU", "IRQ") if member_released else ()
    member = world.open_case(runtime, fra, given="Amina", release=released)
    spare = world.open_case(runtime, fra, given="Nour", release=("DEU", "IRQ"))
    world.link(runtime, fra, anchor, member, relation="spouse")
    expected_view = {
        "fra_officer": [member],
        "fra_supervisor": [member],
        "fra_debriefer": [member],
        "deu_officer": [member] if member_released else [],
        "coordinator": [member] if member_released else [],
        "administrator": Forbidden,
        "auditor": Forbidden,
    }
    may_link = {"fra_officer": True, "fra_supervisor": True, "deu_officer": NotFound}
    for who in WHO:
        persona = personas[who]
        view = expected_view[who]
        if view is Forbidden:
            with pytest.raises(Forbidden):
                world.members(runtime, persona, anchor)
        else:
            assert [m.case_id for m in world.members(runtime, persona, anchor)] == view, who
        before = world.stored(runtime)
        outcome = may_link.get(who, Forbidden)
        if outcome is True:
            continue
        with pytest.raises(outcome):  # type: ignore[call-overload]
            world.link(runtime, persona, anchor, spare)
        assert world.stored(runtime) == before, who
    world.link(runtime, personas["fra_supervisor"], anchor, spare, relation="sibling")
    assert len(world.members(runtime, fra, anchor)) == 2


def test_a_member_raised_out_of_reach_disappears(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    anchor = world.open_case(runtime, fra, release=("DEU",))
    member = world.open_case(runtime, fra, given="Amina", release=("DEU",))
    world.link(runtime, fra, anchor, member)
    assert [m.case_id for m in world.members(runtime, deu, anchor)] == [member]
    with runtime.db.transaction() as session:
        # What cases.service.set_protection does to the case and its followers.
        binding.as_system(session, "test: the member's case withdrawn from DEU")
        case = session.get(Case, member)
        assert case is not None
        case.release = ""
        followers.relabel(session, case, encode_release)
    assert world.members(runtime, deu, anchor) == []
    assert [m.case_id for m in world.members(runtime, fra, anchor)] == [member]


NATIONS = ["FRA", "DEU", "GBR", "IRQ"]
LEVELS = [int(level) for level in Classification]
labels = st.tuples(
    st.sampled_from(NATIONS[:3]),
    st.sampled_from(LEVELS),
    st.sets(st.sampled_from(NATIONS), max_size=2),
)
viewers = st.tuples(st.sampled_from(list(Role)), st.sampled_from(NATIONS), st.sampled_from(LEVELS))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    made=st.tuples(
        st.lists(labels, min_size=2, max_size=6),
        st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=10),
        st.lists(st.tuples(st.integers(0, 5), labels), max_size=3),
    ),
    viewer=viewers,
)
def test_a_household_never_shows_a_member_the_officer_cannot_open(
    runtime: Runtime,
    personas: helpers.Personas,
    made: tuple[
        list[tuple[str, int, set[str]]],
        list[tuple[int, int]],
        list[tuple[int, tuple[str, int, set[str]]]],
    ],
    viewer: tuple[Role, str, int],
) -> None:
    """Cases with any labels; links made by the anchor's desk wherever it may see the member;
    then protections changed (the followers relabel the rows); then any officer looks at every
    household: exactly the linked members whose cases that officer may open."""
    rows, pairs, changes = made
    officer_id = personas["fra_officer"].officer_id
    session = runtime.db.sessions()
    try:
        binding.as_system(session, "test set-up")
        cases: list[Case] = []
        for number, (owner, level, release) in enumerate(rows):
            case = Case(
                reference=f"T-{number:08d}",
                owner_nation=owner,
                classification=level,
                release=encode_release(release),
                stage="new",
                identity_sealed=b"-",
            )
            session.add(case)
            cases.append(case)
        session.flush()
        linked: set[tuple[int, int]] = set()
        for i, j in pairs:
            if i >= len(cases) or j >= len(cases) or i == j or (i, j) in linked:
                continue
            desk = policy.Principal(
                officer_id, "desk", Role.DESK_OFFICER, cases[i].owner_nation, max(LEVELS)
            )
            if not policy.allows(desk, roles.CASE_READ, cases[j]):
                continue
            households.link(
                session=session,
                principal=desk,
                secrets=runtime.secrets,
                case_id=cases[i].id,
                member_reference=cases[j].reference,
                relation="sibling",
                basis="stated",
            )
            linked |= {(i, j), (j, i)}
            session.info.pop(binding.PRINCIPAL_KEY)
        for k, (owner, level, release) in changes:
            if k < len(cases):
                case = cases[k]
                case.owner_nation, case.classification = owner, level
                case.release = encode_release(release)
                followers.relabel(session, case, encode_release)
        session.flush()
        role, nation, clearance = viewer
        officer = policy.Principal(officer_id, "viewer", role, nation, clearance)
        for i, case in enumerate(cases):
            opens = policy.allows(officer, roles.CASE_READ, case)
            if not roles.may(role, roles.HOUSEHOLD_READ):
                outcome: type[Exception] | None = Forbidden
            else:
                outcome = None if opens else NotFound
            if outcome is not None:
                with pytest.raises(outcome):
                    households.household(session=session, principal=officer, case_id=case.id)
                continue
            shown = {m.case_id for m in households.household(
                session=session, principal=officer, case_id=case.id)}  # fmt: skip
            expected = {
                cases[j].id
                for j in range(len(cases))
                if (i, j) in linked and policy.allows(officer, roles.CASE_READ, cases[j])
            }
            assert shown == expected
    finally:
        session.rollback()
        session.close()
