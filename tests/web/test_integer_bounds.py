"""Every integer in a path or a query string, on every route (officer pages, API, contact
pages), is bounded: numbers far out of range (10**25, -1, 2**63) answer 422 on the API and the
error page on the officer pages, naming the parameter, never a 500; the largest number each
route accepts answers without a server error too. The route table is walked, so a new route
with an unbounded integer fails here. SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from annotated_types import Ge, Le
from fastapi import FastAPI, params
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from homeward.core.runtime import Runtime
from homeward.web.app import create_app
from homeward.web.security import OFFICER_COOKIE
from tests import helpers
from tests.cases.case_pages_world import open_case

OUT_OF_RANGE = (10**25, -(10**25), -1, 2**63, 2**31)


@dataclass(frozen=True)
class IntParam:
    path: str
    name: str
    where: str
    ge: int | None
    le: int | None
    required: bool

    def valid(self) -> int:
        return self.ge if self.ge is not None and self.ge > 0 else 1


def _bound(metadata: list[object], kind: type[Ge] | type[Le]) -> int | None:
    for item in metadata:
        if isinstance(item, kind):
            value = item.ge if isinstance(item, Ge) else item.le  # type: ignore[union-attr]
            assert isinstance(value, int)
            return value
    return None


def integer_params(app: FastAPI) -> Iterator[tuple[str, list[IntParam]]]:
    """(path, its integer path and query parameters) for every GET route that has any."""
    for context in iter_route_contexts(app.routes):
        dependant = getattr(context, "dependant", None)
        if dependant is None or "GET" not in (context.methods or ()):
            continue
        found = []
        for field in get_flat_params(dependant):
            info = field.field_info
            if info.annotation not in (int, int | None):
                continue
            where = "path" if isinstance(info, params.Path) else "query"
            assert isinstance(info, params.Path | params.Query), (context.path, field.name)
            found.append(
                IntParam(
                    context.path,
                    field.alias,
                    where,
                    _bound(info.metadata, Ge),
                    _bound(info.metadata, Le),
                    info.is_required(),
                )
            )
        if found:
            yield context.path, found


def test_every_integer_parameter_is_bounded(runtime: Runtime) -> None:
    app = create_app(runtime)
    walked = [param for _path, found in integer_params(app) for param in found]
    assert {(p.path, p.name) for p in walked} >= {
        ("/officer/inbox", "page"),
        ("/officer/audit/entries/{leaf_index}/proof", "leaf_index"),
        ("/api/v1/audit/entries/{leaf_index}/proof", "leaf_index"),
        ("/api/v1/audit/consistency", "new"),
    }
    unbounded = {(p.path, p.name) for p in walked if p.ge is None or p.le is None}
    assert unbounded == set()


def _request(
    path: str, found: list[IntParam], target: IntParam, value: int, ids: dict[str, str]
) -> tuple[str, dict[str, int]]:
    """The route's URL with `target` set to `value`, every other required integer valid."""
    chosen = {
        p.name: value if p is target else p.valid()
        for p in found
        if p is target or p.required or p.where == "path"
    }
    values = {**ids, **{p.name: chosen[p.name] for p in found if p.where == "path"}}
    # Records the test does not make (a point, a plan) are named by an id that finds nothing:
    # the number is checked before the record is looked up.
    url = path.format_map(defaultdict(lambda: "0" * 32, values))
    query = {p.name: chosen[p.name] for p in found if p.where == "query" and p.name in chosen}
    return url, query


@pytest.mark.parametrize("who", ["fra_officer", "auditor"])
def test_out_of_range_numbers_never_answer_500(
    who: str, runtime: Runtime, personas: helpers.Personas
) -> None:
    case_id = open_case(runtime, personas["fra_officer"], "Karim", "Haddad")
    app = create_app(runtime)
    ids = {"case_id": case_id, "lang": "en"}
    with (
        TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as officer,
        TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as contact,
    ):
        helpers.officer_signin(officer, runtime, personas[who])
        token = officer.cookies.get(OFFICER_COOKIE)
        headers = {"Authorization": f"Bearer {token}"}
        helpers.contact_start(contact)
        failures = []
        for path, found in integer_params(app):
            client = officer if path.startswith(("/officer", "/api/")) else contact
            for target in found:
                values = [*OUT_OF_RANGE, *(v for v in (target.ge, target.le) if v is not None)]
                for value in values:
                    url, query = _request(path, found, target, value, ids)
                    answer = client.get(url, params=query, headers=headers, follow_redirects=False)
                    in_range = (target.ge is None or value >= target.ge) and (
                        target.le is None or value <= target.le
                    )
                    if answer.status_code >= 500:
                        failures.append((url, query, answer.status_code))
                    elif not in_range:
                        expected = 422 if path.startswith("/api/") else 400
                        # Contact pages answer in the contact's language, without field names.
                        named = client is contact or target.name in answer.text
                        if answer.status_code != expected or not named:
                            failures.append((url, query, answer.status_code))
        assert failures == []
