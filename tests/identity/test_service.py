"""The online identity service end to end on a real database (SQLite and PostgreSQL), the real
server secrets and the real linkage model: a small synthetic registry imported, a case opened
for one of its people, "who might this be", confirm and reject, need to know, and nothing in
clear at rest."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text

from homeward.audit import service as audit
from homeward.cases import flows as case_flows
from homeward.cases import views
from homeward.cases.identity import ClaimedIdentity
from homeward.core.errors import BadInput, Forbidden, NotFound
from homeward.core.runtime import Runtime
from homeward.identity import decisions, imports, index, search
from homeward.identity import service as identity
from homeward.identity.models import Person, PersonMerge, ReportKey, StoredReport
from homeward.linkage.model import LinkageModel
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import PersonReport, ReportsRefused, read_csv_text
from homeward.policy.labels import Classification
from tests import helpers
from tests.identity.online_world import (
    Registry,
    as_csv,
    files_under,
    open_case,
    principal,
    registry,
    sentinel_report,
    using_real_model,
)


@pytest.fixture
def identity_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkageModel]:
    with using_real_model(tmp_path_factory.mktemp("model")) as model:
        yield model


@pytest.fixture
def world(runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel) -> Registry:
    made = registry()
    fra = principal(runtime, personas["fra_officer"])
    with runtime.db.transaction() as session:
        result = imports.import_reports(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=fra,
            reports=made.reports,
            protection=identity.Protection(),
        )
    assert result.imported == len(made.reports)
    return made


def _count(runtime: Runtime, model: type[object]) -> int:
    with runtime.db.transaction() as session:
        session.info["homeward.policy.system"] = "test: counting rows"
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _candidates(
    runtime: Runtime, persona: helpers.Persona, case_id: str
) -> case_flows.CaseCandidates:
    with runtime.db.transaction() as session:
        return case_flows.case_candidates(
            session=session,
            secrets=runtime.secrets,
            principal=principal(runtime, persona),
            case_id=case_id,
        )


def test_the_true_person_comes_first_with_the_evidence(
    runtime: Runtime, personas: helpers.Personas, world: Registry
) -> None:
    case_id = open_case(runtime, personas["fra_officer"], world.case_identity)
    found = _candidates(runtime, personas["fra_officer"], case_id)
    assert found.indexed, "a case is in the index from the moment it is opened"
    assert found.found.candidates
    first = found.found.candidates[0]
    records = {first.report.report.record_id, *(r.report.record_id for r in first.other_reports)}
    assert world.registry_record in records
    assert 0.5 < first.probability <= 1
    assert [c.probability for c in found.found.candidates] == sorted(
        (c.probability for c in found.found.candidates), reverse=True
    )
    names = {evidence.comparison for evidence in first.score.evidence}
    assert len(names) >= 4
    assert first.score.match_weight == pytest.approx(
        first.score.prior_weight + sum(e.weight for e in first.score.evidence)
    )
    with runtime.db.transaction() as session:
        actions = [entry.action for entry in audit.entries(session=session, resource_id=case_id)]
    assert "identity:search" in actions


def test_confirm_joins_the_persons_and_is_a_case_event(
    runtime: Runtime, personas: helpers.Personas, world: Registry
) -> None:
    fra = personas["fra_officer"]
    case_id = open_case(runtime, fra, world.case_identity)
    first = _candidates(runtime, fra, case_id).found.candidates[0]
    persons_before = _count(runtime, Person)
    with runtime.db.transaction() as session:
        decided = case_flows.decide_for_case(
            session=session,
            secrets=runtime.secrets,
            principal=principal(runtime, fra),
            case_id=case_id,
            report_id=first.report.id,
            decision="confirm",
            reason="Same document number on his letter.",
            probability=first.probability,
        )
    assert decided.person_id is not None
    with runtime.db.transaction() as session:
        session.info["homeward.policy.system"] = "test: reading back"
        own = session.scalar(select(StoredReport).where(StoredReport.case_id == case_id))
        assert own is not None
        other = session.get(StoredReport, first.report.id)
        assert other is not None
        assert own.person_id == other.person_id == decided.person_id
        merge = session.scalar(select(PersonMerge))
        assert merge is not None
        assert merge.survivor_id == decided.person_id
        merged = session.get(Person, merge.merged_id)
        assert merged is not None
        assert merged.merged_into == decided.person_id
        assert audit.entries(session=session, action="identity:link:confirm")
    assert _count(runtime, Person) == persons_before  # merged persons stay, marked merged
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        view = views.case_view(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
        )
    event = next(e for e in view.timeline if e.kind == "identity:link:confirm")
    assert event.detail is not None
    assert event.detail["reason"] == "Same document number on his letter."
    # The person is now the case's own: never proposed again; nor is the pair decided twice.
    again = _candidates(runtime, fra, case_id)
    assert again.indexed
    assert decided.person_id not in {c.person_id for c in again.found.candidates}
    with pytest.raises(decisions.DecisionConflict), runtime.db.transaction() as session:
        case_flows.decide_for_case(
            session=session,
            secrets=runtime.secrets,
            principal=principal(runtime, fra),
            case_id=case_id,
            report_id=first.report.id,
            decision="reject",
        )


def test_a_rejected_person_is_never_proposed_again(
    runtime: Runtime, personas: helpers.Personas, world: Registry
) -> None:
    fra = personas["fra_officer"]
    case_id = open_case(runtime, fra, world.case_identity)
    first = _candidates(runtime, fra, case_id).found.candidates[0]
    with runtime.db.transaction() as session:
        case_flows.decide_for_case(
            session=session,
            secrets=runtime.secrets,
            principal=principal(runtime, fra),
            case_id=case_id,
            report_id=first.report.id,
            decision="reject",
            reason="His brother: another date of birth.",
        )
    for _ in range(2):
        shown = _candidates(runtime, fra, case_id).found.candidates
        assert first.person_id not in {c.person_id for c in shown}
    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        view = views.case_view(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
        )
    assert [e.kind for e in view.timeline].count("identity:link:reject") == 1


def test_bad_decisions_change_nothing(
    runtime: Runtime, personas: helpers.Personas, world: Registry
) -> None:
    fra = principal(runtime, personas["fra_officer"])
    case_id = open_case(runtime, personas["fra_officer"], world.case_identity)
    first = _candidates(runtime, personas["fra_officer"], case_id).found.candidates[0]
    bad = [
        ({"decision": "maybe"}, BadInput, "decision"),
        ({"reason": "x" * 2001}, BadInput, "reason"),
        ({"report_id": ""}, BadInput, "report_id"),
        ({"report_id": "0" * 32}, NotFound, ""),
    ]
    for change, error, field in bad:
        arguments = {"report_id": first.report.id, "decision": "confirm", "reason": "", **change}
        with pytest.raises(error) as raised, runtime.db.transaction() as session:
            case_flows.decide_for_case(
                session=session,
                secrets=runtime.secrets,
                principal=fra,
                case_id=case_id,
                **arguments,
            )
        if field:
            assert getattr(raised.value, "field", "") == field
    assert _count(runtime, StoredReport) == len(world.reports) + 1  # the registry and the case


def test_another_nation_sees_nothing_and_the_administrator_reads_nothing(
    runtime: Runtime, personas: helpers.Personas, world: Registry
) -> None:
    fra_case = open_case(runtime, personas["fra_officer"], world.case_identity)
    fra_report = _candidates(runtime, personas["fra_officer"], fra_case).found.candidates[0]
    deu_case = open_case(runtime, personas["deu_officer"], world.case_identity)
    deu = principal(runtime, personas["deu_officer"])
    assert _candidates(runtime, personas["deu_officer"], deu_case).found.candidates == []
    with runtime.db.transaction() as session:
        found = search.who_might_this_be(
            session=session,
            secrets=runtime.secrets,
            principal=deu,
            report=world.reports[0],
        )
        assert found.candidates == []
        assert found.looked_at == 0
    attempts = [
        lambda session: identity.get_report(
            session=session, secrets=runtime.secrets, principal=deu, report_id=fra_report.report.id
        ),
        lambda session: case_flows.case_candidates(
            session=session, secrets=runtime.secrets, principal=deu, case_id=fra_case
        ),
        lambda session: case_flows.decide_for_case(
            session=session,
            secrets=runtime.secrets,
            principal=deu,
            case_id=deu_case,
            report_id=fra_report.report.id,
            decision="confirm",
        ),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound), runtime.db.transaction() as session:
            attempt(session)
    administrator = principal(runtime, personas["administrator"])
    with pytest.raises(Forbidden), runtime.db.transaction() as session:
        search.who_might_this_be(
            session=session,
            secrets=runtime.secrets,
            principal=administrator,
            report=world.reports[0],
        )
    with pytest.raises(Forbidden), runtime.db.transaction() as session:
        identity.get_report(
            session=session,
            secrets=runtime.secrets,
            principal=administrator,
            report_id=fra_report.report.id,
        )


def test_a_release_lets_another_nation_search_but_not_decide_alone(
    runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel
) -> None:
    made = registry()
    fra = principal(runtime, personas["fra_officer"])
    with runtime.db.transaction() as session:
        imports.import_reports(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=fra,
            reports=made.reports[:40],
            protection=identity.Protection(int(Classification.RESTRICTED), ["DEU"]),
        )
    deu_case = open_case(runtime, personas["deu_officer"], made.case_identity)
    shown = []
    for query in made.reports[3:5]:
        with runtime.db.transaction() as session:
            found = search.who_might_this_be(
                session=session,
                secrets=runtime.secrets,
                principal=principal(runtime, personas["deu_officer"]),
                report=normalise(query),
            )
        shown.append(found.candidates[0].report)
        assert shown[-1].report.record_id == query.record_id
        assert (shown[-1].owner_nation, shown[-1].release) == ("FRA", ["DEU"])
    with pytest.raises(NotFound), runtime.db.transaction() as session:
        case_flows.decide(
            session=session,
            secrets=runtime.secrets,
            principal=principal(runtime, personas["deu_officer"]),
            report_id=shown[0].id,
            other_report_id=shown[1].id,
            decision="confirm",
        )
    assert deu_case


def test_a_bad_registry_is_refused_by_line_and_field_and_nothing_is_stored(
    runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel
) -> None:
    good = registry().reports[:5]
    text_ = as_csv(good).splitlines()
    text_[2] = text_[2].replace(good[1].dob, "1994-02-31") if good[1].dob else text_[2]
    text_.append("R9,Ali,Haddad,,,,,16/08/1994,,FR,Q,,")
    with pytest.raises(ReportsRefused) as refused:
        read_csv_text("\n".join(text_))
    problems = refused.value.problems
    assert any(p.startswith("line 7, dob:") for p in problems)
    assert any(p.startswith("line 7, nationality:") for p in problems)
    assert any(p.startswith("line 7, sex:") for p in problems)
    fra = principal(runtime, personas["fra_officer"])
    with runtime.db.transaction() as session:
        imports.import_reports(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=fra,
            reports=good[:2],
            protection=identity.Protection(),
        )
    with pytest.raises(ReportsRefused) as again, runtime.db.transaction() as session:
        imports.import_reports(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=fra,
            reports=good,
            protection=identity.Protection(),
        )
    assert again.value.problems == [
        f"line 2, record_id: {good[0].record_id!r} is already imported",
        f"line 3, record_id: {good[1].record_id!r} is already imported",
    ]
    with pytest.raises(BadInput) as level, runtime.db.transaction() as session:
        imports.import_reports(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=fra,
            reports=good[2:],
            protection=identity.Protection(classification=0),
        )
    assert level.value.field == "classification"
    assert _count(runtime, StoredReport) == 2
    assert _count(runtime, Person) == 2


def test_nothing_of_a_report_is_in_clear_at_rest(
    runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel
) -> None:
    name = "Zorkelwandt"
    report = sentinel_report(name)
    fra = principal(runtime, personas["fra_officer"])
    with runtime.db.transaction() as session:
        stored = identity.add_report(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=fra,
            report=report,
            protection=identity.Protection(),
        )
    case_id = open_case(runtime, personas["fra_officer"], views_identity(name))
    with runtime.db.transaction() as session:
        case_flows.index_case(
            session=session, secrets=runtime.secrets, principal=fra, case_id=case_id
        )
    normalised = normalise(report)
    keys = index.Keys.of(runtime.secrets)
    markers = [name, name.lower(), name.upper(), normalised.family_key, report.document_number]
    markers += sorted(index.blocking_keys(normalised))
    searched = {str(p): p.read_bytes() for p in files_under(runtime.settings.data_dir)}
    url = runtime.settings.effective_database_url
    if url.startswith("postgresql"):
        dump = subprocess.run(
            ["pg_dump", "--no-owner", url], check=True, capture_output=True, timeout=120
        )
        searched["postgres dump"] = dump.stdout
    everything = b"".join(searched.values())
    assert everything
    hits = [marker for marker in markers if marker and marker.encode() in everything]
    assert hits == []
    # ...while the index finds it, through hashes only.
    with runtime.db.transaction() as session:
        hashes = index.key_hashes(keys, normalised)
        rows = session.scalars(select(ReportKey.report_id).where(ReportKey.key_hash.in_(hashes)))
        assert stored.id in set(rows)
        assert session.execute(text("SELECT count(*) FROM person_report_key")).scalar_one() > 0


def views_identity(name: str) -> ClaimedIdentity:
    return ClaimedIdentity(
        given_names="Karim", family_name=name, date_of_birth="1991-03", nationalities=["FRA"]
    )


def test_a_new_case_is_found_by_a_later_search_and_follows_its_identity(
    runtime: Runtime, personas: helpers.Personas, world: Registry
) -> None:
    """'Who might this be' searches all cases: a case opened without any indexing step is a
    candidate for a later report of the same man, and a corrected identity moves it."""
    fra = personas["fra_officer"]
    case_id = open_case(runtime, fra, world.case_identity)
    query = PersonReport(
        "query",
        given_name=world.case_identity.given_names,
        family_name=world.case_identity.family_name,
        dob=world.case_identity.date_of_birth,
    )
    with runtime.db.transaction() as session:
        found = search.who_might_this_be(
            session=session,
            secrets=runtime.secrets,
            principal=principal(runtime, fra),
            report=query,
        )
        case_rows = session.scalars(select(StoredReport).where(StoredReport.case_id == case_id))
        case_reports = {row.id for row in case_rows}
    assert len(case_reports) == 1
    found_ids = {c.report.id for c in found.candidates} | {
        r.id for c in found.candidates for r in c.other_reports
    }
    assert case_reports & found_ids


def _import(runtime: Runtime, persona: helpers.Persona, reports: list[PersonReport]) -> None:
    with runtime.db.transaction() as session:
        imports.import_reports(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=principal(runtime, persona),
            reports=reports,
            protection=identity.Protection(),
            workers=1,
        )


@pytest.mark.parametrize("flood", [120, 1_020])
def test_another_nations_many_namesakes_neither_hide_nor_betray_a_desks_own_report(
    flood: int, runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel
) -> None:
    """Need to know comes before the index's cap and ranking: FRA's 120 namesakes (all of
    them sharing more keys with the query) do not push DEU's own report out of DEU's search,
    and 1,020 of them (past the key cap) do not make DEU's keys "too common", which would tell
    DEU that another nation holds such reports."""
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    namesake = PersonReport(
        "F0",
        given_name="Karim",
        family_name="Benali",
        dob="1993-07-21",
        place_of_birth="Roubaix",
        nationality=("FRA",),
        document_number="FR4455667",
    )
    _import(runtime, fra, [replace(namesake, record_id=f"F{n}") for n in range(flood)])
    _import(
        runtime,
        deu,
        [PersonReport("D1", given_name="Karim", family_name="Benali", dob="1993-07-21")],
    )
    case_id = open_case(
        runtime,
        deu,
        ClaimedIdentity(given_names="Karim", family_name="Benali", date_of_birth="1993-07-21"),
    )
    with runtime.db.transaction() as session:
        searched = search.who_might_this_be(
            session=session,
            secrets=runtime.secrets,
            principal=principal(runtime, deu),
            report=namesake,
        )
    for_case = _candidates(runtime, deu, case_id).found
    for found in (searched, for_case):
        records = {c.report.report.record_id for c in found.candidates}
        assert "D1" in records
        assert {c.report.owner_nation for c in found.candidates} == {"DEU"}
        assert found.skipped_keys == 0
    with runtime.db.transaction() as session:
        fra_found = search.who_might_this_be(
            session=session,
            secrets=runtime.secrets,
            principal=principal(runtime, fra),
            report=namesake,
        )
    # In FRA's own view the cap still holds: 1,020 namesakes make FRA's keys too common.
    if flood <= index.identity_settings().key_cap:
        assert fra_found.skipped_keys == 0
        assert {c.report.owner_nation for c in fra_found.candidates} == {"FRA"}
    else:
        assert fra_found.skipped_keys > 0
        assert "D1" not in {c.report.report.record_id for c in fra_found.candidates}
