"""Household links follow a transfer of the member's case: while the request waits nothing
changes; at acceptance each row showing the member takes its new owner's labels, so the new
desk sees the member in the household and the old desk (no longer on the member's release
list) does not; a refusal leaves every row as it was. Both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from homeward.cases import flows as case_flows
from homeward.cases import transfers
from homeward.cases.release_basis import Basis
from homeward.core.runtime import Runtime
from homeward.households.models import HouseholdLink
from homeward.policy import binding
from tests import helpers
from tests.households import world


def _labels(runtime: Runtime, member_id: str) -> list[tuple[str, int, str]]:
    """The labels of every row showing the member."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: the labels a link carries")
        rows = session.scalars(
            select(HouseholdLink).where(HouseholdLink.member_case_id == member_id)
        ).all()
        return [(row.owner_nation, row.classification, row.release) for row in rows]


def _seen(runtime: Runtime, persona: helpers.Persona, case_id: str) -> list[str]:
    return [member.case_id for member in world.members(runtime, persona, case_id)]


@pytest.mark.parametrize("answer", ["accept", "refuse"])
def test_household_links_follow_a_transfer_of_the_member_s_case(
    runtime: Runtime, personas: helpers.Personas, answer: str
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    husband = world.open_case(runtime, fra, release=("DEU",))  # both desks read his household
    wife = world.open_case(runtime, fra, given="Lena")
    world.link(runtime, fra, husband, wife, relation="spouse")
    before = _labels(runtime, wife)
    assert before == [("FRA", 1, "")]
    assert _seen(runtime, fra, husband) == [wife]
    assert _seen(runtime, deu, husband) == []  # her case is not released to DEU

    with runtime.db.transaction() as session:
        transfer_id = transfers.request_transfer(
            session=session,
            keyring=helpers.keyring(runtime, fra),
            secrets=runtime.secrets,
            case_id=wife,
            to_nation="DEU",
            reason="Synthetic: she is a German national.",
            basis=Basis("legal_obligation", grounds="Synthetic: consular duty."),
        ).id
    assert _labels(runtime, wife) == before  # a request alone discloses nothing more
    assert _seen(runtime, deu, husband) == []

    with runtime.db.transaction() as session:
        if answer == "accept":
            case_flows.accept_transfer(
                session=session,
                keyring=helpers.keyring(runtime, deu),
                secrets=runtime.secrets,
                transfer_id=transfer_id,
            )
        else:
            transfers.refuse_transfer(
                session=session,
                keyring=helpers.keyring(runtime, deu),
                secrets=runtime.secrets,
                transfer_id=transfer_id,
                reason="Synthetic: no record of her here.",
            )
    if answer == "accept":
        assert _labels(runtime, wife) == [("DEU", 1, "")]
        assert _seen(runtime, deu, husband) == [wife]
        assert _seen(runtime, fra, husband) == []  # FRA is not on her release list
        (back,) = world.members(runtime, deu, wife)
        assert (back.case_id, back.relation) == (husband, "spouse")  # his row: his labels
    else:
        assert _labels(runtime, wife) == before
        assert _seen(runtime, fra, husband) == [wife]
        assert _seen(runtime, deu, husband) == []
