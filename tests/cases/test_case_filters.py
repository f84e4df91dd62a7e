"""One filter for the case list and its export: every filter the list accepts, the export
accepts too and writes the same cases in the same order, on the officer pages and in the API,
because both read `CaseFilter`. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute, APIRouter
from fastapi.testclient import TestClient

from homeward.cases.listing import CaseQuery
from homeward.cases.schemas import CaseFilter
from homeward.core.runtime import Runtime
from homeward.web.api import cases as api_cases
from homeward.web.officer import cases as officer_cases
from tests import helpers
from tests.cases.case_pages_world import Officers, age, listed, move, open_case

FILTERS = set(CaseFilter.model_fields)


def page_values(personas: helpers.Personas) -> dict[str, dict[str, str]]:
    """A value for each filter that keeps some cases and drops others; the pages name the
    assignee by username, the API by id."""
    return {
        "stage": {"stage": "in_contact"},
        "nation": {"nation": "deu"},
        "label": {"label": "wave-2"},
        "assignee": {"assignee": personas["fra_officer"].username},
        "q": {"q": "toumi"},
        "stale": {"stale": "1"},
        "sort": {"sort": "reference"},
    }


@pytest.fixture
def officer(runtime: Runtime, personas: helpers.Personas) -> Iterator[Officers]:
    with Officers(runtime, personas) as made:
        yield made


def parameters(router: APIRouter, path: str) -> set[str]:
    route = next(
        r
        for r in router.routes
        if isinstance(r, APIRoute) and r.path == path and "GET" in r.methods
    )
    return {param.name for param in get_flat_params(route.dependant)}


def test_the_list_and_its_export_take_the_same_filters() -> None:
    for router, listing in (
        (officer_cases.router, "/officer/cases"),
        (api_cases.router, "/api/v1/cases"),
    ):
        assert parameters(router, listing) == FILTERS | {"page"}
        assert parameters(router, f"{listing}/export.csv") == FILTERS


def test_every_filter_reaches_the_query() -> None:
    """A field of CaseFilter that `CaseQuery.of` forgot would filter neither list nor export."""
    plain = CaseQuery.of(CaseFilter())
    changed = {
        "stage": "new",
        "nation": "FRA",
        "label": "x",
        "assignee": "x",
        "q": "x",
        "stale": True,
        "sort": "reference",
    }
    assert set(changed) == FILTERS
    for name, value in changed.items():
        assert CaseQuery.of(CaseFilter.model_validate({name: value})) != plain, name


def export_references(client: TestClient, path: str, **kwargs: object) -> list[str]:
    response = client.get(path, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return [row["reference"] for row in csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))]


@pytest.fixture
def world(runtime: Runtime, personas: helpers.Personas) -> None:
    fra, deu = personas["fra_officer"], personas["deu_officer"]
    for given, family in (("Samir", "Toumi"), ("Nabil", "Ferhat")):
        open_case(runtime, fra, given, family, labels=["wave-2"])
    moved = open_case(runtime, fra, "Youssef", "Amrani")
    move(runtime, fra, moved, "in_contact")
    aged = open_case(runtime, fra, "Mohamed", "Benali")
    age(runtime, aged, 30)
    open_case(runtime, deu, "Jonas", "Becker", release=["FRA"])


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("name", sorted(FILTERS))
def test_the_export_writes_the_lists_cases_for_every_filter(
    runtime: Runtime,
    personas: helpers.Personas,
    officer: Officers,
    client: TestClient,
    name: str,
) -> None:
    fra = personas["fra_officer"]
    every = page_values(personas)
    assert set(every) == FILTERS  # a new filter needs a value here
    params = every[name]
    desk = officer("fra_officer")
    everything = listed(desk)

    on_page = listed(desk, "?" + "&".join(f"{k}={v}" for k, v in params.items()))
    assert on_page, name
    if name != "sort":
        assert len(on_page) < len(everything), name  # the filter filtered
    assert export_references(desk, "/officer/cases/export.csv", params=params) == on_page

    api = dict(params)
    if name == "assignee":
        api["assignee"] = fra.officer_id
    token = helpers.api_token(client, runtime, fra)
    listed_api = client.get("/api/v1/cases", headers=token, params=api)
    assert listed_api.status_code == 200, listed_api.text
    in_api = [item["reference"] for item in listed_api.json()["items"]]
    assert in_api == on_page
    assert export_references(client, "/api/v1/cases/export.csv", headers=token, params=api) == (
        in_api
    )
