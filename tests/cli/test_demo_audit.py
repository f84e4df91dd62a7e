"""After `homeward demo` sets up, a newcomer can try the audit tools at once: the log verifies,
a signed checkpoint covers the set-up, an inclusion proof is printed and checks offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from homeward.accounts.models import Officer, OfficerDeskKey
from homeward.cli import demo as demo_data
from homeward.cli.main import app, initialise


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "var"
    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(folder))
    monkeypatch.delenv("HOMEWARD_DATABASE_URL", raising=False)
    return folder


def test_demo_leaves_a_signed_checkpoint_and_working_proofs(data_dir: Path) -> None:
    runtime = initialise()
    assert demo_data.seed(runtime)
    runtime.close()
    runner = CliRunner()

    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "0 checkpoints" not in verified.output
    assert "1 checkpoints verified" in verified.output

    proof = runner.invoke(app, ["audit", "prove-inclusion", "3"])
    assert proof.exit_code == 0, proof.output
    proof_file = data_dir.parent / "entry-3.proof"
    proof_file.write_text(proof.stdout, "utf-8")
    key = runner.invoke(app, ["audit", "log-key"]).stdout.strip()
    checked = runner.invoke(app, ["audit", "check-proof", str(proof_file), "--key", key])
    assert checked.exit_code == 0, checked.output
    assert "entry 3 is in the log" in checked.output


def test_every_demo_desk_officer_holds_the_desk_key_from_the_start(data_dir: Path) -> None:
    """Otherwise the demo's FRA supervisor meets "conversation not found" on the desk's own
    letters until a colleague happens to sign in."""
    runtime = initialise()
    assert demo_data.seed(runtime)
    with runtime.db.transaction() as session:
        holders = set(session.scalars(select(OfficerDeskKey.officer_id)))
        desk_roles = ("desk_officer", "supervisor")
        officers = session.scalars(select(Officer).where(Officer.role.in_(desk_roles))).all()
        missing = [officer.username for officer in officers if officer.id not in holders]
    runtime.close()
    assert officers
    assert missing == []
