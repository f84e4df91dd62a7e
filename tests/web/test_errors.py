"""HTTP statuses live in one table in web/ (web/errors.py), not on the domain's exceptions:
every error the package defines is placed in the table on purpose (its own entry or a
narrower ancestor's than the base), and no exception carries a status of its own. That the
answers themselves did not change is what the authorization matrix and the bad-input tests
check, on both engines."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import homeward
from homeward.core.errors import HomewardError, NotFound
from homeward.web.contact.deps import PageNotFound
from homeward.web.errors import STATUSES, status_of

SCRIPTS = ("homeward.migrations.env", "homeward.migrations.versions.")
"""Alembic's scripts, which run when imported and define no error."""


def every_error() -> list[type[HomewardError]]:
    for module in pkgutil.walk_packages(homeward.__path__, "homeward."):
        if not module.name.startswith(SCRIPTS):
            importlib.import_module(module.name)
    found: list[type[HomewardError]] = []
    todo = [HomewardError]
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo.extend(kind.__subclasses__())
    return [kind for kind in found if kind.__module__.startswith("homeward.")]


ERRORS = every_error()


def test_the_walk_found_the_errors_of_every_floor() -> None:
    modules = {kind.__module__.split(".")[1] for kind in ERRORS}
    assert {"core", "accounts", "contact", "cases", "identity", "policy", "web"} <= modules


@pytest.mark.parametrize("kind", ERRORS, ids=lambda kind: f"{kind.__module__}.{kind.__name__}")
def test_every_error_is_placed_in_the_status_table(kind: type[HomewardError]) -> None:
    placed = next(ancestor for ancestor in kind.__mro__ if ancestor in STATUSES)
    assert placed is not HomewardError or kind is HomewardError, (
        f"{kind.__name__} answers only as the base HomewardError: give it (or an ancestor) a "
        "status in web/errors.py"
    )
    assert 400 <= STATUSES[placed] <= 599


@pytest.mark.parametrize("kind", ERRORS, ids=lambda kind: f"{kind.__module__}.{kind.__name__}")
def test_no_error_carries_a_status_of_its_own(kind: type[HomewardError]) -> None:
    assert "status_code" not in vars(kind)
    assert not hasattr(kind, "status_code")


def test_a_subclass_answers_as_its_nearest_ancestor_in_the_table() -> None:
    assert PageNotFound not in STATUSES
    assert status_of(PageNotFound()) == STATUSES[NotFound] == 404
