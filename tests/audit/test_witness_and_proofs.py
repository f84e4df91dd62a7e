"""Checkpoints, proofs and witnesses as auditors use them: proofs printed by the CLI check
offline, a witness cosigns only checkpoints that extend what it saw, a refusal is reported."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from homeward.audit import checkpoints, notes
from homeward.audit import log as audit_log
from homeward.audit import service as audit
from homeward.audit import witness as witness_round
from homeward.audit.models import AuditCheckpoint
from homeward.cli.main import app
from homeward.core.runtime import Runtime
from homeward.crypto import sealing
from homeward.web.app import create_app
from tests import helpers


def _log(runtime: Runtime, count: int, nation: str = "FRA") -> None:
    with runtime.db.transaction() as session:
        for number in range(count):
            audit.record(
                session=session,
                actor="officer:someone",
                action="contact:message:read",
                resource_type="message",
                resource_id=f"{nation}-{number}",
                nation=nation,
            )


@pytest.fixture
def cli_env(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", runtime.settings.effective_database_url)
    return CliRunner()


def test_cli_proofs_check_offline_and_tampered_ones_fail(
    runtime: Runtime, cli_env: CliRunner, tmp_path: Path
) -> None:
    _log(runtime, 9)
    first = cli_env.invoke(app, ["audit", "checkpoint"])
    assert first.exit_code == 0, first.output
    old_size = notes.parse_checkpoint(notes.split_note(first.output).text).size
    _log(runtime, 14)
    assert cli_env.invoke(app, ["audit", "checkpoint"]).exit_code == 0
    inclusion = cli_env.invoke(app, ["audit", "prove-inclusion", "7"])
    assert inclusion.exit_code == 0, inclusion.output
    new_size = old_size + 14
    consistency = cli_env.invoke(app, ["audit", "prove-consistency", str(old_size), str(new_size)])
    assert consistency.exit_code == 0, consistency.output
    key = cli_env.invoke(app, ["audit", "log-key"]).output.strip()

    for name, proof in (("inclusion", inclusion.output), ("consistency", consistency.output)):
        good = tmp_path / f"{name}.proof"
        good.write_text(proof)
        checked = cli_env.invoke(app, ["audit", "check-proof", str(good), "--key", key])
        assert checked.exit_code == 0, checked.output
        assert "ok" in checked.output
        lines = proof.split("\n")
        hash_line = next(i for i, line in enumerate(lines) if len(line) == 44 and i > 1)
        flipped = lines[hash_line][:10] + ("A" if lines[hash_line][10] != "A" else "B")
        lines[hash_line] = flipped + lines[hash_line][11:]
        bad = tmp_path / f"{name}-tampered.proof"
        bad.write_text("\n".join(lines))
        refused = cli_env.invoke(app, ["audit", "check-proof", str(bad), "--key", key])
        assert refused.exit_code == 1
        assert "rejected" in refused.output or "verify" in refused.output

    entry = cli_env.invoke(
        app, ["audit", "check-proof", str(tmp_path / "inclusion.proof"), "--key", key]
    )
    assert "homeward-audit/v1" in entry.output
    other_key = notes.signer_key(runtime.settings.log_origin, sealing.random_bytes()).encode()
    wrong = cli_env.invoke(
        app, ["audit", "check-proof", str(tmp_path / "inclusion.proof"), "--key", other_key]
    )
    assert wrong.exit_code == 1


def test_witness_cosigns_growth_and_refuses_a_rewritten_history(
    runtime: Runtime, personas: helpers.Personas, tmp_path: Path
) -> None:
    seed = sealing.random_bytes()
    witness_key = notes.signer_key("fra.witness", seed, notes.COSIGNATURE_V1)
    with runtime.db.transaction() as session:
        checkpoints.add_witness(
            session=session, actor="cli:administrator", vkey=witness_key.encode(), nation="FRA"
        )
    log_key = checkpoints.log_key(runtime.secrets, runtime.settings.log_origin)
    client = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    client.headers.update(helpers.api_token(client, runtime, personas["auditor"]))
    state = tmp_path / "witness-state.json"

    def round_() -> witness_round.Verdict:
        assert client.post("/api/v1/audit/checkpoint").status_code == 201
        return witness_round.run(
            client=client, name="fra.witness", seed=seed, log_key=log_key, state_path=state
        )

    _log(runtime, 5)
    first = round_()
    assert first.cosigned
    _log(runtime, 11)
    second = round_()
    assert second.cosigned
    assert second.size > first.size
    latest = client.get("/api/v1/audit/checkpoint").json()
    cosigned_line = [line for line in latest["note"].splitlines() if "fra.witness" in line]
    assert len(cosigned_line) == 1
    body = notes.split_note(latest["note"]).text
    assert notes.verify_cosignature(body, cosigned_line[0], witness_key) > 0

    # The server's operator signs a checkpoint over a history that is not this log's.
    forged_size = second.size + 3
    forged = notes.sign_text(
        notes.checkpoint_text(runtime.settings.log_origin, forged_size, b"\x13" * 32),
        runtime.settings.log_origin,
        runtime.secrets.log_seed,
    )
    _log(runtime, 3)
    with runtime.db.transaction() as session:
        session.add(AuditCheckpoint(size=forged_size, root=b"\x13" * 32, note=forged))
    refused = witness_round.run(
        client=client, name="fra.witness", seed=seed, log_key=log_key, state_path=state
    )
    assert not refused.cosigned
    assert "does not extend" in refused.reason

    page = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    helpers.officer_signin(page, runtime, personas["auditor"])
    html = page.get("/officer/audit").text
    assert "refused by <strong>fra.witness</strong>" in html
    assert "does not extend" in html


def test_auditor_sees_only_its_nation_and_gets_checkable_proofs(
    runtime: Runtime, personas: helpers.Personas, cli_env: CliRunner, tmp_path: Path
) -> None:
    _log(runtime, 4, "FRA")
    _log(runtime, 4, "DEU")
    with runtime.db.transaction() as session:
        checkpoints.make_checkpoint(
            session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
        )
    client = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    headers = helpers.api_token(client, runtime, personas["auditor"])
    listed = client.get("/api/v1/audit/entries", headers=headers).json()
    assert {item["nation"] for item in listed["items"]} == {"FRA"}
    deu_only = client.get(
        "/api/v1/audit/entries", headers=headers, params={"resource": "DEU-1"}
    ).json()
    assert deu_only["total"] == 0

    fra_entry = next(i for i in listed["items"] if i["resource_id"] == "FRA-2")
    proof = client.get(f"/api/v1/audit/entries/{fra_entry['leaf_index']}/proof", headers=headers)
    assert proof.status_code == 200
    path = tmp_path / "entry.tlog-proof"
    path.write_text(proof.text)
    key = client.get("/api/v1/audit/log-key", headers=headers).json()["vkey"]
    checked = cli_env.invoke(app, ["audit", "check-proof", str(path), "--key", key])
    assert checked.exit_code == 0, checked.output
    assert "FRA-2" in checked.output

    with runtime.db.transaction() as session:
        deu_index = session.execute(
            text("SELECT leaf_index FROM audit_event WHERE resource_id = 'DEU-1'")
        ).scalar_one()
    hidden = client.get(f"/api/v1/audit/entries/{deu_index}/proof", headers=headers)
    assert hidden.status_code == 404

    officer = helpers.api_token(client, runtime, personas["fra_officer"])
    assert client.get("/api/v1/audit/entries", headers=officer).status_code == 403
    assert client.get("/api/v1/audit/checkpoint", headers=officer).status_code == 403


def test_a_witness_of_another_nation_cannot_post_verdicts(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    seed = sealing.random_bytes()
    key = notes.signer_key("deu.witness", seed, notes.COSIGNATURE_V1)
    with runtime.db.transaction() as session:
        checkpoints.add_witness(session=session, actor="t", vkey=key.encode(), nation="DEU")
        made = checkpoints.make_checkpoint(
            session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
        )
        size, note = made.size, made.note
    client = TestClient(create_app(runtime), base_url="http://127.0.0.1")
    headers = helpers.api_token(client, runtime, personas["auditor"])  # a FRA auditor
    line = notes.cosign(notes.split_note(note).text, "deu.witness", seed, 1_700_000_000)
    answer = client.post(
        "/api/v1/audit/verdicts",
        headers=headers,
        json={"witness": "deu.witness", "checkpoint_size": size, "signature_line": line},
    )
    assert answer.status_code == 404


def test_checkpoints_are_signed_periodically_and_exported(
    engine_name: str, templates: helpers.Templates, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    with (
        helpers.fresh_runtime(
            engine_name, templates, tmp_path, checkpoint_interval_seconds=1
        ) as runtime,
        TestClient(create_app(runtime), base_url="http://127.0.0.1"),
    ):
        _log(runtime, 3)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with runtime.db.transaction() as session:
                latest = checkpoints.latest_checkpoint(session=session)
                size = latest.size if latest else -1
                head, _root = audit_log.head(session)
            if size == head:
                break
            time.sleep(0.2)
        assert size == head > 0
        monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
        monkeypatch.setenv("HOMEWARD_DATABASE_URL", runtime.settings.effective_database_url)
        exported = CliRunner().invoke(app, ["audit", "export-checkpoints", str(tmp_path / "cps")])
        assert exported.exit_code == 0, exported.output
        files = sorted((tmp_path / "cps").glob("checkpoint-*.txt"))
        assert files
        key = checkpoints.log_key(runtime.secrets, runtime.settings.log_origin)
        for file in files:
            notes.verify_note(file.read_text(), key)
