"""Release decisions and sanitising, on both engines: widening is a supervisor's recorded
decision with a lawful basis, sealing the key to the new nation then; narrowing takes the wraps
away and is recorded; a sanitised report is new, lower or wider, linked to its source, and the
source is left byte for byte as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from homeward.audit.models import AuditEvent
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.debrief import releases
from homeward.debrief import service as debrief
from homeward.debrief.models import SANITISED, DebriefReport
from homeward.debrief.schemas import Sanitising
from homeward.policy import binding
from tests import helpers
from tests.debrief import world


@pytest.fixture
def people(runtime: Runtime, personas: helpers.Personas) -> helpers.Personas:
    return world.populate(runtime, personas)


def _widen(runtime: Runtime, persona: helpers.Persona, report_id: str, **extra: object) -> None:
    keyring = helpers.keyring(runtime, persona)
    arguments: dict[str, object] = {
        "nations": ["GBR"],
        "reason": "GBR prosecutors asked",
        "basis": world.LEGAL,
    } | extra
    with runtime.db.transaction() as session:
        releases.widen(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
            **arguments,  # type: ignore[arg-type]
        )


def _opens(runtime: Runtime, persona: helpers.Persona, report_id: str) -> bool:
    keyring = helpers.keyring(runtime, persona)
    try:
        with runtime.db.transaction() as session:
            debrief.open_report(
                session=session, keyring=keyring, secrets=runtime.secrets, report_id=report_id
            )
    except NotFound:
        return False
    return True


def test_widen_and_narrow_are_recorded_decisions(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people)
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft())
    assert not _opens(runtime, people["gbr_debriefer"], report_id)
    _widen(runtime, people["fra_supervisor"], report_id)
    assert _opens(runtime, people["gbr_debriefer"], report_id)
    keyring = helpers.keyring(runtime, people["fra_supervisor"])
    with runtime.db.transaction() as session:
        releases.narrow(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            report_id=report_id,
            nations=["GBR"],
            reason="Case closed there",
        )
    assert not _opens(runtime, people["gbr_debriefer"], report_id)
    with runtime.db.transaction() as session:
        opened = debrief.open_report(
            session=session, keyring=keyring, secrets=runtime.secrets, report_id=report_id
        )
        binding.as_system(session, "test counts audit entries")
        actions = set(
            session.scalars(select(AuditEvent.action).where(AuditEvent.resource_id == report_id))
        )
    assert [(r.action, r.nations, r.basis_kind, r.reason) for r in opened.releases] == [
        ("widen", ["GBR"], "legal_obligation", "GBR prosecutors asked"),
        ("narrow", ["GBR"], None, "Case closed there"),
    ]
    assert {"debrief:release:widen", "debrief:release:narrow"} <= actions


@pytest.mark.parametrize(
    ("who", "extra", "error"),
    [
        ("fra_debriefer", {}, Forbidden),
        ("gbr_supervisor", {}, NotFound),
        ("fra_supervisor", {"basis": None}, BadInput),
        ("fra_supervisor", {"reason": " "}, BadInput),
        ("fra_supervisor", {"nations": ["IRQ"]}, BadInput),
        ("fra_supervisor", {"nations": ["CAN"]}, BadInput),
    ],
)
def test_widening_refusals_change_nothing(
    runtime: Runtime,
    people: helpers.Personas,
    who: str,
    extra: dict[str, object],
    error: type[Exception],
) -> None:
    case_id = world.fra_case(runtime, people)
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft())
    with pytest.raises(error):
        _widen(runtime, people[who], report_id, **extra)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test reads the report")
        row = session.get(DebriefReport, report_id)
        assert row is not None
        assert row.release == ""
        assert {wrap.nation for wrap in row.wraps} == {"FRA"}
        assert row.releases == []


def test_sanitised_report_is_new_linked_and_leaves_its_source(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people)
    made = world.draft(classification=3, caveats=["ORCON"], section_levels={})
    made.section_levels = {}
    report_id = world.write(runtime, people["fra_debriefer"], case_id, made)
    with runtime.db.transaction() as session:
        binding.as_system(session, "test keeps the source as stored")
        source = session.get(DebriefReport, report_id)
        assert source is not None
        before = (
            source.body,
            source.classification,
            source.release,
            source.caveats,
            len(source.wraps),
        )
    keyring = helpers.keyring(runtime, people["fra_supervisor"])
    with runtime.db.transaction() as session:
        derived_id = debrief.sanitise(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
            data=Sanitising(
                classification=2,
                release=["GBR"],
                caveats=[],
                reason="For the partner desks",
                drop=["methods"],
                text="Sanitised summary",
                basis=world.LEGAL,
            ),
        ).id
    with runtime.db.transaction() as session:
        binding.as_system(session, "test compares source and copy")
        source = session.get(DebriefReport, report_id)
        derived = session.get(DebriefReport, derived_id)
        assert source is not None
        assert derived is not None
        after = (
            source.body,
            source.classification,
            source.release,
            source.caveats,
            len(source.wraps),
        )
        assert after == before
        assert (derived.origin, derived.source_id, derived.classification) == (
            SANITISED,
            report_id,
            2,
        )
        assert derived.release_list == ["GBR"]
    gbr = helpers.keyring(runtime, people["gbr_officer"])
    with runtime.db.transaction() as session:
        opened = debrief.open_report(
            session=session, keyring=gbr, secrets=runtime.secrets, report_id=derived_id
        )
    assert opened.text == "Sanitised summary"
    assert opened.sections["methods"] == []
    assert opened.subject is None
    assert not _opens(runtime, people["gbr_officer"], report_id)


@pytest.mark.parametrize(
    ("classification", "release", "field"),
    [
        (3, ["DEU", "GBR"], "classification"),  # higher than its source
        (2, ["GBR"], "release"),  # DEU left out
        (2, ["DEU"], "classification"),  # nothing looser
    ],
)
def test_sanitising_never_raises_or_narrows(
    runtime: Runtime, people: helpers.Personas, classification: int, release: list[str], field: str
) -> None:
    case_id = world.fra_case(runtime, people)
    report_id = world.write(
        runtime, people["fra_debriefer"], case_id, world.draft(classification=2, release=["DEU"])
    )
    keyring = helpers.keyring(runtime, people["fra_supervisor"])
    with runtime.db.transaction() as session, pytest.raises(BadInput) as refused:
        debrief.sanitise(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            report_id=report_id,
            data=Sanitising(
                classification=classification, release=release, reason="x", basis=world.LEGAL
            ),
        )
    assert refused.value.field == field
    with runtime.db.transaction() as session:
        binding.as_system(session, "test counts reports")
        assert session.scalar(select(func.count()).select_from(DebriefReport)) == 1
