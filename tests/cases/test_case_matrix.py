"""Need to know for cases as data: authorization_matrix.csv run row by row against the real
/api/v1 endpoints on SQLite and PostgreSQL, kept consistent with the policy module; and a
property: raising a case's classification or narrowing its release list never grants more."""

from __future__ import annotations

import itertools
from collections import Counter

import httpx2
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeward.accounts.service import Keyring
from homeward.cases import flows as case_flows
from homeward.cases import listing as case_listing
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.cases.release_basis import Basis
from homeward.core.errors import Forbidden
from homeward.core.runtime import Runtime
from homeward.policy import check as policy
from homeward.policy import roles
from homeward.policy import transfers as transfer_policy
from homeward.policy.labels import Classification, encode_release
from homeward.policy.roles import Role, may
from tests import helpers
from tests.cases.matrix_world import (
    ACTIONS,
    LISTINGS,
    NATIONAL_DESKS,
    TRANSFERS,
    MatrixWorld,
    Row,
    add_officers,
    keyholder,
    load_matrix,
    transfer_target,
    word,
)

ROWS = load_matrix()
NATIONS = (*NATIONAL_DESKS, "IRQ")
RESTRICTED = int(Classification.RESTRICTED)
ANSWERED = {"incoming": 200, "accept": 200, "refuse": 204}
"""The status of a transfer action the officer may take."""


def test_matrix_covers_every_dimension() -> None:
    """Trimming the file must not quietly drop a dimension the issue asks for."""
    assert 60 <= len(ROWS) <= 200
    same = Counter(
        (*(str(part) for part in vars(row).values() if part != row.line),) for row in ROWS
    )
    assert [key for key, seen in same.items() if seen > 1] == [], "duplicate rows"
    assert {row.role for row in ROWS} == set(Role)
    assert {row.action for row in ROWS} == set(ACTIONS)
    for role in Role:
        assert {"read", "list"} <= {row.action for row in ROWS if row.role == role}, role
    reads = [row for row in ROWS if row.action in ("read", "list")]
    assert any(row.nation == row.owner for row in reads)
    assert any(row.nation != row.owner and row.nation not in row.release for row in reads)
    assert any(row.nation != row.owner and row.nation in row.release for row in reads)
    levels = {
        (row.clearance > row.classification) - (row.clearance < row.classification) for row in reads
    }
    assert levels == {-1, 0, 1}, "clearance below, equal to and above the classification"
    assert any(
        row.role == Role.COORDINATOR and "IRQ" in row.release and row.expected == 200
        for row in reads
    )
    assert any(
        row.action == "open" and "IRQ" in row.release and row.classification > RESTRICTED
        for row in ROWS
    ), "release to the coordination cell above RESTRICTED"
    answers = [row for row in ROWS if row.action in TRANSFERS]
    assert {row.role for row in answers} == set(Role), "every role answers a transfer"
    for action in TRANSFERS:
        done = [row for row in answers if row.action == action]
        assert {
            (row.clearance > row.classification) - (row.clearance < row.classification)
            for row in done
        } == {-1, 0, 1}, f"{action}: clearance below, equal, above"
        addressed = [row for row in done if row.nation == transfer_target(row.owner)]
        assert any(row.expected == ANSWERED[action] for row in addressed), action
        assert any(row.clearance < row.classification for row in addressed), action
        assert any(row.nation == row.owner for row in done), f"{action}: the sending desk"
        assert any(row.nation not in (row.owner, transfer_target(row.owner)) for row in done), (
            f"{action}: another nation"
        )
    assert any(
        row.nation in row.release and row.nation != transfer_target(row.owner) for row in answers
    ), "a nation the case is released to, not the transfer's addressee"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"line{row.line}")
def test_matrix_agrees_with_the_policy_module(row: Row) -> None:
    """A row that contradicts homeward.policy.check is a wrong row, whatever the app says."""
    principal = policy.Principal("o", "someone", row.role, row.nation, row.clearance)
    permission = ACTIONS[row.action].permission
    if row.action in TRANSFERS:
        addressed = transfer_policy.labels(to_nation=transfer_target(row.owner), case=row.labels())
        if not may(row.role, permission):
            assert row.expected == 403
        else:
            allowed = policy.allows(principal, permission, addressed)
            assert row.expected == (ANSWERED[row.action] if allowed else 404)
    elif row.action in ("read", *LISTINGS):
        if not may(row.role, permission):
            assert row.expected == 403
        else:
            allowed = policy.allows(principal, permission, row.labels())
            assert row.expected == (200 if allowed else 404)
    elif row.action == "open":
        assert (row.expected == 403) == (not may(row.role, permission))
        assert row.owner == row.nation, "an officer opens a case of their own nation"
    else:
        assert (row.expected == 403) == (not may(row.role, permission))
        if 200 <= row.expected < 300:
            assert policy.allows(principal, permission, row.labels())
            assert row.owner == row.nation, "only the owning nation changes a case"


def observed(
    row: Row, case_id: str | None, transfer_id: str | None, response: httpx2.Response
) -> int:
    """The status, except for a list: 200 when the case (or the row's transfer, for the
    transfers waiting for the desk) is in it, 404 when it is not."""
    if row.action == "incoming" and response.status_code == 200:
        return 200 if transfer_id in {item["id"] for item in response.json()} else 404
    if row.action not in LISTINGS or response.status_code != 200:
        return response.status_code
    if row.action == "export":
        return 200 if row.name.upper() in response.text else 404
    return 200 if case_id in {item["id"] for item in response.json()["items"]} else 404


def check_transfer_answer(
    row: Row, case_id: str | None, transfer_id: str | None, response: httpx2.Response
) -> None:
    """A transfer out of reach reveals nothing of it or its case; an answer says what it did."""
    if row.expected == 403:
        assert ACTIONS[row.action].permission in response.json()["detail"], row
    elif row.expected == 404:
        assert case_id is not None, row
        assert transfer_id is not None, row
        assert case_id not in response.text, row
        assert transfer_id not in response.text, row
        assert row.name not in response.text, row
        if row.action != "incoming":
            assert response.json()["detail"] == "transfer not found", row
    elif row.action == "incoming":
        mine = [item for item in response.json() if item["id"] == transfer_id]
        assert [item["from_nation"] for item in mine] == [row.owner], row
        assert row.name in mine[0]["reason"], row
    elif row.action == "accept":
        case = response.json()
        assert (case["id"], case["owner_nation"]) == (case_id, row.nation), row
        assert case["identity"]["family_name"] == row.name, row
        assert case["timeline"][-1]["kind"] == "case:transfer:accept", row
    else:
        assert response.content == b"", row


def check_answer(row: Row, case_id: str | None, response: httpx2.Response) -> None:
    """Beyond the status: the answer says what happened, and a refusal reveals nothing."""
    if row.action == "export" and response.status_code == 200:
        rows = response.text.splitlines()[1:]
        assert len(rows) == (row.expected == 200), row
        assert response.headers["x-homeward-rows"] == str(len(rows)), row
        return
    body = response.json()
    if row.expected == 403:
        assert ACTIONS[row.action].permission in body["detail"], row
    elif row.expected == 404:
        assert row.name not in response.text, row
        assert case_id is None or case_id not in response.text, row
        if row.action == "list":
            assert body["items"] == [], row
        else:
            assert body["detail"] == "case not found", row
    elif row.expected == 400:
        assert body["detail"].split(":")[0] in ("classification", "release"), row
    elif row.action == "list":
        assert [item["id"] for item in body["items"]] == [case_id], row
    else:
        assert body["identity"]["family_name"] == row.name, row
        assert_changed(row, body)


def assert_changed(row: Row, case: dict[str, object]) -> None:
    last = case["timeline"][-1]["kind"]  # type: ignore[index]
    expected_last = {
        "move": "case:stage:change",
        "note": "case:note:add",
        "edit_identity": "case:identity:change",
        "edit_labels": "case:labels:change",
        "protect": "case:protection:change",
        "transfer": "case:transfer:request",
        "open": "case:open",
    }
    if row.action in expected_last:
        assert last == expected_last[row.action], row
    if row.action == "move":
        assert case["stage"] == "in_contact", row
    if row.action == "edit_labels":
        assert case["labels"] == ["matrix"], row
    if row.action == "edit_identity":
        assert case["identity"]["date_of_birth"] == "1991-05", row  # type: ignore[index]
    if row.action in ("open", "protect"):
        assert (case["owner_nation"], case["classification"]) == (row.owner, row.classification)
        assert case["release"] == sorted(row.release), row


def test_authorization_matrix(runtime: Runtime, client: TestClient) -> None:
    """Every row against the real endpoints; then, every refusal changed nothing."""
    world = MatrixWorld(runtime, client)
    world.add_officers({row.officer for row in ROWS})
    world.open_cases(ROWS)
    cases_before = world.count("case_file")
    mismatches = []
    for row in ROWS:
        case_id, transfer_id = world.cases.get(row.line), world.transfers.get(row.line)
        response = world.call(row)
        got = observed(row, case_id, transfer_id, response)
        if got != row.expected:
            mismatches.append(f"{row}: got {got} {response.text[:160]}")
        elif row.action in TRANSFERS:
            check_transfer_answer(row, case_id, transfer_id, response)
        else:
            check_answer(row, case_id, response)
    assert mismatches == [], "\n".join(mismatches)

    def succeeded(action: str) -> list[Row]:
        return [row for row in ROWS if row.action == action and 200 <= row.expected < 300]

    events = world.events_by_case()
    statuses = world.transfer_statuses()
    for row in ROWS:
        if row.line in world.cases:
            changed = ACTIONS[row.action].changes and 200 <= row.expected < 300
            asked = row.line in world.transfers
            assert events[world.cases[row.line]] == 1 + asked + changed, row
        if row.line in world.transfers:
            answered = {"accept": "accepted", "refuse": "refused"}.get(row.action, "pending")
            expected = answered if 200 <= row.expected < 300 else "pending"
            assert statuses[world.transfers[row.line]] == expected, row
    assert world.count("case_file") == cases_before + len(succeeded("open"))
    assert world.count("case_note") == len(succeeded("note"))
    assert world.count("case_transfer") == len(succeeded("transfer")) + len(world.transfers)


# Tightening protection never grants more, through set_protection and list_cases.

principals = st.builds(
    policy.Principal,
    officer_id=st.just("p"),
    username=st.just("someone"),
    role=st.sampled_from(list(Role)),
    nation=st.sampled_from(NATIONS),
    clearance=st.sampled_from([int(level) for level in Classification]),
)


@st.composite
def tightenings(draw: st.DrawFn) -> tuple[str, tuple[int, set[str]], tuple[int, set[str]]]:
    """An owner, labels the owner's policy allows, and the same or stricter labels."""
    owner = draw(st.sampled_from(NATIONAL_DESKS))
    level = draw(st.integers(RESTRICTED, int(Classification.SECRET)))
    others = [nation for nation in NATIONS if nation != owner and (nation != "IRQ" or level == 1)]
    release = draw(st.sets(st.sampled_from(others), max_size=4))
    raised = draw(st.integers(level, int(Classification.SECRET)))
    kept = draw(
        st.sets(st.sampled_from(sorted(release)), max_size=len(release))
        if release
        else st.just(set())
    )
    if raised > RESTRICTED:
        kept.discard("IRQ")
    return owner, (level, release), (raised, kept)


@pytest.fixture
def owners(runtime: Runtime) -> dict[str, Keyring]:
    """A SECRET desk officer's keyring for each national desk: the cases' owners."""
    officers = add_officers(runtime, set())
    return {
        nation: helpers.keyring(runtime, keyholder(officers, nation)) for nation in NATIONAL_DESKS
    }


def visible_to(runtime: Runtime, principal: policy.Principal, name: str) -> bool:
    """Whether list_cases, the real service, shows this officer the case of that name."""
    with runtime.db.transaction() as session:
        try:
            page = case_listing.list_cases(
                session=session,
                principal=principal,
                secrets=runtime.secrets,
                settings=runtime.settings,
                query=case_listing.CaseQuery(text=name),
            )
        except Forbidden:
            return False
    return page.total == 1


NAMES = itertools.count()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(change=tightenings(), who=st.lists(principals, min_size=1, max_size=6, unique=True))
def test_tightening_protection_never_grants_more(
    runtime: Runtime,
    owners: dict[str, Keyring],
    change: tuple[str, tuple[int, set[str]], tuple[int, set[str]]],
    who: list[policy.Principal],
) -> None:
    owner, (level, release), (raised, kept) = change
    name = "Tighten" + word(next(NAMES))
    keyring = owners[owner]
    with runtime.db.transaction() as session:
        case = case_flows.open_case(
            session=session,
            keyring=keyring,
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(
                identity=ClaimedIdentity(family_name=name),
                classification=level,
                release=sorted(release),
                basis=Basis("legal_obligation", grounds="Synthetic: court order."),
            ),
        )
        case_id = case.id
    before = {principal for principal in who if visible_to(runtime, principal, name)}
    with runtime.db.transaction() as session:
        case_flows.set_protection(
            session=session,
            principal=keyring.principal,
            secrets=runtime.secrets,
            settings=runtime.settings,
            case_id=case_id,
            classification=raised,
            release=sorted(kept),
            reason="Synthetic: fewer readers.",
            basis=Basis("legal_obligation", grounds="Synthetic: court order."),
        )
    after = {principal for principal in who if visible_to(runtime, principal, name)}
    assert after <= before
    tightened = Case(owner_nation=owner, classification=raised, release=encode_release(kept))
    assert after == {p for p in who if policy.allows(p, roles.CASE_LIST, tightened)}
