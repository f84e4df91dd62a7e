"""Case and transfer routes in the authorization tests, API and officer pages alike: what each
sends, and how to tell that the owner's request did its work."""

from __future__ import annotations

from collections.abc import Callable

import httpx2
import pytest

from tests.web.authorization_world import CASE_PREFIXES, FAMILY_NAME, World

NOTE = "Synthetic note: the mother called back."
API_CASE = "/api/v1/cases/{case_id}"
API_TRANSFER = "/api/v1/transfers/{transfer_id}"
PAGE_CASE = "/officer/cases/{case_id}"
PAGE_TRANSFER = "/officer/transfers/{transfer_id}"
IDENTITY = {"given_names": "Yacine", "family_name": FAMILY_NAME, "date_of_birth": "1990-04"}

# What the owner sends, by what it does; pages send forms, where a list is comma separated.
API_BODIES: dict[str, dict[str, object]] = {
    "stage": {"stage": "in_contact"},
    "notes": {"text": NOTE},
    "identity": {"identity": IDENTITY, "reason": "His sister gave the month."},
    "labels": {"labels": ["priority"]},
    "protection": {
        "classification": 2,
        "release": ["GBR"],
        "reason": "Shared with GBR.",
        "basis": {"kind": "legal_obligation", "grounds": "Synthetic: court order."},
    },
    "transfer": {
        "to_nation": "DEU",
        "reason": "Dual national.",
        "basis": {"kind": "legal_obligation", "grounds": "Synthetic: court order."},
    },
    "refuse": {"reason": "Not ours."},
}
PAGE_FORMS: dict[str, dict[str, object]] = {
    **API_BODIES,
    "labels": {"labels": "priority"},
    "protection": {
        "classification": 2,
        "release": "GBR",
        "reason": "Shared with GBR.",
        "basis_kind": "legal_obligation",
        "grounds": "Synthetic: court order.",
    },
    "transfer": {
        "to_nation": "DEU",
        "reason": "Dual national.",
        "basis_kind": "legal_obligation",
        "grounds": "Synthetic: court order.",
    },
}


def api_opening(world: World) -> dict[str, object]:
    """A case from FRA's conversation: out of DEU's reach, so DEU gets 404."""
    return {"identity": IDENTITY, "conversation_ids": [world.conversations["FRA"]]}


def page_opening(_world: World) -> dict[str, object]:
    """FRA's conversation has its case already: the page asks first, the owner answers "open
    anyway" (the warning itself is tested in tests/web/test_inbox_cases.py)."""
    return {
        "given_names": "Yacine",
        "family_name": FAMILY_NAME,
        "date_of_birth": "1990-04",
        "anyway": "yes",
    }


def is_case_route(template: str) -> bool:
    return template.startswith(CASE_PREFIXES) or template.endswith("/case")


def check_case_success(world: World, key: tuple[str, str], response: httpx2.Response) -> None:
    """The owner's request did what the route promises, read back from the database."""
    method, template = key
    fra, moving, transfer = world.cases["FRA"], world.cases["moving"], world.cases["transfer"]
    now = world.state()
    fra_now = now.cases[fra]
    action = template.rsplit("/", 1)[-1]
    changed: dict[str, Callable[[], bool]] = {
        "stage": lambda: fra_now.stage == "in_contact",
        "notes": lambda: now.case_rows[1] == 1,
        "identity": lambda: now.case_rows[0] == 4,  # two opened, one transfer, one change
        "labels": lambda: now.case_rows[2] == 1,
        "protection": lambda: (fra_now.classification, fra_now.release) == (2, ",GBR,"),
        "transfer": lambda: sorted(now.transfers.values()) == ["pending", "pending"],
        "accept": lambda: now.cases[moving].owner_nation == "DEU",
        "refuse": lambda: (
            now.transfers[transfer] == "refused" and now.cases[moving].owner_nation == "FRA"
        ),
        "case": lambda: len(now.cases) == 3,
    }
    if method in ("POST", "PUT"):
        opened = template in ("/api/v1/cases", "/officer/conversations/{conversation_id}/case")
        works = changed["case" if opened else action]
        assert works(), f"{method} {template} changed nothing: {response.text[:300]}"
        if template.startswith("/officer"):
            assert response.headers["location"].startswith("/officer/"), response.headers
        return
    shown: dict[str, Callable[[], bool]] = {
        "/api/v1/cases": lambda: {i["id"] for i in response.json()["items"]} == {fra, moving},
        API_CASE: lambda: response.json()["identity"]["family_name"] == FAMILY_NAME,
        "/api/v1/transfers": lambda: [i["id"] for i in response.json()] == [transfer],
        "/officer/cases": lambda: f"/officer/cases/{fra}" in response.text,
        "/api/v1/cases/export.csv": lambda: response.text.count(FAMILY_NAME.upper()) == 2,
        "/officer/cases/export.csv": lambda: response.text.count(FAMILY_NAME.upper()) == 2,
        PAGE_CASE: lambda: FAMILY_NAME.upper() in response.text,
        "/officer/transfers": lambda: f"/officer/transfers/{transfer}/accept" in response.text,
    }
    if template not in shown:  # pragma: no cover - a new route needs its own check here
        pytest.fail(f"no success check for {method} {template}")
    assert shown[template](), f"{method} {template} showed the wrong thing: {response.text[:300]}"
