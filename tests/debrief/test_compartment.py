"""The debrief compartment key, on both engines, with the real crypto: a report's content key
is sealed to the compartment key of the owner nation and of each released nation, held only by
officers whose role reads debriefs. An officer who holds the nation's desk key but does not
read debriefs cannot unseal it even by calling the crypto directly; a reader added later gets
the key at a colleague reader's sign-in; widening seals to the new nation's compartment key,
narrowing takes the wrap away; a rotated key leaves old reports readable."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from homeward.accounts import service as accounts_service
from homeward.accounts.models import CompartmentKey, OfficerCompartmentKey
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.core.errors import BadInput, Forbidden
from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.debrief import releases
from homeward.debrief import service as debrief
from homeward.debrief.models import DebriefReport, DebriefReportWrap
from homeward.policy import binding
from homeward.policy.roles import Role
from tests import helpers
from tests.debrief import world


@pytest.fixture
def people(runtime: Runtime, personas: helpers.Personas) -> helpers.Personas:
    return world.populate(runtime, personas)


def _add(runtime: Runtime, username: str, role: Role, nation: str) -> helpers.Persona:
    password = "synthetic-password-for-the-test"
    with runtime.db.transaction() as session:
        officer, _uri = accounts_service.add_officer(
            session=session,
            secrets=runtime.secrets,
            cost=runtime.cost,
            actor=audit.SYSTEM,
            data=NewOfficer(username, password, role, nation, 3),
        )
        return helpers.Persona(username, officer.username, password, role, nation, officer.id)


def _grant(runtime: Runtime, granter: helpers.Persona) -> None:
    keyring = helpers.keyring(runtime, granter)
    with runtime.db.transaction() as session:
        accounts_service.grant_pending_keys(session=session, keyring=keyring)


def _wraps(runtime: Runtime, report_id: str) -> list[tuple[str, str, bytes]]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test reads the stored wraps")
        rows = session.scalars(
            select(DebriefReportWrap).where(DebriefReportWrap.report_id == report_id)
        )
        return [(row.nation, row.compartment_key_id, row.sealed_key) for row in rows]


def _content_key(runtime: Runtime, persona: helpers.Persona, report_id: str) -> bytes:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test reaches the report past the policy")
        report = session.get(DebriefReport, report_id)
        assert report is not None
        return debrief.content_key(session, keyring, report)


def _holders(runtime: Runtime, nation: str) -> set[str]:
    with runtime.db.transaction() as session:
        return set(
            session.scalars(
                select(OfficerCompartmentKey.officer_id)
                .join(CompartmentKey)
                .where(CompartmentKey.nation == nation)
            )
        )


def _current_key_id(runtime: Runtime, nation: str) -> str:
    with runtime.db.transaction() as session:
        keys = accounts_service.compartment_keys(session=session, actor="test", nations=[nation])
        return keys[nation].id


def test_only_debrief_readers_hold_the_compartment_key(
    runtime: Runtime, people: helpers.Personas
) -> None:
    fra_coordinator = _add(runtime, "fra.coordinator", Role.COORDINATOR, "FRA")
    _grant(runtime, people["fra_officer"])
    readers = {
        people[key].officer_id
        for key in ("fra_officer", "fra_supervisor", "fra_debriefer", "fra_junior")
    }
    assert _holders(runtime, "FRA") == readers
    # The coordinator holds FRA's desk key (what report bodies were sealed to before) ...
    coordinator = helpers.keyring(runtime, fra_coordinator)
    with runtime.db.transaction() as session:
        desk = accounts_service.desk_private_keys(session=session, keyring=coordinator)
        compartment = accounts_service.compartment_private_keys(
            session=session, keyring=coordinator
        )
    assert desk
    assert compartment == {}
    # ... and yet no key it holds unseals a wrap of a FRA report, tried directly.
    case_id = world.fra_case(runtime, people)
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft("C1"))
    wraps = _wraps(runtime, report_id)
    assert [nation for nation, _key, _sealed in wraps] == ["FRA"]
    for _nation, _key_id, sealed in wraps:
        for private in [*desk.values(), coordinator.private_key]:
            with pytest.raises(sealing.CryptoError):
                sealing.unseal(private, sealed)
    with pytest.raises(Forbidden):
        _content_key(runtime, fra_coordinator, report_id)
    # The owning desk's readers do open it, through the compartment key.
    content = _content_key(runtime, people["fra_officer"], report_id)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test reads the stored body")
        row = session.get(DebriefReport, report_id)
        assert row is not None
        assert b"C1" in sealing.decrypt(content, row.body)


def test_first_reader_of_a_nation_makes_its_key(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        accounts_service.ensure_default_desks(session=session)
    _add(runtime, "can.coordinator", Role.COORDINATOR, "CAN")
    assert _holders(runtime, "CAN") == set()
    reader = _add(runtime, "can.officer", Role.DESK_OFFICER, "CAN")
    assert _holders(runtime, "CAN") == {reader.officer_id}
    later = _add(runtime, "can.debriefer", Role.DEBRIEFER, "CAN")
    assert _holders(runtime, "CAN") == {reader.officer_id}
    _grant(runtime, reader)
    assert _holders(runtime, "CAN") == {reader.officer_id, later.officer_id}


def test_a_reader_added_later_gets_the_key_when_a_colleague_signs_in(
    runtime: Runtime, people: helpers.Personas, client: TestClient
) -> None:
    case_id = world.fra_case(runtime, people)
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft("C2"))
    newcomer = _add(runtime, "fra.newcomer", Role.DEBRIEFER, "FRA")
    with pytest.raises(Forbidden):
        _content_key(runtime, newcomer, report_id)
    helpers.officer_signin(client, runtime, people["fra_debriefer"])
    assert newcomer.officer_id in _holders(runtime, "FRA")
    assert _content_key(runtime, newcomer, report_id) == _content_key(
        runtime, people["fra_debriefer"], report_id
    )


def test_widen_seals_to_the_new_compartment_and_narrow_takes_it_away(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people, release=("GBR",))
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft("C3"))
    supervisor = helpers.keyring(runtime, people["fra_supervisor"])
    with runtime.db.transaction() as session:
        releases.widen(
            session=session,
            keyring=supervisor,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
            nations=["GBR"],
            reason="GBR prosecutors asked",
            basis=world.LEGAL,
        )
    gbr_key = _current_key_id(runtime, "GBR")
    wraps = {nation: (key_id, sealed) for nation, key_id, sealed in _wraps(runtime, report_id)}
    assert set(wraps) == {"FRA", "GBR"}
    assert wraps["GBR"][0] == gbr_key
    gbr = helpers.keyring(runtime, people["gbr_officer"])
    with runtime.db.transaction() as session:
        gbr_desk = accounts_service.desk_private_keys(session=session, keyring=gbr)
        gbr_compartment = accounts_service.compartment_private_keys(session=session, keyring=gbr)
    for private in gbr_desk.values():
        with pytest.raises(sealing.CryptoError):
            sealing.unseal(private, wraps["GBR"][1])
    fra_content = _content_key(runtime, people["fra_debriefer"], report_id)
    assert sealing.unseal(gbr_compartment[gbr_key], wraps["GBR"][1]) == fra_content
    with runtime.db.transaction() as session:
        releases.narrow(
            session=session,
            keyring=supervisor,
            secrets=runtime.secrets,
            report_id=report_id,
            nations=["GBR"],
            reason="Withdrawn",
        )
    assert [nation for nation, _key, _sealed in _wraps(runtime, report_id)] == ["FRA"]
    with pytest.raises(Forbidden):
        _content_key(runtime, people["gbr_officer"], report_id)


def test_widening_to_a_nation_without_debrief_readers_is_refused(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people, release=("USA",))
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft("C4"))
    before = _wraps(runtime, report_id)
    supervisor = helpers.keyring(runtime, people["fra_supervisor"])
    with (
        pytest.raises(BadInput, match="USA has no officer who reads debriefs"),
        runtime.db.transaction() as session,
    ):
        releases.widen(
            session=session,
            keyring=supervisor,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
            nations=["USA"],
            reason="USA asked",
            basis=world.LEGAL,
        )
    assert _wraps(runtime, report_id) == before
    assert _holders(runtime, "USA") == set()


def test_rotation_seals_new_reports_to_the_new_version_and_old_ones_still_open(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people)
    old_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft("C5"))
    old_key = _current_key_id(runtime, "FRA")
    with runtime.db.transaction() as session:
        rotated = accounts_service.rotate_compartment_key(
            session=session, actor=audit.SYSTEM, nation="FRA"
        )
        rotated_id, version = rotated.id, rotated.version
    assert version == 2
    new_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft("C6"))
    assert [key for _n, key, _s in _wraps(runtime, old_id)] == [old_key]
    assert [key for _n, key, _s in _wraps(runtime, new_id)] == [rotated_id]
    for key in ("fra_debriefer", "fra_officer", "fra_junior"):
        _content_key(runtime, people[key], old_id)
        _content_key(runtime, people[key], new_id)
    with runtime.db.transaction() as session, pytest.raises(BadInput, match="USA"):
        accounts_service.rotate_compartment_key(session=session, actor="t", nation="USA")
