"""What the case page tests share: signed-in officers, cases made through the services, and
the list page read back as references."""

from __future__ import annotations

import html
import re
from contextlib import ExitStack
from datetime import timedelta

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from homeward.cases import flows as case_flows
from homeward.cases import release_basis, transitions
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.core.db import utcnow
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.web.app import create_app
from tests import helpers

ROW = re.compile(r'<a class="ref" href="/officer/cases/([0-9a-f]{32})">([A-Z]{3}-[0-9A-F]{8})</a>')
NAME_CELL = re.compile(r'</a></td>\s*<td dir="auto">([^<]*)</td>')

OPENING_BASIS = release_basis.Basis("legal_obligation", grounds="Synthetic: court order.")
"""What a case opened with a release list gives for it."""


class Officers(ExitStack):
    """A signed-in browser per persona, each with its own cookies, all closed together."""

    def __init__(self, runtime: Runtime, personas: helpers.Personas) -> None:
        super().__init__()
        self.runtime, self.personas = runtime, personas
        self.made: dict[str, TestClient] = {}

    def __call__(self, key: str) -> TestClient:
        if key not in self.made:
            client = TestClient(create_app(self.runtime), base_url="http://127.0.0.1")
            self.made[key] = self.enter_context(client)
            helpers.officer_signin(client, self.runtime, self.personas[key])
        return self.made[key]


def open_case(
    runtime: Runtime, persona: helpers.Persona, given: str, family: str, **extra: object
) -> str:
    with runtime.db.transaction() as session:
        case = case_flows.open_case(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(given_names=given, family_name=family),
                **{"basis": OPENING_BASIS, **extra},  # type: ignore[arg-type]
            ),
        )
        return case.id


def move(runtime: Runtime, persona: helpers.Persona, case_id: str, stage: str) -> None:
    with runtime.db.transaction() as session:
        transitions.transition(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            case_id=case_id,
            to_stage=stage,
            note="test set-up",
        )


def age(runtime: Runtime, case_id: str, days: int) -> None:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test set-up: age a case")
        entered = utcnow() - timedelta(days=days)
        session.execute(update(Case).where(Case.id == case_id).values(stage_entered_at=entered))


def listed(client: TestClient, query: str = "") -> list[str]:
    """References on the list page, in order."""
    page = client.get(f"/officer/cases{query}")
    assert page.status_code == 200, page.text
    return [reference for _id, reference in ROW.findall(page.text)]


def reference_of(runtime: Runtime, case_id: str) -> str:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: read a reference")
        return str(session.scalar(select(Case.reference).where(Case.id == case_id)))


def post_form(client: TestClient, page: str, action: str, form: dict[str, str]) -> httpx2.Response:
    """Submit a form the way its page offers it: with the page's CSRF token."""
    token = helpers.csrf_of(client.get(page).text)
    return client.post(action, data={**form, "csrf": token}, follow_redirects=False)


def refused(response: httpx2.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert field in html.unescape(response.text)


def stage_options(page: str) -> list[str]:
    """The moves the page offers: the next step's button, then the exits."""
    return re.findall(r'<input type="(?:hidden|radio)" name="stage" value="([a-z_]+)"', page)
