"""Alembic environment: the URL comes from the caller, the tables from migrations/models.py."""

from __future__ import annotations

from alembic import context

from homeward.core.db import make_engine
from homeward.migrations.models import metadata

config = context.config
url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url") or ""


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
