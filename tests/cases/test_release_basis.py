"""Every disclosure of a case to another nation records its lawful basis.

A release or a transfer without a basis is refused with the reason and stores nothing (API and
page); each nation gets its own record with who decided and when; removing a nation closes its
record; withdrawing consent flags every release that rested on it, and a supervisor (not a desk
officer) keeps each on another basis or removes the nation; how consent was given or withdrawn,
and the grounds of a basis, are never in clear at rest. Rows of who may do what, by role and
nation. Both engines."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from homeward.cases import flows as case_flows
from homeward.cases import release_basis
from homeward.cases import service as case_service
from homeward.cases.identity import ClaimedIdentity
from homeward.cases.models import Case, CaseConsent, CaseEvent, CaseReleaseBasis, CaseTransfer
from homeward.core.runtime import Runtime
from homeward.policy import binding
from homeward.web.app import create_app
from tests import helpers
from tests.web.authorization_world import app_routes

CONSENT = {
    "kind": "consent",
    "consent_given_on": "2026-11-02",
    "consent_how": "Synthetic: in his second letter he agrees.",
}
LEGAL = {"kind": "legal_obligation", "grounds": "Synthetic: a court order from Paris."}


def _open(runtime: Runtime, persona: helpers.Persona, family: str = "Benali") -> str:
    with runtime.db.transaction() as session:
        case = case_flows.open_case(
            session=session,
            keyring=helpers.keyring(runtime, persona),
            secrets=runtime.secrets,
            settings=runtime.settings,
            data=case_service.CaseOpen(identity=ClaimedIdentity("Mohamed", family)),
        )
        return case.id


def _protect(
    client: TestClient, headers: dict[str, str], case_id: str, release: list[str], **basis: Any
) -> Any:
    body: dict[str, Any] = {"classification": 1, "release": release, "reason": "Synthetic."}
    if basis:
        body["basis"] = basis
    return client.put(f"/api/v1/cases/{case_id}/protection", headers=headers, json=body)


def _stored(runtime: Runtime) -> dict[str, object]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: what a refusal must leave as it was")
        return {
            "bases": session.scalar(select(func.count()).select_from(CaseReleaseBasis)),
            "consents": session.scalar(select(func.count()).select_from(CaseConsent)),
            "transfers": session.scalar(select(func.count()).select_from(CaseTransfer)),
            "events": session.scalar(select(func.count()).select_from(CaseEvent)),
            "release": sorted(session.scalars(select(Case.release)).all()),
        }


def test_a_release_or_transfer_without_a_basis_is_refused_and_stores_nothing(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    case_id = _open(runtime, personas["fra_officer"])
    before = _stored(runtime)
    refused = _protect(client, fra, case_id, ["DEU"])
    assert refused.status_code == 400, refused.text
    assert "basis" in refused.text
    assert "DEU" in refused.text
    no_how = _protect(client, fra, case_id, ["DEU"], kind="consent", consent_given_on="2026-11-02")
    assert no_how.status_code == 400
    assert "consent_how" in no_how.text
    future = _protect(
        client, fra, case_id, ["DEU"], **{**CONSENT, "consent_given_on": "2999-01-01"}
    )
    assert future.status_code == 400
    assert "future" in future.text
    no_grounds = _protect(client, fra, case_id, ["DEU"], kind="vital_interest")
    assert no_grounds.status_code == 400
    assert "grounds" in no_grounds.text
    moved = client.post(
        f"/api/v1/cases/{case_id}/transfer",
        headers=fra,
        json={"to_nation": "DEU", "reason": "Synthetic: dual national."},
    )
    assert moved.status_code == 400
    assert "basis" in moved.text
    assert _stored(runtime) == before

    page = TestClient(client.app, base_url="http://127.0.0.1")
    helpers.officer_signin(page, runtime, personas["fra_officer"])
    url = f"/officer/cases/{case_id}"
    csrf = helpers.csrf_of(page.get(url).text)
    typed = "Synthetic: the German desk helps find his mother."
    answer = page.post(
        f"{url}/protection",
        data={"classification": "1", "release": "DEU", "reason": typed, "csrf": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 400
    assert "Nothing was changed." in answer.text
    assert "Basis: say on what basis DEU may read the case" in answer.text
    assert f'value="{typed}"' in answer.text
    assert 'value="DEU" checked' in answer.text
    assert _stored(runtime) == before
    page.close()


def _bases(client: TestClient, headers: dict[str, str], case_id: str) -> list[dict[str, Any]]:
    listed = client.get(f"/api/v1/cases/{case_id}/releases", headers=headers)
    assert listed.status_code == 200, listed.text
    rows: list[dict[str, Any]] = listed.json()
    return rows


def test_each_nation_gets_its_basis_with_who_and_when_and_removal_closes_it(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    officer_id = personas["fra_officer"].officer_id
    case_id = _open(runtime, personas["fra_officer"])
    assert _protect(client, fra, case_id, ["DEU", "GBR"], **CONSENT).status_code == 200
    rows = _bases(client, fra, case_id)
    assert sorted(row["nation"] for row in rows) == ["DEU", "GBR"]
    assert {row["kind"] for row in rows} == {"consent"}
    assert {row["decided_by"] for row in rows} == {officer_id}
    assert len({row["consent"]["id"] for row in rows}) == 1  # one consent, two releases
    assert rows[0]["consent"]["how"] == CONSENT["consent_how"]
    assert rows[0]["consent"]["given_on"] == "2026-11-02"
    assert all(row["decided_at"] and row["closed_at"] is None for row in rows)

    # Only the removal: no basis needed, DEU's record is closed and kept.
    assert _protect(client, fra, case_id, ["GBR"]).status_code == 200
    by_nation = {row["nation"]: row for row in _bases(client, fra, case_id)}
    assert by_nation["DEU"]["closed_at"] is not None
    assert by_nation["DEU"]["closed_by"] == officer_id
    assert by_nation["GBR"]["closed_at"] is None

    moved = client.post(
        f"/api/v1/cases/{case_id}/transfer",
        headers=fra,
        json={"to_nation": "DEU", "reason": "Synthetic: dual national.", "basis": LEGAL},
    )
    assert moved.status_code == 201, moved.text
    by_transfer = [row for row in _bases(client, fra, case_id) if row["by_transfer"]]
    assert [(row["nation"], row["kind"], row["grounds"]) for row in by_transfer] == [
        ("DEU", "legal_obligation", LEGAL["grounds"])
    ]

    # The receiving desk accepts: it owns the case and reads the sealed details.
    deu = helpers.api_token(client, runtime, personas["deu_officer"])
    waiting = client.get("/api/v1/transfers", headers=deu).json()
    assert client.post(f"/api/v1/transfers/{waiting[0]['id']}/accept", headers=deu).is_success
    seen = _bases(client, deu, case_id)
    assert {row["consent"]["how"] for row in seen if row["consent"]} == {CONSENT["consent_how"]}
    assert client.get(f"/api/v1/cases/{case_id}/releases", headers=fra).status_code == 404


def test_withdrawn_consent_flags_its_releases_for_a_supervisor_s_review(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    supervisor = helpers.api_token(client, runtime, personas["fra_supervisor"])
    case_id = _open(runtime, personas["fra_officer"])
    assert _protect(client, fra, case_id, ["DEU", "GBR"], **CONSENT).status_code == 200
    consent_id = _bases(client, fra, case_id)[0]["consent"]["id"]
    withdrawn = client.post(
        f"/api/v1/cases/{case_id}/consents/{consent_id}/withdraw",
        headers=fra,
        json={"how": "Synthetic: he asked by letter to stop sharing."},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    rows = {row["nation"]: row for row in withdrawn.json()}
    assert all(row["flagged_at"] for row in rows.values())
    assert rows["DEU"]["consent"]["withdrawn_by"] == personas["fra_officer"].officer_id
    again = client.post(
        f"/api/v1/cases/{case_id}/consents/{consent_id}/withdraw", headers=fra, json={"how": "x"}
    )
    assert again.status_code == 400
    assert "already withdrawn" in again.text
    with runtime.db.transaction() as session:
        principal = helpers.keyring(runtime, personas["fra_supervisor"]).principal
        flagged = release_basis.flagged_cases(session=session, principal=principal)
        assert [case for case, _reference in flagged] == [case_id]

    # The start page and the case page say so.
    page = TestClient(client.app, base_url="http://127.0.0.1")
    helpers.officer_signin(page, runtime, personas["fra_supervisor"])
    assert "Releases to review" in page.get("/officer/").text
    shown = page.get(f"/officer/cases/{case_id}").text
    assert "consent withdrawn: review" in shown
    assert "Review the release to DEU" in shown
    page.close()

    review = f"/api/v1/cases/{case_id}/releases/{rows['DEU']['id']}/review"
    keep = {"decision": "keep", "reason": "Synthetic: a treaty obliges it.", "basis": LEGAL}
    assert client.post(review, headers=fra, json=keep).status_code == 403  # a desk officer
    on_same = {**keep, "basis": {"kind": "consent", "consent_id": consent_id}}
    stale = client.post(review, headers=supervisor, json=on_same)
    assert stale.status_code == 400
    assert "withdrawn" in stale.text
    kept = client.post(review, headers=supervisor, json=keep)
    assert kept.status_code == 200, kept.text
    remove = {"decision": "remove", "reason": "Synthetic: no other basis."}
    removed = client.post(
        f"/api/v1/cases/{case_id}/releases/{rows['GBR']['id']}/review",
        headers=supervisor,
        json=remove,
    )
    assert removed.status_code == 200, removed.text
    open_rows = [row for row in removed.json() if row["closed_at"] is None]
    assert [(row["nation"], row["kind"], row["flagged_at"]) for row in open_rows] == [
        ("DEU", "legal_obligation", None)
    ]
    case = client.get(f"/api/v1/cases/{case_id}", headers=fra).json()
    assert case["release"] == ["DEU"]
    twice = client.post(review, headers=supervisor, json=keep)
    assert twice.status_code == 400
    assert "not waiting for review" in twice.text
    with runtime.db.transaction() as session:
        principal = helpers.keyring(runtime, personas["fra_supervisor"]).principal
        assert release_basis.flagged_cases(session=session, principal=principal) == []


def _dump(runtime: Runtime) -> bytes:
    url = runtime.settings.effective_database_url
    if not url.startswith("postgresql"):
        return b""
    return subprocess.run(
        ["pg_dump", "--no-owner", url], check=True, capture_output=True, timeout=120
    ).stdout


def test_how_consent_was_given_or_withdrawn_and_the_grounds_are_sealed_at_rest(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    markers = {kind: f"SENTINEL-{kind}-{secrets.token_hex(8)}" for kind in ("how", "out", "why")}
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    case_id = _open(runtime, personas["fra_officer"])
    given = {**CONSENT, "consent_how": markers["how"]}
    assert _protect(client, fra, case_id, ["DEU"], **given).status_code == 200
    grounds = {"kind": "vital_interest", "grounds": markers["why"]}
    assert _protect(client, fra, case_id, ["DEU", "GBR"], **grounds).status_code == 200
    consent_id = _bases(client, fra, case_id)[0]["consent"]["id"]
    out = client.post(
        f"/api/v1/cases/{case_id}/consents/{consent_id}/withdraw",
        headers=fra,
        json={"how": markers["out"]},
    )
    assert out.status_code == 200, out.text
    read = out.json()
    assert read[0]["consent"]["how"] == markers["how"]
    assert read[0]["consent"]["withdrawal_how"] == markers["out"]
    assert read[1]["grounds"] == markers["why"]
    runtime.db.engine.dispose()
    blob = b"".join(
        path.read_bytes() for path in Path(runtime.settings.data_dir).rglob("*") if path.is_file()
    )
    blob += _dump(runtime)
    for marker in markers.values():
        for form in (marker.encode(), marker.encode().hex().encode(), marker.encode("utf-16-le")):
            assert form not in blob, marker


ROUTES = {
    ("GET", "/api/v1/cases/{case_id}/releases"),
    ("POST", "/api/v1/cases/{case_id}/consents/{consent_id}/withdraw"),
    ("POST", "/api/v1/cases/{case_id}/releases/{basis_id}/review"),
    ("POST", "/officer/cases/{case_id}/consents/{consent_id}/withdraw"),
    ("POST", "/officer/cases/{case_id}/releases/{basis_id}/review"),
}
"""The routes of release bases; the app-wide walk (tests/web/test_authorization.py) leaves them
to the rows below."""


def is_release_route(template: str) -> bool:
    return any(template == path for _method, path in ROUTES)


def test_every_release_route_has_rows(runtime: Runtime) -> None:
    found = {
        (method, path)
        for method, path in app_routes(create_app(runtime))
        if "/consents/" in path or "/releases" in path
    }
    assert found == ROUTES


ROWS = [
    # (who, what, expected status): the owner's desk acts, a nation the case is released to
    # reads the case but not its bases (404), roles without case work are refused (403).
    ("fra_officer", "list", 200),
    ("fra_supervisor", "list", 200),
    ("deu_officer", "list", 404),
    ("coordinator", "list", 403),
    ("auditor", "list", 403),
    ("administrator", "list", 403),
    ("deu_officer", "withdraw", 404),
    ("coordinator", "withdraw", 403),
    ("auditor", "withdraw", 403),
    ("administrator", "withdraw", 403),
    ("fra_officer", "review", 403),
    ("deu_officer", "review", 403),
    ("coordinator", "review", 403),
    ("fra_supervisor", "review", 200),
    ("fra_officer", "withdraw", 200),
]


PAGE_ROWS = [
    ("deu_officer", "withdraw", 404),
    ("coordinator", "withdraw", 403),
    ("fra_officer", "review", 403),
    ("deu_officer", "review", 403),
]
LEGAL_FORM = {"basis_kind": "legal_obligation", "grounds": "Synthetic: court order."}


def test_who_may_read_withdraw_and_review(
    runtime: Runtime, personas: helpers.Personas, client: TestClient
) -> None:
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    case_id = _open(runtime, personas["fra_officer"])
    assert _protect(client, fra, case_id, ["DEU", "IRQ"], **CONSENT).status_code == 200
    rows = _bases(client, fra, case_id)
    consent_id = rows[0]["consent"]["id"]
    flagged = client.post(
        f"/api/v1/cases/{case_id}/consents/{consent_id}/withdraw", headers=fra, json={"how": "x"}
    )
    assert flagged.status_code == 200
    assert _protect(client, fra, case_id, ["DEU", "IRQ"]).status_code == 200
    second = _protect(client, fra, case_id, ["DEU", "IRQ", "GBR"], **CONSENT)
    assert second.status_code == 200, second.text
    fresh = next(row for row in _bases(client, fra, case_id) if row["nation"] == "GBR")
    deu_row = next(row for row in rows if row["nation"] == "DEU")
    calls = {
        "list": ("GET", f"/api/v1/cases/{case_id}/releases", None),
        "withdraw": (
            "POST",
            f"/api/v1/cases/{case_id}/consents/{fresh['consent']['id']}/withdraw",
            {"how": "Synthetic."},
        ),
        "review": (
            "POST",
            f"/api/v1/cases/{case_id}/releases/{deu_row['id']}/review",
            {"decision": "keep", "reason": "Synthetic.", "basis": LEGAL},
        ),
    }
    pages = {
        "withdraw": (
            f"/officer/cases/{case_id}/consents/{fresh['consent']['id']}/withdraw",
            {"how": "Synthetic."},
        ),
        "review": (
            f"/officer/cases/{case_id}/releases/{deu_row['id']}/review",
            {"decision": "keep", "reason": "Synthetic.", **LEGAL_FORM},
        ),
    }
    for who, what, expected in PAGE_ROWS:
        path, form = pages[what]
        with TestClient(client.app, base_url="http://127.0.0.1") as page:
            helpers.officer_signin(page, runtime, personas[who])
            csrf = helpers.csrf_of(page.get("/officer/").text)
            answer = page.post(path, data={**form, "csrf": csrf}, follow_redirects=False)
        assert answer.status_code == expected, (who, what, answer.text[-300:])
    tokens = {who: helpers.api_token(client, runtime, personas[who]) for who in personas}
    for who, what, expected in ROWS:
        method, path, body = calls[what]
        answer = client.request(method, path, headers=tokens[who], json=body)
        assert answer.status_code == expected, (who, what, answer.text)
