"""The command line as an operator uses it: init, officer add, demo seed, logins, purge."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from homeward.accounts.models import Desk, DeskKey, Officer
from homeward.cli import demo as demo_data
from homeward.cli import demo_world
from homeward.cli.main import app
from homeward.contact.models import Conversation, Message
from homeward.core.runtime import Runtime
from homeward.core.settings import Settings
from homeward.policy import binding


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "var"
    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(folder))
    monkeypatch.delenv("HOMEWARD_DATABASE_URL", raising=False)
    return folder


def _runtime(folder: Path) -> Runtime:
    return Runtime.from_settings(
        Settings(data_dir=folder, testing=True, kdf_profile="fast-for-tests")
    )


def test_init_creates_keys_schema_and_desks(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "keys" / "data.key").stat().st_mode & 0o777 == 0o600
    assert (data_dir / "keys" / "pepper.key").exists()
    runtime = _runtime(data_dir)
    with runtime.db.transaction() as session:
        codes = set(session.scalars(select(Desk.code)))
    runtime.close()
    assert codes == {"USA", "FRA", "GBR", "CAN", "DEU", "IRQ"}
    assert CliRunner().invoke(app, ["init"]).exit_code == 0  # running it again is harmless


def test_officer_add_prints_a_totp_uri_and_refuses_bad_input(data_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    password = "a-synthetic-password-for-tests"
    result = runner.invoke(
        app, ["officer", "add", "new.officer", "--nation", "FRA"], input=f"{password}\n{password}\n"
    )
    assert result.exit_code == 0, result.output
    assert "otpauth://totp/Homeward:new.officer" in result.output
    assert password not in result.output

    short = runner.invoke(app, ["officer", "add", "x.officer", "--nation", "FRA"], input="ab\nab\n")
    assert short.exit_code == 2
    assert "password" in short.output
    unknown = runner.invoke(
        app, ["officer", "add", "y.officer", "--nation", "XYZ"], input=f"{password}\n{password}\n"
    )
    assert unknown.exit_code == 2
    assert "XYZ" in unknown.output

    runtime = _runtime(data_dir)
    with runtime.db.transaction() as session:
        usernames = set(session.scalars(select(Officer.username)))
        fra_keys = session.scalar(select(func.count()).where(DeskKey.desk_code == "FRA"))
    runtime.close()
    assert usernames == {"new.officer"}
    assert fra_keys == 1


def test_rotate_key_needs_an_officer_and_adds_a_version(data_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    refused = runner.invoke(app, ["desk", "rotate-key", "GBR"])
    assert refused.exit_code == 2
    password = "another-synthetic-password"
    runner.invoke(
        app, ["officer", "add", "gbr.officer", "--nation", "GBR"], input=f"{password}\n{password}\n"
    )
    rotated = runner.invoke(app, ["desk", "rotate-key", "GBR"])
    assert rotated.exit_code == 0, rotated.output
    assert "version 2" in rotated.output


def test_demo_seed_makes_officers_letters_and_prints_codes(data_dir: Path) -> None:
    from homeward.cli.main import initialise

    runtime = initialise()
    assert demo_data.seed(runtime)
    assert not demo_data.seed(runtime)  # a second run keeps what is there
    with runtime.db.transaction() as session:
        binding.as_system(session, "test: count every conversation")
        officers = session.scalar(select(func.count(Officer.id)))
        conversations = session.scalar(select(func.count(Conversation.id)))
        replies = session.scalar(select(func.count()).where(Message.direction == "desk"))
    runtime.close()
    assert officers == len(demo_data.DEMO_OFFICERS)
    assert conversations == len(demo_world.LETTERS)
    assert replies == 1
    assert (data_dir / demo_data.CREDENTIALS_FILE).stat().st_mode & 0o777 == 0o600
    logins = CliRunner().invoke(app, ["demo-logins"])
    assert logins.exit_code == 0, logins.output
    assert "fra.officer" in logins.output


def test_serve_without_init_says_what_to_do(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "homeward init" in result.output
