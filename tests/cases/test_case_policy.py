"""The list filter attached by policy.binding agrees with the single-record check for cases,
on SQLite and PostgreSQL, for any officer and any labels."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from homeward.cases.models import Case
from homeward.core.runtime import Runtime
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy.labels import Classification, encode_release
from homeward.policy.roles import Role

NATIONS = ["USA", "FRA", "GBR", "CAN", "DEU", "IRQ"]
LEVELS = [int(level) for level in Classification]
principals = st.builds(
    policy.Principal,
    officer_id=st.just("o1"),
    username=st.just("someone"),
    role=st.sampled_from(list(Role)),
    nation=st.sampled_from(NATIONS),
    clearance=st.sampled_from(LEVELS),
)
labels = st.tuples(
    st.sampled_from(NATIONS), st.sampled_from(LEVELS), st.sets(st.sampled_from(NATIONS), max_size=3)
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(principal=principals, rows=st.lists(labels, min_size=1, max_size=10))
def test_bound_list_filter_agrees_with_the_check(
    runtime: Runtime, principal: policy.Principal, rows: list[tuple[str, int, set[str]]]
) -> None:
    session = runtime.db.sessions()
    try:
        binding.as_system(session, "test set-up")
        made = []
        for number, (owner, level, release) in enumerate(rows):
            case = Case(
                reference=f"T-{number}",
                owner_nation=owner,
                classification=level,
                release=encode_release(release),
                stage="new",
                identity_sealed=b"-",
            )
            session.add(case)
            made.append(case)
        session.flush()
        session.info.pop(binding.SYSTEM_KEY)
        binding.bind(session, principal)
        listed = set(session.scalars(select(Case.id)))
        allowed = {case.id for case in made if policy.allows(principal, roles.CASE_READ, case)}
        assert listed == allowed
    finally:
        session.rollback()
        session.close()
