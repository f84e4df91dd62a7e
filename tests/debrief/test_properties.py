"""Properties of debrief need to know, on both engines, over reports of random labels and the
officer pool: a list never shows what opening would refuse (nor hides what it would allow), and
widening a release then narrowing it again restores exactly the earlier readers and wraps."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from homeward.core.errors import NotFound
from homeward.core.runtime import Runtime
from homeward.debrief import releases
from homeward.debrief import service as debrief
from homeward.debrief.models import DebriefReportWrap
from homeward.debrief.schemas import ReportDraft
from homeward.policy import binding
from homeward.policy.roles import Role
from tests.debrief import pool, world
from tests.debrief.test_authorization import READERS, fra_case

PARTNERS = ("GBR", "DEU", "USA")


@st.composite
def drafts(draw: st.DrawFn) -> ReportDraft:
    classification = draw(st.integers(min_value=1, max_value=3))
    return world.draft(
        classification=classification,
        release=sorted(draw(st.sets(st.sampled_from(PARTNERS)))),
        caveats=sorted(draw(st.sets(st.sampled_from(("ORCON", "HUMINT"))))),
        reader_roles=[
            "debriefer",
            *draw(st.sets(st.sampled_from(("supervisor", "desk_officer")))),
        ],
        section_levels=draw(
            st.dictionaries(
                st.sampled_from(("people", "methods")),
                st.integers(min_value=classification, max_value=3),
            )
        ),
    )


def _write(runtime: Runtime, author: pool.Member, case_id: str, made: ReportDraft) -> str:
    with runtime.db.transaction() as session:
        return debrief.write(
            session=session,
            keyring=author.keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            draft=made,
        ).id


def _listed(runtime: Runtime, member: pool.Member) -> set[str]:
    with runtime.db.transaction() as session:
        found = debrief.reports(
            session=session, secrets=runtime.secrets, principal=member.keyring.principal
        )
        return {report.id for report in found}


def _opens(runtime: Runtime, member: pool.Member, report_id: str) -> bool:
    try:
        with runtime.db.transaction() as session:
            debrief.open_report(
                session=session,
                keyring=member.keyring,
                secrets=runtime.secrets,
                report_id=report_id,
            )
    except NotFound:
        return False
    return True


def _readers(runtime: Runtime, members: list[pool.Member], report_id: str) -> set[str]:
    return {m.name for m in members if _opens(runtime, m, report_id)}


def _wraps(runtime: Runtime, report_id: str) -> set[tuple[str, str]]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test reads the wraps")
        rows = session.scalars(
            select(DebriefReportWrap).where(DebriefReportWrap.report_id == report_id)
        )
        return {(row.nation, row.compartment_key_id) for row in rows}


def test_a_list_never_shows_what_opening_would_refuse(runtime: Runtime) -> None:
    members = [m for m in pool.build(runtime) if m.role in READERS]
    case_id = fra_case(runtime, members)
    author = pool.author(members)

    @settings(max_examples=8, deadline=None)
    @given(made=drafts())
    def check(made: ReportDraft) -> None:
        report_id = _write(runtime, author, case_id, made)
        for member in members:
            assert (report_id in _listed(runtime, member)) == _opens(runtime, member, report_id)

    check()


def test_widening_then_narrowing_restores_the_earlier_readers(runtime: Runtime) -> None:
    members = pool.build(runtime)
    case_id = fra_case(runtime, members)
    author, supervisor = pool.author(members), pool.supervisor(members)
    readers_pool = [m for m in members if m.role in READERS]

    @settings(max_examples=6, deadline=None)
    @given(made=drafts(), added=st.sets(st.sampled_from(PARTNERS), min_size=1))
    def check(made: ReportDraft, added: set[str]) -> None:
        made.reader_roles = ["debriefer", "supervisor", "desk_officer"]
        report_id = _write(runtime, author, case_id, made)
        new = sorted(added - set(made.release))
        if not new:
            return
        before, wraps_before = (
            _readers(runtime, readers_pool, report_id),
            _wraps(runtime, report_id),
        )
        with runtime.db.transaction() as session:
            releases.widen(
                session=session,
                keyring=supervisor.keyring,
                secrets=runtime.secrets,
                settings=runtime.settings,
                report_id=report_id,
                nations=new,
                reason="Partners need it",
                basis=world.LEGAL,
            )
        widened = _readers(runtime, readers_pool, report_id)
        assert before < widened
        assert {m.nation for m in readers_pool if m.name in widened - before} <= set(new)
        with runtime.db.transaction() as session:
            releases.narrow(
                session=session,
                keyring=supervisor.keyring,
                secrets=runtime.secrets,
                report_id=report_id,
                nations=new,
                reason="No longer needed",
            )
        assert _readers(runtime, readers_pool, report_id) == before
        assert _wraps(runtime, report_id) == wraps_before

    check()
    assert any(m.role is Role.SUPERVISOR for m in readers_pool)
