"""The audit table only grows: UPDATE and DELETE are refused by the database itself, and an
entry is written in the same transaction as the change it records."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from homeward.audit import service as audit
from homeward.audit.models import AuditEvent
from homeward.core.runtime import Runtime


def test_update_and_delete_are_refused(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        audit.record(
            session=session,
            actor="system",
            action="test:thing:do",
            resource_type="thing",
            resource_id="1",
        )
    for statement in (
        sa.update(AuditEvent).values(action="test:thing:undo"),
        sa.delete(AuditEvent),
    ):
        with pytest.raises(DBAPIError, match="append-only"), runtime.db.transaction() as session:
            session.execute(statement)
    with runtime.db.transaction() as session:
        actions = session.scalars(sa.select(AuditEvent.action)).all()
    assert "test:thing:do" in actions
    assert "test:thing:undo" not in actions


def test_entry_rolls_back_with_its_change(runtime: Runtime) -> None:
    def before() -> int:
        with runtime.db.transaction() as session:
            return len(audit.entries(session=session, action="test:failed:change"))

    def failing_change() -> None:
        with runtime.db.transaction() as session:
            audit.record(
                session=session,
                actor="system",
                action="test:failed:change",
                resource_type="thing",
                resource_id="2",
            )
            session.flush()
            raise RuntimeError("the change fails after its audit entry was added")

    with pytest.raises(RuntimeError):
        failing_change()
    assert before() == 0


def test_postgres_app_role_may_insert_but_not_rewrite(runtime: Runtime) -> None:
    """On PostgreSQL the grants refuse what the triggers refuse, for the application's role."""
    if not runtime.settings.effective_database_url.startswith("postgresql"):
        pytest.skip("grants are a PostgreSQL feature; SQLite relies on its triggers")
    with runtime.db.transaction() as session:
        audit.record(
            session=session,
            actor="system",
            action="test:thing:do",
            resource_type="thing",
            resource_id="1",
        )
    with runtime.db.engine.connect() as connection:
        connection.exec_driver_sql("SET ROLE homeward_app")
        assert connection.exec_driver_sql("SELECT count(*) FROM audit_event").scalar()
        for statement in (
            "UPDATE audit_event SET action = 'x:y:z'",
            "DELETE FROM audit_node",
            "TRUNCATE audit_checkpoint",
        ):
            with pytest.raises(DBAPIError, match="permission denied"):
                connection.exec_driver_sql(statement)
            connection.rollback()
            connection.exec_driver_sql("SET ROLE homeward_app")
