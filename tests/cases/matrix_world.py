"""The world the case authorization matrix runs in: its rows read from
authorization_matrix.csv, officers made for the rows that need them, one case per row opened
through the service (and, for a transfer row, handed by its owner to the receiving desk), and
the HTTP request each action makes."""

from __future__ import annotations

import csv
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import text

from homeward.accounts import service as accounts_service
from homeward.accounts.service import NewOfficer
from homeward.audit import service as audit
from homeward.cases import flows as case_flows
from homeward.cases import service as case_service
from homeward.cases import transfers
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case
from homeward.cases.release_basis import Basis
from homeward.core.runtime import Runtime
from homeward.policy import roles
from homeward.policy.labels import Classification, encode_release
from homeward.policy.roles import Role
from tests import helpers

MATRIX = Path(__file__).with_name("authorization_matrix.csv")
COLUMNS = [
    "role",
    "officer_nation",
    "clearance",
    "case_owner",
    "classification",
    "release",
    "action",
    "expected",
]
NATIONAL_DESKS = ("USA", "FRA", "GBR", "CAN", "DEU")


@dataclass(frozen=True)
class Action:
    method: str
    path: str
    permission: str
    changes: bool
    """A success leaves one more event on the case."""


ACTIONS: dict[str, Action] = {
    "list": Action("GET", "/api/v1/cases", roles.CASE_LIST, changes=False),
    "read": Action("GET", "/api/v1/cases/{id}", roles.CASE_READ, changes=False),
    "move": Action("POST", "/api/v1/cases/{id}/stage", roles.CASE_TRANSITION, changes=True),
    "note": Action("POST", "/api/v1/cases/{id}/notes", roles.CASE_NOTE, changes=True),
    "edit_identity": Action("PUT", "/api/v1/cases/{id}/identity", roles.CASE_EDIT, changes=True),
    "edit_labels": Action("PUT", "/api/v1/cases/{id}/labels", roles.CASE_EDIT, changes=True),
    "protect": Action("PUT", "/api/v1/cases/{id}/protection", roles.CASE_EDIT, changes=True),
    "transfer": Action("POST", "/api/v1/cases/{id}/transfer", roles.CASE_TRANSFER, changes=True),
    "open": Action("POST", "/api/v1/cases", roles.CASE_OPEN, changes=True),
    "export": Action("GET", "/api/v1/cases/export.csv", roles.CASE_EXPORT, changes=False),
    "incoming": Action("GET", "/api/v1/transfers", roles.CASE_ACCEPT, changes=False),
    "accept": Action(
        "POST", "/api/v1/transfers/{transfer}/accept", roles.CASE_ACCEPT, changes=True
    ),
    "refuse": Action(
        "POST", "/api/v1/transfers/{transfer}/refuse", roles.CASE_ACCEPT, changes=True
    ),
}
LISTINGS = ("list", "export")
"""Actions over the whole list: 404 in the matrix means the case is not in it."""
TRANSFERS = ("incoming", "accept", "refuse")
"""Actions on the transfer that waits for the row's case (404 for `incoming`: not listed)."""
Officer = tuple[Role, str, int]


@dataclass(frozen=True)
class Row:
    """One line of the matrix."""

    line: int
    role: Role
    nation: str
    clearance: int
    owner: str
    classification: int
    release: tuple[str, ...]
    action: str
    expected: int

    def __str__(self) -> str:
        rel = " ".join(self.release) or "-"
        return (
            f"line {self.line}: {self.role.value} {self.nation} "
            f"{Classification(self.clearance).name} {self.action} on a {self.owner} "
            f"{Classification(self.classification).name} case REL {rel} -> {self.expected}"
        )

    @property
    def officer(self) -> Officer:
        return (self.role, self.nation, self.clearance)

    @property
    def name(self) -> str:
        """A family name no other row's case has (letters only, so it is one search word)."""
        return "Matrix" + word(self.line)

    def labels(self) -> Case:
        """The case's labels as an unsaved record, for homeward.policy.check.allows."""
        return Case(
            owner_nation=self.owner,
            classification=self.classification,
            release=encode_release(self.release),
        )


def load_matrix(path: Path = MATRIX) -> list[Row]:
    """The rows, with a clear error naming the line for anything malformed."""
    rows: list[Row] = []
    header_seen = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [cell.strip() for cell in next(csv.reader([line]))]
        if not header_seen:
            assert cells == COLUMNS, f"line {number}: header must be {','.join(COLUMNS)}"
            header_seen = True
            continue
        assert len(cells) == len(COLUMNS), f"line {number}: {len(cells)} cells"
        role, nation, clearance, owner, level, release, action, expected = cells
        assert action in ACTIONS, f"line {number}: unknown action {action!r}"
        rows.append(
            Row(
                line=number,
                role=Role(role),
                nation=nation,
                clearance=int(Classification[clearance]),
                owner=owner,
                classification=int(Classification[level]),
                release=tuple(release.split()) if release != "-" else (),
                action=action,
                expected=int(expected),
            )
        )
    return rows


@dataclass
class MatrixWorld:
    """Officers of every (role, nation, clearance) the rows name, and a case per row."""

    runtime: Runtime
    client: TestClient
    officers: dict[Officer, helpers.Persona] = field(default_factory=dict)
    headers: dict[Officer, dict[str, str]] = field(default_factory=dict)
    cases: dict[int, str] = field(default_factory=dict)
    """Case id by the line of its row (rows that open a case have none beforehand)."""
    transfers: dict[int, str] = field(default_factory=dict)
    """Transfer id by the line of its row, for the rows that answer one."""

    def add_officers(self, wanted: set[Officer]) -> None:
        self.officers.update(add_officers(self.runtime, wanted))

    def open_cases(self, rows: list[Row]) -> None:
        """A case per row, opened through the service by its owner's keyholder, who asks the
        receiving desk to take it over where the row answers a transfer."""
        owners = {row.owner for row in rows if row.action != "open"}
        keyrings = {
            owner: helpers.keyring(self.runtime, keyholder(self.officers, owner))
            for owner in owners
        }
        with self.runtime.db.transaction() as session:
            for row in rows:
                if row.action == "open":
                    continue
                case = case_flows.open_case(
                    session=session,
                    keyring=keyrings[row.owner],
                    secrets=self.runtime.secrets,
                    settings=self.runtime.settings,
                    data=case_service.CaseOpen(
                        identity=identity_of(row),
                        classification=row.classification,
                        release=list(row.release),
                        basis=Basis("legal_obligation", grounds="Synthetic: court order."),
                    ),
                )
                self.cases[row.line] = case.id
                if row.action in TRANSFERS:
                    transfer = transfers.request_transfer(
                        session=session,
                        keyring=keyrings[row.owner],
                        secrets=self.runtime.secrets,
                        case_id=case.id,
                        to_nation=transfer_target(row.owner),
                        reason=f"Synthetic: {row.name} holds two passports.",
                        basis=Basis("legal_obligation", grounds="Synthetic: court order."),
                    )
                    self.transfers[row.line] = transfer.id

    def headers_for(self, officer: Officer) -> dict[str, str]:
        if officer not in self.headers:
            persona = self.officers[officer]
            self.headers[officer] = helpers.api_token(self.client, self.runtime, persona)
        return self.headers[officer]

    def call(self, row: Row) -> httpx2.Response:
        """The row's request, as its officer, through the real endpoint."""
        action = ACTIONS[row.action]
        path = action.path.format(
            id=self.cases.get(row.line, ""), transfer=self.transfers.get(row.line, "")
        )
        headers = self.headers_for(row.officer)
        if row.action in LISTINGS:
            return self.client.get(path, headers=headers, params={"q": row.name})
        body = payload(row)
        return self.client.request(action.method, path, headers=headers, json=body or None)

    def events_by_case(self) -> dict[str, int]:
        with self.runtime.db.engine.connect() as connection:
            found = connection.execute(
                text("SELECT case_id, count(*) FROM case_event GROUP BY case_id")
            ).all()
        return {str(case_id): int(count) for case_id, count in found}

    def transfer_statuses(self) -> dict[str, str]:
        with self.runtime.db.engine.connect() as connection:
            found = connection.execute(text("SELECT id, status FROM case_transfer")).all()
        return {str(transfer_id): str(status) for transfer_id, status in found}

    def count(self, table: str) -> int:
        with self.runtime.db.engine.connect() as connection:
            sql = text(f"SELECT count(*) FROM {table}")  # noqa: S608 - a fixed table name
            return int(connection.execute(sql).scalar_one())


def add_officers(runtime: Runtime, wanted: set[Officer]) -> dict[Officer, helpers.Persona]:
    """SECRET desk officers of every national desk come first: they hold the desk keys and
    open the cases."""
    secret = int(Classification.SECRET)
    keyholders = [(Role.DESK_OFFICER, nation, secret) for nation in NATIONAL_DESKS]
    made: dict[Officer, helpers.Persona] = {}
    with runtime.db.transaction() as session:
        for role, nation, clearance in keyholders + sorted(wanted - set(keyholders)):
            username = f"m.{role.value}.{nation}.{Classification(clearance).name}".lower()
            password = secrets.token_urlsafe(16)
            officer, _uri = accounts_service.add_officer(
                session=session,
                secrets=runtime.secrets,
                cost=runtime.cost,
                actor=audit.SYSTEM,
                data=NewOfficer(username, password, role, nation, clearance),
            )
            made[(role, nation, clearance)] = helpers.Persona(
                username, username, password, role, nation, officer.id
            )
    return made


def keyholder(officers: dict[Officer, helpers.Persona], nation: str) -> helpers.Persona:
    return officers[(Role.DESK_OFFICER, nation, int(Classification.SECRET))]


def word(number: int) -> str:
    """A number as letters, so that a name made with it is one search word."""
    return "".join(chr(ord("a") + int(digit)) for digit in str(number))


def identity_of(row: Row) -> ClaimedIdentity:
    return ClaimedIdentity(
        given_names="Karim", family_name=row.name, date_of_birth="1991", nationalities=[row.owner]
    )


def transfer_target(owner: str) -> str:
    """The desk a row's case is handed to: DEU, or FRA when DEU owns the case."""
    return "FRA" if owner == "DEU" else "DEU"


def payload(row: Row) -> dict[str, object]:
    """The body each action sends: valid, so that only authorization can refuse it (and the
    owner's policy, for `open`)."""
    release = list(row.release)
    bodies: dict[str, dict[str, object]] = {
        "move": {"stage": "in_contact"},
        "note": {"text": "Synthetic note: the mother called back."},
        "edit_identity": {
            "identity": {
                "given_names": "Karim",
                "family_name": row.name,
                "date_of_birth": "1991-05",
            },
            "reason": "Synthetic: his sister gave the month.",
        },
        "edit_labels": {"labels": ["matrix"], "assignee_ids": []},
        "protect": {
            "classification": row.classification,
            "release": release,
            "reason": "Synthetic: the same labels again.",
        },
        "transfer": {
            "to_nation": transfer_target(row.owner),
            "reason": "Synthetic dual national.",
            "basis": {"kind": "legal_obligation", "grounds": "Synthetic: court order."},
        },
        "refuse": {"reason": "Synthetic: no record of him here."},
        "open": {
            "identity": {
                "given_names": "Karim",
                "family_name": row.name,
                "date_of_birth": "1991",
                "nationalities": [row.owner],
            },
            "classification": row.classification,
            "release": release,
            "basis": {"kind": "legal_obligation", "grounds": "Synthetic: court order."},
        },
    }
    return bodies.get(row.action, {})
