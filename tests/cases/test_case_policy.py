"""The list filter attached by policy.binding agrees with the single-record check for cases,
and the transfers waiting for a desk agree with the check on answering one, on SQLite and
PostgreSQL, for any officer and any labels."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from homeward.cases import transfers
from homeward.cases.models import Case, CaseTransfer
from homeward.core.errors import Forbidden
from homeward.core.runtime import Runtime
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy import transfers as transfer_policy
from homeward.policy.labels import Classification, encode_release
from homeward.policy.roles import Role
from tests import helpers

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


transfer_rows = st.tuples(
    labels, st.sampled_from(NATIONS), st.sampled_from([transfers.PENDING, transfers.REFUSED])
)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(principal=principals, rows=st.lists(transfer_rows, min_size=1, max_size=10))
def test_incoming_transfers_agree_with_the_check_on_answering_one(
    runtime: Runtime,
    personas: helpers.Personas,
    principal: policy.Principal,
    rows: list[tuple[tuple[str, int, set[str]], str, str]],
) -> None:
    """The list never shows a transfer that accepting or refusing it would refuse, and never
    hides one they would allow: the case's level, the addressee alone, the role."""
    asker = personas["fra_officer"].officer_id
    session = runtime.db.sessions()
    try:
        binding.as_system(session, "test set-up")
        made = []
        for number, ((owner, level, release), to_nation, status) in enumerate(rows):
            case = Case(
                reference=f"T-{number}",
                owner_nation=owner,
                classification=level,
                release=encode_release(release),
                stage="new",
                identity_sealed=b"-",
            )
            session.add(case)
            session.flush()
            detail = json.dumps({"reason": "Synthetic.", "reference": case.reference})
            transfer = CaseTransfer(
                case_id=case.id,
                from_nation=owner,
                to_nation=to_nation,
                reason_sealed=runtime.secrets.seal_field(detail),
                requested_by=asker,
                status=status,
            )
            session.add(transfer)
            made.append((transfer, case))
        session.flush()
        session.info.pop(binding.SYSTEM_KEY)
        try:
            waiting = transfers.incoming(
                session=session, principal=principal, secrets=runtime.secrets
            )
        except Forbidden:
            assert not roles.may(principal.role, transfer_policy.ANSWER)
            return
        allowed = {
            transfer.id
            for transfer, case in made
            if transfer.status == transfers.PENDING
            and policy.allows(
                principal,
                transfer_policy.ANSWER,
                transfer_policy.labels(to_nation=transfer.to_nation, case=case),
            )
        }
        assert {item.id for item in waiting} == allowed
    finally:
        session.rollback()
        session.close()
