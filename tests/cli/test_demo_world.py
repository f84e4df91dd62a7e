"""`homeward demo` leaves a world in which every officer page has something to show: every
role on every desk, cases in several stages on three desks, a transfer waiting, a registry in
the identity index; each demo login reaches its start page; the printed logins say what each
is for and that a code works once. Both engines."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from homeward.accounts import service as accounts_service
from homeward.accounts.models import Officer
from homeward.cases import listing, transfers
from homeward.cases.states import EXITS, Stage
from homeward.cli import demo as demo_data
from homeward.cli.main import app
from homeward.contact import inbox
from homeward.core.runtime import Runtime
from homeward.debrief import service as debrief
from homeward.identity.models import StoredReport
from homeward.policy import binding
from homeward.policy.roles import Role
from homeward.web.app import create_app
from tests import helpers


def _persona(runtime: Runtime, username: str, password: str) -> helpers.Persona:
    with runtime.db.transaction() as session:
        officer = accounts_service.find_officer(session=session, username=username)
        assert officer is not None
        return helpers.Persona(
            username, username, password, Role(officer.role), officer.nation, officer.id
        )


@pytest.fixture
def demo(runtime: Runtime) -> dict[str, str]:
    assert demo_data.seed(runtime)
    assert not demo_data.seed(runtime), "a second run changes nothing"
    return demo_data.load_credentials(runtime)


def test_every_role_on_every_desk(runtime: Runtime, demo: dict[str, str]) -> None:
    with runtime.db.transaction() as session:
        officers = session.scalars(select(Officer)).all()
    roles: dict[str, set[str]] = {}
    for officer in officers:
        roles.setdefault(officer.nation, set()).add(officer.role)
    desk = {Role.DESK_OFFICER, Role.SUPERVISOR, Role.AUDITOR}
    for nation in ("FRA", "DEU", "GBR", "USA", "CAN"):
        assert roles[nation] >= desk, nation
    assert roles["IRQ"] >= {Role.COORDINATOR, Role.AUDITOR, Role.ADMINISTRATOR}
    assert set(demo) == {officer.username for officer in officers}


def _stages(runtime: Runtime, persona: helpers.Persona) -> Counter[str]:
    keyring = helpers.keyring(runtime, persona)
    with runtime.db.transaction() as session:
        page = listing.list_cases(
            session=session,
            principal=keyring.principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            query=listing.CaseQuery(),
        )
    return Counter(row.stage for row in page.rows)


def test_cases_in_several_stages_a_transfer_and_a_registry(
    runtime: Runtime, demo: dict[str, str]
) -> None:
    fra = _persona(runtime, "fra.officer", demo["fra.officer"])
    stages: Counter[str] = Counter()
    for username in ("fra.officer", "deu.officer", "gbr.officer"):
        found = _stages(runtime, _persona(runtime, username, demo[username]))
        assert found, f"{username} has no case"
        stages += found
    path = {Stage.NEW, Stage.IN_CONTACT, Stage.IDENTITY_VERIFIED, Stage.CLEARED}
    assert path <= set(stages), stages
    assert set(stages) & set(EXITS), "no case has left the path"
    # The FRA supervisor has a case to clear; the coordination cell a case released to it.
    assert stages[Stage.IDENTITY_VERIFIED] >= 1
    coordinator = _persona(runtime, "irq.coordinator", demo["irq.coordinator"])
    assert sum(_stages(runtime, coordinator).values()) >= 1

    keyring = helpers.keyring(runtime, fra)
    with runtime.db.transaction() as session:
        waiting = transfers.incoming(
            session=session, principal=keyring.principal, secrets=runtime.secrets
        )
        assert [transfer.from_nation for transfer in waiting] == ["DEU"]
        binding.bind(session, keyring.principal)
        sources = Counter(session.scalars(select(StoredReport.source)))
    assert sources["registry"] >= 5, sources
    assert sources["case"] >= 5, "the desk's cases are in the index too"


def test_each_demo_login_reaches_its_start_page(runtime: Runtime, demo: dict[str, str]) -> None:
    for username, password in demo.items():
        persona = _persona(runtime, username, password)
        with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
            helpers.officer_signin(client, runtime, persona)
            start = client.get("/officer/")
            assert start.status_code == 200, (username, start.text[:500])
            assert f"{username} · " in start.text, username
            assert "Sign out" in start.text


def test_the_logins_say_what_each_is_for_and_that_a_code_works_once(
    runtime: Runtime, demo: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", runtime.settings.effective_database_url)
    monkeypatch.setenv("COLUMNS", "160")
    printed = CliRunner().invoke(app, ["demo-logins"])
    assert printed.exit_code == 0, printed.output
    lines = printed.output.splitlines()
    for username, password in demo.items():
        [row] = [line for line in lines if f" {username} " in line]
        assert password in row
    [supervisor] = [line for line in lines if " fra.supervisor " in line]
    assert "the one who can clear" in supervisor
    assert "Each code works once" in printed.output


def test_every_demo_letter_has_its_language(runtime: Runtime, demo: dict[str, str]) -> None:
    """As letters from the contact pages do: the cell sees the Arabic letter as Arabic."""
    languages: dict[str, list[str]] = {}
    for username in ("fra.officer", "deu.officer", "gbr.officer", "irq.coordinator"):
        keyring = helpers.keyring(runtime, _persona(runtime, username, demo[username]))
        with runtime.db.transaction() as session:
            rows, _total = inbox.inbox(session=session, principal=keyring.principal)
        languages[username] = sorted(row.language or "" for row in rows)
    assert languages == {
        "fra.officer": ["en", "en", "fr"],  # the third was routed to FRA by the cell
        "deu.officer": ["de"],
        "gbr.officer": ["en"],
        "irq.coordinator": ["ar"],
    }
    cell = _persona(runtime, "irq.coordinator", demo["irq.coordinator"])
    with TestClient(create_app(runtime), base_url="http://127.0.0.1") as client:
        helpers.officer_signin(client, runtime, cell)
        assert '<td data-label="Language">AR</td>' in client.get("/officer/inbox").text


def test_the_demo_debriefs_each_show_to_their_readers(
    runtime: Runtime, demo: dict[str, str]
) -> None:
    """Written through the services: FRA's supervisor sees all three, the FRA desk officer (no
    ORCON) the two without it, GBR only the one released to it, without the case or subject."""
    seen: dict[str, list[tuple[str, int, list[str], str]]] = {}
    for username in ("fra.supervisor", "fra.officer", "gbr.officer", "deu.officer"):
        keyring = helpers.keyring(runtime, _persona(runtime, username, demo[username]))
        with runtime.db.transaction() as session:
            found = debrief.reports(
                session=session, secrets=runtime.secrets, principal=keyring.principal
            )
            if username == "gbr.officer":
                opened = debrief.open_report(
                    session=session,
                    keyring=keyring,
                    secrets=runtime.secrets,
                    report_id=found[0].id,
                )
                assert opened.subject is None
                assert opened.summary.case_id is None
                assert opened.sections["places"], "the released body opens for GBR"
        seen[username] = sorted(
            (one.title, one.classification, one.caveats, one.origin) for one in found
        )
    assert seen["fra.supervisor"] == [
        ("First session: the journey out", 2, [], "written"),
        ("Second session: people he names", 1, [], "sanitised"),
        ("Second session: people he names", 3, ["ORCON"], "written"),
    ]
    assert seen["fra.officer"] == [seen["fra.supervisor"][0], seen["fra.supervisor"][1]]
    assert seen["gbr.officer"] == [seen["fra.supervisor"][0]]
    assert seen["deu.officer"] == []
