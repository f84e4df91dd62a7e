"""One rule, two forms: the single-record check and the SQL filter for lists (attached by the
binding, or written out) always agree, on SQLite and PostgreSQL, and tightening a label never
grants more."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from homeward.contact.models import Contact, Conversation
from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.policy import binding, roles
from homeward.policy import check as policy
from homeward.policy.labels import Classification, encode_release
from homeward.policy.roles import Role

NATIONS = ["USA", "FRA", "GBR", "CAN", "DEU", "IRQ"]
principals = st.builds(
    policy.Principal,
    officer_id=st.just("o1"),
    username=st.just("someone"),
    role=st.sampled_from(list(Role)),
    nation=st.sampled_from(NATIONS),
    clearance=st.sampled_from([int(level) for level in Classification]),
)
labels = st.tuples(
    st.sampled_from(NATIONS),
    st.sampled_from([int(level) for level in Classification]),
    st.sets(st.sampled_from(NATIONS), max_size=3),
)


def _conversation(label: tuple[str, int, set[str]]) -> Conversation:
    owner, classification, release = label
    return Conversation(
        owner_nation=owner, classification=classification, release=encode_release(release)
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(principal=principals, rows=st.lists(labels, min_size=1, max_size=12))
def test_check_and_filter_agree(
    runtime: Runtime, principal: policy.Principal, rows: list[tuple[str, int, set[str]]]
) -> None:
    session = runtime.db.sessions()
    try:
        made = []
        for label in rows:
            contact = Contact(
                lookup=sealing.random_bytes(), reply_public_key=b"k" * 32, created_on=date.today()
            )
            contact.conversation = _conversation(label)
            session.add(contact)
            made.append(contact.conversation)
        session.flush()
        allowed = {c.id for c in made if policy.allows(principal, roles.CONVERSATION_READ, c)}
        binding.bind(session, principal)
        assert set(session.scalars(select(Conversation.id))) == allowed
        with binding.unfiltered(session, "test: the explicit SQL form, on every row"):
            listed = session.scalars(
                select(Conversation.id).where(
                    policy.visible(principal, roles.CONVERSATION_READ, Conversation)
                )
            )
            assert set(listed) == allowed
    finally:
        session.rollback()
        session.close()


@given(principal=principals, label=labels, extra=st.integers(min_value=0, max_value=3))
def test_tightening_never_grants_more(
    principal: policy.Principal, label: tuple[str, int, set[str]], extra: int
) -> None:
    owner, classification, release = label
    before = policy.allows(principal, roles.CONVERSATION_READ, _conversation(label))
    raised = (owner, min(int(Classification.SECRET), classification + extra), release)
    assert not policy.allows(principal, roles.CONVERSATION_READ, _conversation(raised)) or before
    for nation in release:
        narrowed = (owner, classification, release - {nation})
        assert (
            not policy.allows(principal, roles.CONVERSATION_READ, _conversation(narrowed)) or before
        )


def test_administrator_reads_nothing_even_of_its_own_nation() -> None:
    admin = policy.Principal("a", "admin", Role.ADMINISTRATOR, "FRA", int(Classification.SECRET))
    record = _conversation(("FRA", 0, set()))
    assert not policy.allows(admin, roles.CONVERSATION_READ, record)


def test_release_list_grants_other_nations() -> None:
    officer = policy.Principal("d", "deu", Role.DESK_OFFICER, "DEU", int(Classification.SECRET))
    assert not policy.allows(officer, roles.CONVERSATION_READ, _conversation(("FRA", 1, set())))
    assert policy.allows(officer, roles.CONVERSATION_READ, _conversation(("FRA", 1, {"DEU"})))
