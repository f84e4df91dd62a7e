"""Writing, listing and opening debrief reports through the service, on both engines: the body
sealed in the database, each read audited, the subject kept to the owner, sections above a
reader's clearance withheld, bad labels refused by name with nothing stored."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from homeward.audit.models import AuditEvent
from homeward.cases.models import Case, CaseEvent
from homeward.core.errors import BadInput, NotFound
from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.debrief import service as debrief
from homeward.debrief.models import DebriefReport
from homeward.policy import binding
from tests import helpers
from tests.debrief import world


@pytest.fixture
def people(runtime: Runtime, personas: helpers.Personas) -> helpers.Personas:
    return world.populate(runtime, personas)


def _open(runtime: Runtime, persona: helpers.Persona, report_id: str) -> debrief.OpenedReport:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        return debrief.open_report(
            session=session, keyring=keyring, secrets=runtime.secrets, report_id=report_id
        )


def test_written_report_opens_for_its_desk_and_is_ciphertext_at_rest(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people)
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft("M1"))
    opened = _open(runtime, people["fra_debriefer"], report_id)
    assert opened.subject == "Karim Benali M1"
    assert opened.sections["places"][0].country == "SY"
    assert opened.text == "Free text of the session M1"
    assert opened.summary.title == "Session one M1"
    with runtime.db.transaction() as session:
        binding.as_system(session, "test reads the stored row")
        row = session.get(DebriefReport, report_id)
        assert row is not None
        assert b"M1" not in row.body
        assert b"Karim" not in row.body
        # A key the report is not sealed to does not open it.
        stranger, _public = sealing.generate_keypair()
        with pytest.raises(sealing.CryptoError):
            sealing.unseal(stranger, row.wraps[0].sealed_key)
        reads = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "debrief:report:read", AuditEvent.resource_id == report_id)
        )
    assert reads == 1


def test_other_nation_reads_a_released_report_without_the_subject(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people)
    report_id = world.write(
        runtime, people["fra_debriefer"], case_id, world.draft("M2", release=["GBR"])
    )
    opened = _open(runtime, people["gbr_debriefer"], report_id)
    assert opened.subject is None
    assert opened.summary.case_id is None
    assert opened.releases == []
    assert opened.sections["people"][0].name == "Abu Mariam"
    with pytest.raises(NotFound):
        _open(runtime, people["deu_debriefer"], report_id)


def test_a_case_reader_of_another_nation_does_not_see_its_debriefs(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people, release=("DEU",))
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft())
    keyring = helpers.keyring(runtime, people["deu_debriefer"])
    with runtime.db.transaction() as session:
        assert (
            debrief.reports(session=session, secrets=runtime.secrets, principal=keyring.principal)
            == []
        )
    with pytest.raises(NotFound):
        _open(runtime, people["deu_debriefer"], report_id)


def test_a_stricter_section_is_withheld_below_its_level(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people)
    report_id = world.write(
        runtime,
        people["fra_debriefer"],
        case_id,
        world.draft(classification=1, section_levels={"methods": 3}),
    )
    opened = _open(runtime, people["fra_junior"], report_id)
    assert "methods" not in opened.sections
    assert opened.withheld == ["methods"]
    assert "methods" in _open(runtime, people["fra_debriefer"], report_id).sections


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"caveats": ["NOPE"]}, "caveats"),
        ({"classification": 0}, "classification"),
        ({"release": ["XYZ"]}, "release"),
        ({"reader_roles": ["coordinator", "debriefer"]}, "reader_roles"),
        ({"reader_roles": ["supervisor"]}, "reader_roles"),
        ({"section_levels": {"gossip": 3}}, "section_levels"),
        ({"title": "  "}, "title"),
        ({"release": ["GBR"], "basis": None}, "basis"),
    ],
)
def test_bad_labels_are_refused_by_name_and_nothing_is_stored(
    runtime: Runtime, people: helpers.Personas, changes: dict[str, object], field: str
) -> None:
    case_id = world.fra_case(runtime, people)
    made = world.draft(**changes)
    if "basis" in changes:
        made.basis = None
    with pytest.raises(BadInput) as refused:
        world.write(runtime, people["fra_debriefer"], case_id, made)
    assert refused.value.field == field
    with runtime.db.transaction() as session:
        binding.as_system(session, "test counts reports")
        assert session.scalar(select(func.count()).select_from(DebriefReport)) == 0


def test_a_caveat_the_writer_does_not_hold_is_refused(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people)
    with pytest.raises(BadInput, match="do not hold LIMDIS"):
        world.write(runtime, people["fra_debriefer"], case_id, world.draft(caveats=["LIMDIS"]))


def test_the_filter_holds_on_aliases_counts_and_joins(
    runtime: Runtime, people: helpers.Personas
) -> None:
    case_id = world.fra_case(runtime, people)
    world.write(runtime, people["fra_debriefer"], case_id, world.draft(caveats=["HUMINT"]))
    counted = {}
    for key in ("fra_debriefer", "gbr_debriefer", "fra_officer"):
        principal = helpers.keyring(runtime, people[key]).principal
        with runtime.db.transaction() as session:
            binding.bind(session, principal)
            other = aliased(DebriefReport)
            counted[key] = (
                len(session.scalars(select(other)).all()),
                session.scalar(select(func.count()).select_from(DebriefReport)),
                len(
                    session.scalars(
                        select(Case.id).join(DebriefReport, DebriefReport.case_id == Case.id)
                    ).all()
                ),
            )
    # fra_officer sees the case but holds no HUMINT; GBR sees neither.
    assert counted == {
        "fra_debriefer": (1, 1, 1),
        "gbr_debriefer": (0, 0, 0),
        "fra_officer": (0, 0, 0),
    }


def test_writing_leaves_no_trace_on_the_case_timeline(
    runtime: Runtime, people: helpers.Personas
) -> None:
    """Other nations read the case's timeline; a report is known to its own readers only."""
    case_id = world.fra_case(runtime, people, release=("DEU",))
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft())
    with runtime.db.transaction() as session:
        binding.as_system(session, "test reads events and the audit log")
        kinds = set(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)))
        written = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "debrief:report:write", AuditEvent.resource_id == report_id)
        )
    assert not {kind for kind in kinds if kind.startswith("debrief")}
    assert written == 1
