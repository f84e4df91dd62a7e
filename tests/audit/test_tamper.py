"""Tampering with the stored log by direct SQL, with its triggers disabled, is detected by
`homeward audit verify`, which names the first bad entry: edit, deletion, reordering,
insertion and truncation, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, text
from typer.testing import CliRunner

from homeward.audit import checkpoints, verify
from homeward.audit import service as audit
from homeward.cli.main import app
from homeward.core.runtime import Runtime

ENTRIES = 40
TAMPERED = 17


@contextmanager
def _unguarded(runtime: Runtime) -> Iterator[Connection]:
    """A connection on which the log's guards are off, as an intruder with the database's
    owner rights would have it."""
    with runtime.db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
            connection.exec_driver_sql("ALTER TABLE audit_node DISABLE TRIGGER USER")
        else:
            for name in ("update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS audit_event_no_{name}")
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS audit_node_no_{name}")
        yield connection


def _edit(connection: Connection) -> None:
    connection.execute(
        text("UPDATE audit_event SET action = 'contact:message:none' WHERE leaf_index = :i"),
        {"i": TAMPERED},
    )


def _edit_and_rehash(connection: Connection) -> None:
    """Change an entry and its stored leaf hash too: only the signed checkpoint tells."""
    _edit(connection)
    connection.execute(
        text("UPDATE audit_event SET leaf_hash = :h WHERE leaf_index = :i"),
        {"h": b"\x00" * 32, "i": TAMPERED},
    )


def _delete(connection: Connection) -> None:
    connection.execute(text("DELETE FROM audit_event WHERE leaf_index = :i"), {"i": TAMPERED})


def _reorder(connection: Connection) -> None:
    """Swap the contents of two entries, keeping their places."""
    rows = connection.execute(
        text(
            "SELECT leaf_index, actor, action, resource_id FROM audit_event "
            "WHERE leaf_index IN (:a, :b)"
        ),
        {"a": TAMPERED, "b": TAMPERED + 1},
    ).all()
    first, second = rows
    for mine, theirs in ((first, second), (second, first)):
        connection.execute(
            text(
                "UPDATE audit_event SET actor = :actor, action = :action, "
                "resource_id = :resource WHERE leaf_index = :i"
            ),
            {"actor": theirs[1], "action": theirs[2], "resource": theirs[3], "i": mine[0]},
        )


def _insert(connection: Connection) -> None:
    """Slip an entry in at TAMPERED, moving every later one up a place."""
    connection.execute(
        text("UPDATE audit_event SET leaf_index = -leaf_index - 1 WHERE leaf_index >= :i"),
        {"i": TAMPERED},
    )
    connection.execute(
        text("UPDATE audit_event SET leaf_index = -leaf_index WHERE leaf_index < 0"),
    )
    connection.execute(
        text(
            "INSERT INTO audit_event (leaf_index, at, actor, action, resource_type, "
            "resource_id, nation, leaf_hash) SELECT :i, at, actor, 'contact:message:read', "
            "resource_type, 'forged', nation, leaf_hash FROM audit_event "
            "WHERE leaf_index = :j"
        ),
        {"i": TAMPERED, "j": TAMPERED + 1},
    )


def _truncate(connection: Connection) -> None:
    """Cut the tail off and move the head back, as if the last entries never were."""
    connection.execute(text("DELETE FROM audit_event WHERE leaf_index >= :i"), {"i": TAMPERED})
    connection.execute(text("UPDATE audit_head SET size = :i"), {"i": TAMPERED})


TAMPERINGS: dict[str, tuple[Callable[[Connection], None], int]] = {
    "edit": (_edit, TAMPERED),
    "edit-and-rehash": (_edit_and_rehash, TAMPERED),
    "deletion": (_delete, TAMPERED),
    "reordering": (_reorder, TAMPERED),
    "insertion": (_insert, TAMPERED),
    "truncation": (_truncate, TAMPERED),
}


def _fill(runtime: Runtime) -> None:
    for batch in range(ENTRIES // 10):
        with runtime.db.transaction() as session:
            for number in range(10):
                audit.record(
                    session=session,
                    actor=f"officer:o{number}",
                    action="contact:message:read",
                    resource_type="message",
                    resource_id=f"m{batch}-{number}",
                    nation="FRA",
                )
        if batch == 1:
            _checkpoint(runtime)
    _checkpoint(runtime)


def _checkpoint(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        checkpoints.make_checkpoint(
            session=session, secrets=runtime.secrets, origin=runtime.settings.log_origin
        )


def _report(runtime: Runtime) -> verify.Report:
    key = checkpoints.log_key(runtime.secrets, runtime.settings.log_origin)
    with runtime.db.transaction() as session:
        return verify.verify_log(session=session, key=key)


def test_an_untouched_log_verifies(runtime: Runtime) -> None:
    before = _report(runtime).size  # creating the desks was logged already
    _fill(runtime)
    report = _report(runtime)
    assert report.ok, report.problems
    assert report.size == before + ENTRIES
    assert report.checkpoints_checked == 2


@pytest.mark.parametrize("kind", list(TAMPERINGS))
def test_tampering_is_detected_and_located(
    runtime: Runtime, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(runtime)
    tamper, first_bad = TAMPERINGS[kind]
    with _unguarded(runtime) as connection:
        tamper(connection)
    report = _report(runtime)
    assert not report.ok
    assert report.first_bad_entry == first_bad, report.problems

    url = runtime.settings.effective_database_url
    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"first bad entry: {first_bad}" in result.output


NODE_TAMPERINGS = {
    # (level, position): a leaf node, an inner node, a high one over the first 32 entries.
    "leaf": (0, TAMPERED),
    "inner": (2, TAMPERED // 4),
    "high": (5, 0),
}


@pytest.mark.parametrize("kind", list(NODE_TAMPERINGS))
def test_a_flipped_stored_node_is_found_and_named(
    runtime: Runtime, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries untouched, one stored subtree hash flipped: every proof through it is wrong,
    so verify must fail and name that node."""
    _fill(runtime)
    level, position = NODE_TAMPERINGS[kind]
    assert _report(runtime).ok
    with _unguarded(runtime) as connection:
        stored = connection.execute(
            text("SELECT hash FROM audit_node WHERE level = :l AND position = :p"),
            {"l": level, "p": position},
        ).scalar_one()
        flipped = bytes([stored[0] ^ 1]) + stored[1:]
        connection.execute(
            text("UPDATE audit_node SET hash = :h WHERE level = :l AND position = :p"),
            {"h": flipped, "l": level, "p": position},
        )
    report = _report(runtime)
    assert not report.ok
    assert report.first_bad_node == (level, position), report.problems

    monkeypatch.setenv("HOMEWARD_DATA_DIR", str(runtime.settings.data_dir))
    monkeypatch.setenv("HOMEWARD_DATABASE_URL", runtime.settings.effective_database_url)
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"tree node {level}/{position}" in result.output


def test_a_missing_stored_node_is_found(runtime: Runtime) -> None:
    _fill(runtime)
    with _unguarded(runtime) as connection:
        connection.execute(text("DELETE FROM audit_node WHERE level = 1 AND position = 3"))
    report = _report(runtime)
    assert not report.ok
    assert any("tree node 1/3 " in p and "is missing" in p for p in report.problems), (
        report.problems
    )
