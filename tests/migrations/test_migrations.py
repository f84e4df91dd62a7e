"""Alembic: `upgrade head` builds exactly the models, and every revision goes up and down."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from homeward import migrations
from homeward.core.db import make_engine
from homeward.migrations.models import metadata
from tests import helpers


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def test_migration_files_are_dated() -> None:
    names = [path.name for path in (migrations.HERE / "versions").glob("*.py")]
    assert names
    assert all(name[:4].isdigit() and name[4] == "_" for name in names)


def test_upgrade_head_matches_models(
    engine_name: str, templates: helpers.Templates, tmp_path: Path
) -> None:
    with helpers.fresh_database(engine_name, templates, tmp_path) as url:
        engine = make_engine(url)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
        engine.dispose()
    assert differences == []


@pytest.mark.parametrize("revision", _revisions())
def test_each_revision_goes_down_and_up(
    revision: str, engine_name: str, templates: helpers.Templates, tmp_path: Path
) -> None:
    with helpers.fresh_database(engine_name, templates, tmp_path) as url:
        script = ScriptDirectory.from_config(migrations.alembic_config(url))
        down_to = script.get_revision(revision).down_revision or "base"
        migrations.downgrade(url, str(down_to))
        schema_after_down = _schema(url)
        migrations.upgrade(url, revision)
        schema_after_up = _schema(url)
    assert schema_after_up - schema_after_down, "the revision added no table or index"
    assert {"audit_event", "message", "contact"} <= schema_after_up


def _schema(url: str) -> set[str]:
    """Table names, and `table.index` for each index: what a revision adds."""
    engine = make_engine(url)
    inspector = sa.inspect(engine)
    names = set(inspector.get_table_names())
    indexes = {
        f"{table}.{index['name']}" for table in names for index in inspector.get_indexes(table)
    }
    engine.dispose()
    return names | indexes
