"""The online index's name keys without a date: a report giving a full name and nothing else
is found among many namesakes, while the name keys' own cap (`name_key_cap`) and the bound on
reports they alone bring in (`name_candidates`) keep a query cheap at a million reports and
keep namesakes from crowding out reports found by a date. Synthetic names only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.core.runtime import Runtime
from homeward.identity import imports, index, search
from homeward.identity import service as identity
from homeward.identity.models import StoredReport
from homeward.linkage.model import LinkageModel
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import PersonReport
from homeward.policy import binding
from homeward.policy.check import Principal
from tests import helpers
from tests.identity.online_world import principal, using_real_model


@pytest.fixture
def identity_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkageModel]:
    with using_real_model(tmp_path_factory.mktemp("model")) as model:
        yield model


def _word(number: int) -> str:
    """A made-up word per number whose key is its own ("Babada", "Babafa", ...)."""
    return "".join("bdfglmnprt"[int(digit)] + "a" for digit in f"{number:03d}").title()


def _import(runtime: Runtime, officer: Principal, reports: list[PersonReport]) -> None:
    with runtime.db.transaction() as session:
        imports.import_reports(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=officer,
            reports=reports,
            protection=identity.Protection(),
            workers=1,
        )


def test_a_full_name_alone_is_found_among_many_namesakes_and_few_are_scored(
    runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel
) -> None:
    """ "Husayn Muhammad Husayn al-Juaythini", full name only (no date, no place), is found
    first for another spelling of it, also without date or place, in a registry where 130
    reports share "Muhammad Husayn" (keys past the name cap), 40 share "Husayn ... Juaythini"
    (under it: more than the name candidates scored) and 100 dated "Muhammad Ali" abound.
    Fails if the name keys lose their own cap (nothing is skipped) or the reports they alone
    bring in are no longer bounded (41 would be scored)."""
    settings = index.identity_settings()
    assert settings.name_key_cap < 130
    assert settings.name_candidates < 40
    fra = principal(runtime, personas["fra_officer"])
    _import(
        runtime,
        fra,
        [
            PersonReport("T1", full_name="Husayn Muhammad Husayn al-Juaythini"),
            *(PersonReport(f"C{i}", full_name=f"Muhammad Husayn {_word(i)}") for i in range(130)),
            *(
                PersonReport(f"J{i}", full_name=f"Husayn {_word(200 + i)} Juaythini")
                for i in range(40)
            ),
            *(
                PersonReport(
                    f"A{i}", given_name="Muhammad", family_name="Ali", dob=f"{1960 + i % 40}"
                )
                for i in range(100)
            ),
        ],
    )
    query = PersonReport("q", full_name="Hussein Muhamad Husayn Al-Juaythini")
    with runtime.db.transaction() as session:
        found = search.who_might_this_be(
            session=session, secrets=runtime.secrets, principal=fra, report=query
        )
    assert found.candidates[0].report.report.record_id == "T1"
    assert found.skipped_name_keys >= 2  # "husn|muhmd" and "muhmd": 130+ reports each
    assert 1 < found.looked_at <= settings.name_candidates
    assert found.skipped_keys == 0  # the query has no key with a date, a document, a place


def _record_ids(session: Session, report_ids: list[str], keys: index.Keys) -> list[str]:
    rows = {
        row.id: index.open_payload(keys, row.sealed)[0].record_id
        for row in session.scalars(select(StoredReport).where(StoredReport.id.in_(report_ids)))
    }
    return [rows[report_id] for report_id in report_ids]


def test_namesakes_found_by_name_alone_never_crowd_out_a_report_found_by_its_date(
    runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel
) -> None:
    """60 undated "Karim Benali" share four name keys with the query "Karim Benali, born
    1 March 1990"; "Abdelkarim Benali", born that day, shares one name key and the date. With
    room for five candidates of each kind, he comes first, and at most five namesakes follow
    (one list ranked by shared keys alone, as before, held only namesakes)."""
    fra = principal(runtime, personas["fra_officer"])
    _import(
        runtime,
        fra,
        [
            PersonReport("D1", given_name="Abdelkarim", family_name="Benali", dob="1990-03-01"),
            *(PersonReport(f"N{i}", full_name="Karim Benali") for i in range(60)),
        ],
    )
    keys = index.Keys.of(runtime.secrets)
    query = normalise(PersonReport("q", given_name="Karim", family_name="Benali", dob="1990-03-01"))
    with runtime.db.transaction() as session:
        binding.bind(session, fra)
        found = index.lookup(
            session,
            index.query_hashes(keys, query),
            principal=fra,
            max_candidates=5,
            name_candidates=5,
        )
        records = _record_ids(session, found.report_ids, keys)
    assert records[0] == "D1"
    assert len(records) == 6
    assert all(record.startswith("N") for record in records[1:])
    assert found.skipped_keys == found.skipped_name_keys == 0


def test_a_name_key_past_its_cap_is_skipped_and_counted(
    runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel
) -> None:
    """The name cap applies to name keys only: 12 undated "Zayd Qarawi" and one dated make
    the name keys too common at a cap of 10 (counted apart), while the dated report is still
    found through its date keys, whose cap is the ordinary one."""
    fra = principal(runtime, personas["fra_officer"])
    _import(
        runtime,
        fra,
        [
            PersonReport("Z1", given_name="Zayd", family_name="Qarawi", dob="1971-11-05"),
            *(PersonReport(f"N{i}", full_name="Zayd Qarawi") for i in range(12)),
        ],
    )
    keys = index.Keys.of(runtime.secrets)
    query = normalise(PersonReport("q", given_name="Zayd", family_name="Qarawi", dob="1971-11-05"))
    hashes = index.query_hashes(keys, query)
    with runtime.db.transaction() as session:
        binding.bind(session, fra)
        found = index.lookup(session, hashes, principal=fra, key_cap=10, name_key_cap=10)
        records = _record_ids(session, found.report_ids, keys)
    assert records == ["Z1"]
    assert found.skipped_name_keys == len(hashes.names) >= 3
    assert found.skipped_keys == 0


def test_a_nom_de_guerre_and_nation_alone_are_found(
    runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel
) -> None:
    """ "Abu Mariam al-Faransi" (his child's name and "the Frenchman"), with no date and no
    name of his own, is all a mother may know. The query finds the reports of that nom de
    guerre and nation, dated or not, and not the German one. Fails without the date-less
    kunya key: such a query has no other key."""
    fra = principal(runtime, personas["fra_officer"])
    _import(
        runtime,
        fra,
        [
            PersonReport("K1", full_name="Abu Mariam al-Faransi"),
            PersonReport("K2", full_name="Abu Mariam", nationality=("FRA",), dob="1988"),
            PersonReport("K3", full_name="Abu Mariam al-Almani"),
            *(PersonReport(f"N{i}", full_name=f"Abu {_word(i)} al-Faransi") for i in range(20)),
        ],
    )
    query = PersonReport("q", full_name="Abou Mariam al-Faransi")
    keys = index.Keys.of(runtime.secrets)
    with runtime.db.transaction() as session:
        binding.bind(session, fra)
        found = index.lookup(session, index.query_hashes(keys, normalise(query)), principal=fra)
        records = _record_ids(session, found.report_ids, keys)
    assert sorted(records) == ["K1", "K2"]
