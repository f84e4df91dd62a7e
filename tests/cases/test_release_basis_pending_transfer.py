"""Release bases written while a transfer waits for an answer follow the case like what was
written before the request: how consent was given and the grounds are sealed to the receiving
desk too, which reads them once it accepts; a refusal takes those wraps away again and the
owning desk still reads them. Both engines."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from homeward.accounts.models import DeskKey
from homeward.cases.models import CaseConsentWrap, CaseReleaseBasisWrap
from homeward.core.runtime import Runtime
from homeward.policy import binding
from tests import helpers

LEGAL = {"kind": "legal_obligation", "grounds": "Synthetic: a court order from Paris."}
CONSENT = {
    "kind": "consent",
    "consent_given_on": "2026-11-03",
    "consent_how": "Synthetic: by telephone, while the transfer waited.",
}
DANGER = {"kind": "vital_interest", "grounds": "Synthetic: he is ill where he is held."}


def _deu_wraps(runtime: Runtime) -> tuple[int, int]:
    """(consent wraps, basis wraps) sealed to a DEU desk key."""
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: which desks the sealed details open for")
        deu = select(DeskKey.id).where(DeskKey.desk_code == "DEU")
        consents = session.scalars(
            select(CaseConsentWrap.desk_key_id).where(CaseConsentWrap.desk_key_id.in_(deu))
        ).all()
        bases = session.scalars(
            select(CaseReleaseBasisWrap.desk_key_id).where(
                CaseReleaseBasisWrap.desk_key_id.in_(deu)
            )
        ).all()
        return len(consents), len(bases)


def _pending_case(
    client: TestClient, runtime: Runtime, personas: helpers.Personas
) -> tuple[str, dict[str, str]]:
    """A FRA case asked of DEU, then released to GBR (a new consent) and IRQ (vital interest)
    while DEU has not answered."""
    fra = helpers.api_token(client, runtime, personas["fra_officer"])
    opened = client.post(
        "/api/v1/cases",
        headers=fra,
        json={"identity": {"given_names": "Karim", "family_name": "Benali"}},
    )
    case_id = opened.json()["id"]
    asked = client.post(
        f"/api/v1/cases/{case_id}/transfer",
        headers=fra,
        json={"to_nation": "DEU", "reason": "Synthetic: dual national.", "basis": LEGAL},
    )
    assert asked.status_code == 201, asked.text
    assert _deu_wraps(runtime) == (0, 1)  # the transfer's own grounds
    for release, basis in ((["GBR"], CONSENT), (["GBR", "IRQ"], DANGER)):
        body: dict[str, Any] = {
            "classification": 1,
            "release": release,
            "reason": "Synthetic: while the transfer waits.",
            "basis": basis,
        }
        changed = client.put(f"/api/v1/cases/{case_id}/protection", headers=fra, json=body)
        assert changed.status_code == 200, changed.text
    assert _deu_wraps(runtime) == (1, 2)  # the new consent and the new grounds, too
    return case_id, fra


@pytest.mark.parametrize("answer", ["accept", "refuse"])
def test_bases_written_while_a_transfer_waits_are_sealed_to_the_waiting_desk(
    runtime: Runtime, personas: helpers.Personas, client: TestClient, answer: str
) -> None:
    case_id, fra = _pending_case(client, runtime, personas)
    deu = helpers.api_token(client, runtime, personas["deu_officer"])
    (waiting,) = client.get("/api/v1/transfers", headers=deu).json()
    if answer == "refuse":
        refused = client.post(
            f"/api/v1/transfers/{waiting['id']}/refuse",
            headers=deu,
            json={"reason": "Synthetic: not ours."},
        )
        assert refused.status_code == 204, refused.text
        assert _deu_wraps(runtime) == (0, 0)
        reader = fra
    else:
        accepted = client.post(f"/api/v1/transfers/{waiting['id']}/accept", headers=deu)
        assert accepted.is_success, accepted.text
        reader = deu
    listed = client.get(f"/api/v1/cases/{case_id}/releases", headers=reader)
    assert listed.status_code == 200, listed.text
    rows = {row["nation"]: row for row in listed.json() if row["closed_at"] is None}
    assert rows["GBR"]["consent"]["how"] == CONSENT["consent_how"]
    assert rows["IRQ"]["grounds"] == DANGER["grounds"]
