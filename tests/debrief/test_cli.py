"""`homeward debrief export|import` as an officer uses it, on both engines: the bundle and its
signature written beside it; an import refused prints the reason, exits with 2 and stores
nothing; no token, no command. `homeward debrief rotate-compartment-key` as an administrator
uses it: audited, new reports sealed to the new version, old ones still open; a desk that does
not exist or has no debrief reader is refused and nothing rotated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from homeward.accounts.models import CompartmentKey
from homeward.audit.models import AuditEvent
from homeward.cli.main import app
from homeward.core.runtime import Runtime
from homeward.debrief import service as debrief
from homeward.debrief.models import DebriefReport, DebriefReportWrap
from homeward.policy import binding
from homeward.web import officer_auth
from tests import helpers
from tests.debrief import world


def _run(runtime: Runtime, persona: helpers.Persona | None, *args: str) -> tuple[int, str]:
    env = {
        "HOMEWARD_DATA_DIR": str(runtime.settings.data_dir),
        "HOMEWARD_DATABASE_URL": runtime.settings.effective_database_url,
        "COLUMNS": "300",
        "HOMEWARD_API_TOKEN": "",
    }
    if persona is not None:
        code = helpers.totp_code(runtime, persona)
        env["HOMEWARD_API_TOKEN"] = officer_auth.sign_in(
            runtime, persona.username, persona.password, code
        ).token
    result = CliRunner(env=env).invoke(app, ["debrief", *args])
    return result.exit_code, " ".join(result.output.split())


def _reports(runtime: Runtime) -> int:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test counts reports")
        return session.scalar(select(func.count()).select_from(DebriefReport)) or 0


def test_export_then_import_refused_with_the_reason(
    runtime: Runtime, personas: helpers.Personas, tmp_path: Path
) -> None:
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft())
    out = tmp_path / "report.json"
    code, said = _run(runtime, people["fra_debriefer"], "export", report_id, "--out", str(out))
    assert code == 0, said
    assert "signed by FRA" in said
    assert json.loads(out.read_text())["type"] == "bundle"
    assert json.loads((tmp_path / "report.json.sig").read_text())["signer"] == "FRA"
    code, said = _run(runtime, people["fra_debriefer"], "import", str(out), "--case", case_id)
    assert code == 2
    assert "this report is already here" in said
    assert _reports(runtime) == 1
    code, said = _run(runtime, None, "export", report_id, "--out", str(out))
    assert code == 2
    assert "no officer signed in" in said


@pytest.mark.parametrize("who", ["fra_officer", "gbr_debriefer"])
def test_export_refused_to_who_may_not(
    runtime: Runtime, personas: helpers.Personas, tmp_path: Path, who: str
) -> None:
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft(release=["GBR"]))
    out = tmp_path / "report.json"
    code, said = _run(runtime, people[who], "export", report_id, "--out", str(out))
    assert code == 2, said
    assert not out.exists()


def test_an_administrator_sets_the_caveats_an_officer_holds(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    env = {
        "HOMEWARD_DATA_DIR": str(runtime.settings.data_dir),
        "HOMEWARD_DATABASE_URL": runtime.settings.effective_database_url,
    }
    runner = CliRunner(env=env)
    done = runner.invoke(app, ["officer", "caveats", "fra.officer", "orcon", "HUMINT"])
    assert done.exit_code == 0, done.output
    assert "holds: HUMINT, ORCON" in done.output
    assert helpers.keyring(runtime, personas["fra_officer"]).principal.caveats == {
        "ORCON",
        "HUMINT",
    }
    refused = runner.invoke(app, ["officer", "caveats", "fra.officer", "NOFORN"])
    assert refused.exit_code == 2
    assert "not a caveat of the programme: NOFORN" in refused.output
    cleared = runner.invoke(app, ["officer", "caveats", "fra.officer"])
    assert cleared.exit_code == 0, cleared.output
    assert helpers.keyring(runtime, personas["fra_officer"]).principal.caveats == frozenset()


def _compartment_keys(runtime: Runtime, nation: str) -> dict[str, int]:
    with runtime.db.transaction() as session:
        rows = session.scalars(select(CompartmentKey).where(CompartmentKey.nation == nation))
        return {row.id: row.version for row in rows}


def _sealed_to(runtime: Runtime, report_id: str) -> list[str]:
    with runtime.db.transaction() as session:
        binding.as_system(session, "test reads the stored wraps")
        return list(
            session.scalars(
                select(DebriefReportWrap.compartment_key_id).where(
                    DebriefReportWrap.report_id == report_id
                )
            )
        )


def _rotations(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.db.transaction() as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.resource_id).where(
                AuditEvent.action == "admin:compartment:rotate-key"
            )
        )
        return [(str(actor), str(resource)) for actor, resource in rows]


def test_an_administrator_rotates_a_compartment_key(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    people = world.populate(runtime, personas)
    case_id = world.fra_case(runtime, people)
    old_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft("old"))
    (old_key,) = _compartment_keys(runtime, "FRA")
    code, said = _run(runtime, None, "rotate-compartment-key", "fra")
    assert code == 0, said
    assert "FRA's debrief compartment now seals new reports to key version 2" in said
    keys = _compartment_keys(runtime, "FRA")
    (new_key,) = (key for key, version in keys.items() if version == 2)
    assert _rotations(runtime) == [("cli:administrator", "FRA")]
    new_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft("new"))
    assert _sealed_to(runtime, old_id) == [old_key]
    assert _sealed_to(runtime, new_id) == [new_key]
    keyring = helpers.keyring(runtime, people["fra_debriefer"])
    for report_id, marker in ((old_id, "old"), (new_id, "new")):
        with runtime.db.transaction() as session:
            opened = debrief.open_report(
                session=session, keyring=keyring, secrets=runtime.secrets, report_id=report_id
            )
            assert opened.text == f"Free text of the session {marker}"

    for nation, reason in (("XYZ", "desk 'XYZ' not found"), ("USA", "no officer who reads")):
        code, said = _run(runtime, None, "rotate-compartment-key", nation)
        assert code == 2, said
        assert reason in said
    assert _compartment_keys(runtime, "FRA") == keys
    assert _compartment_keys(runtime, "USA") == {}
    assert _rotations(runtime) == [("cli:administrator", "FRA")]
