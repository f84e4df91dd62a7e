"""Migration 0020 fills in the marks of the stage events already written (a first entry into
the stage; when the case entered the stage an event leaves) from each case's own history,
re-entries and ties in time included, on both engines; going down removes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from homeward import migrations
from homeward.cases.models import Case
from homeward.core.db import make_engine
from tests import helpers

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVENT = sa.table(
    "case_event",
    sa.column("id", sa.String),
    sa.column("case_id", sa.String),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.String),
    sa.column("actor_name", sa.String),
    sa.column("kind", sa.String),
    sa.column("from_stage", sa.String),
    sa.column("to_stage", sa.String),
)


def _at(days: float) -> datetime:
    return T0 + timedelta(days=days)


# id, case, day, from, to; then the marks 0020 must give: first entry, entered (a day) or None
HISTORY = [
    ("a1", "A", 0, None, "new", True, None),
    ("a2", "A", 1, "new", "in_contact", True, 0),
    ("a3", "A", 2, "in_contact", "withdrawn", True, 1),
    ("a4", "A", 3, "withdrawn", "in_contact", False, 2),  # re-opened: in contact again
    ("a5", "A", 4, "in_contact", "withdrawn", False, 3),  # the stay since the re-opening
    ("a6", "A", 5, None, None, False, None),  # a note: no stage
    ("b1", "B", 0, None, "new", True, None),
    ("b2", "B", 1, "new", "declined", True, 0),
    ("b9", "B", 1, "new", "declined", False, 0),  # the same time: the smaller id is first
    ("b3", "B", 2, "declined", "in_contact", True, 1),
    ("b4", "B", 2.5, "cleared", "passage_planned", True, None),  # never entered cleared
]


def test_0020_fills_in_the_marks_of_events_already_written(
    engine_name: str, templates: helpers.Templates, tmp_path: Path
) -> None:
    with helpers.fresh_database(engine_name, templates, tmp_path) as url:
        migrations.downgrade(url, "0019")
        engine = make_engine(url)
        with engine.begin() as connection:
            for case_id in ("A", "B"):
                connection.execute(
                    sa.insert(Case.__table__).values(
                        id=case_id,
                        reference=f"FRA-{case_id}",
                        owner_nation="FRA",
                        classification=1,
                        release="",
                        stage="in_contact",
                        stage_entered_at=T0,
                        created_at=T0,
                        updated_at=T0,
                        identity_sealed=b"sealed",
                    )
                )
            connection.execute(
                sa.insert(EVENT),
                [
                    {
                        "id": event_id,
                        "case_id": case_id,
                        "at": _at(day),
                        "actor_id": "officer",
                        "actor_name": "fra.officer",
                        "kind": "case:stage:change",
                        "from_stage": before,
                        "to_stage": after,
                    }
                    for event_id, case_id, day, before, after, _first, _since in HISTORY
                ],
            )
        engine.dispose()
        migrations.upgrade(url)
        engine = make_engine(url)
        with engine.connect() as connection:
            marks = {
                event_id: (bool(first), since)
                for event_id, first, since in connection.execute(
                    sa.text("SELECT id, first_entry, from_stage_entered_at FROM case_event")
                )
            }
        engine.dispose()
        migrations.downgrade(url, "0019")
        engine = make_engine(url)
        columns = {column["name"] for column in sa.inspect(engine).get_columns("case_event")}
        engine.dispose()
    expected = {
        event_id: (first, None if since is None else _at(since))
        for event_id, _case, _day, _before, _after, first, since in HISTORY
    }
    assert {event_id: first for event_id, (first, _since) in marks.items()} == {
        event_id: first for event_id, (first, _since) in expected.items()
    }
    for event_id, (_first, since) in expected.items():
        found = marks[event_id][1]
        if since is None:
            assert found is None, event_id
        else:  # SQLite hands the stored text back through plain SQL
            assert found is not None, event_id
            moment = found if isinstance(found, datetime) else datetime.fromisoformat(found)
            assert (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) == since, event_id
    assert "first_entry" not in columns
    assert "from_stage_entered_at" not in columns
