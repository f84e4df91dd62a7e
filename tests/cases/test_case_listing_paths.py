"""The list reads a selective filter's cases once and pages them in Python; every other list
asks the database for its counts and its page. Both must give the same page, ties included,
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from homeward.cases import flows as case_flows
from homeward.cases import listing as case_listing
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.cases.release_basis import Basis
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.policy import binding
from tests import helpers

QUERIES = [
    {"label": "priority"},
    {"label": "priority", "page": 2},
    {"label": "priority", "sort": "oldest-in-stage"},
    {"label": "priority", "stage": "in_contact"},
    {"label": "priority", "sort": "reference"},
    {"text": "martin"},
    {"text": "martin", "sort": "oldest-in-stage", "page": 2},
    {"text": "louis martin", "stage": "new"},
    {"stale_only": True},
    {"stale_only": True, "sort": "oldest-in-stage"},
    {"stale_only": True, "label": "priority", "nation": "DEU"},
    {"assignee": "self"},
    {"assignee": "self", "page": 2, "stage": "new"},
    {"label": "nobody-has-this"},
]


def _list(
    runtime: Runtime, persona: helpers.Persona, query: dict[str, object]
) -> case_listing.CasePage:
    with runtime.db.transaction() as session:
        return case_listing.list_cases(
            session=session,
            principal=helpers.keyring(runtime, persona).principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            query=case_listing.CaseQuery(**query),  # type: ignore[arg-type]
        )


def test_reading_once_pages_as_the_database_does(
    runtime: Runtime, personas: helpers.Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    opened: list[str] = []
    for number in range(100):
        persona = deu if number % 5 == 0 else fra
        with runtime.db.transaction() as session:
            case = case_flows.open_case(
                session=session,
                keyring=helpers.keyring(runtime, persona),
                secrets=runtime.secrets,
                settings=runtime.settings,
                data=case_service.CaseOpen(
                    identity=ClaimedIdentity(
                        given_names="Louis" if number % 3 else "Paul",
                        family_name="Martin" if number % 2 else f"Nom{number}",
                    ),
                    labels=["priority"] if number % 4 else [],
                    release=["FRA"] if persona is deu and number % 10 == 0 else [],
                    basis=Basis("legal_obligation", grounds="Synthetic: court order."),
                ),
            )
            opened.append(case.id)
    now = utcnow()
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: stages, ages and ties")
        for number, case_id in enumerate(opened):
            # Three cases share each time, so the order between them is the id's.
            at = now - timedelta(days=number // 3)
            session.execute(
                update(Case)
                .where(Case.id == case_id)
                .values(
                    stage="in_contact" if number % 7 == 0 else "new",
                    stage_entered_at=at,
                    updated_at=at,
                )
            )
    for listed in QUERIES:
        query = {**listed, "assignee": fra.officer_id} if "assignee" in listed else listed
        monkeypatch.setattr(case_listing, "READ_ONCE_MAX", 20_000)
        read_once = _list(runtime, fra, query)
        monkeypatch.setattr(case_listing, "READ_ONCE_MAX", -1)  # the database's path
        asked = _list(runtime, fra, query)
        assert read_once == asked, query
    assert _list(runtime, fra, {"label": "priority", "page": 2}).rows  # more than a page
    assert _list(runtime, fra, {"stale_only": True}).stale_total > 0
