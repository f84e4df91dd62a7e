"""Need to know holds whatever was imported: a fresh interpreter that imports one models module
and nothing else is refused on every labelled model, against a real migrated database; and a
labelled model that names no read permission is refused when its class is created."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import homeward
from homeward.core.runtime import Runtime
from homeward.policy import binding, roles
from homeward.policy.labels import Labelled

SRC = Path(homeward.__file__).parent
MODELS_MODULES = sorted(f"homeward.{path.parent.name}.models" for path in SRC.glob("*/models.py"))
LABELLED = {
    "case_file",
    "conversation",
    "person_report",
    "passage_plan",
    "handover",
    "custody_entry",
    "screening_assessment",
    "approval",
    "household_link",
    "best_interests",
    "child_protection_handover",
    "debrief_report",
    "debrief_person_link",
}

SCRIPT = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from homeward.core.db import Base, make_engine
from homeward.policy.binding import UnboundQuery
from homeward.policy.labels import Labelled

labelled = sorted(
    {m.class_ for m in Base.registry.mappers if issubclass(m.class_, Labelled)},
    key=lambda model: model.__tablename__,
)
answers = {}
with Session(make_engine(sys.argv[2])) as session:
    for model in labelled:
        try:
            rows = session.execute(select(model)).all()
            count = session.scalar(select(func.count()).select_from(model))
        except UnboundQuery:
            answers[model.__tablename__] = "refused"
            session.rollback()
        else:
            answers[model.__tablename__] = f"read {len(rows)} rows of {count}"
loaded = sorted(name for name in sys.modules if name.startswith("homeward."))
print(json.dumps({"answers": answers, "loaded": loaded}))
"""


def test_every_capability_has_a_models_module() -> None:
    assert {"homeward.cases.models", "homeward.contact.models"} <= set(MODELS_MODULES)
    assert len(MODELS_MODULES) >= 5


@pytest.mark.parametrize("module", MODELS_MODULES)
def test_models_alone_are_refused_without_an_officer(runtime: Runtime, module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, module, runtime.db.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert not any(name.endswith(".service") for name in found["loaded"]), found["loaded"]
    assert set(found["answers"]) <= LABELLED
    assert all(answer == "refused" for answer in found["answers"].values()), found["answers"]
    own = {
        "homeward.cases.models": "case_file",
        "homeward.contact.models": "conversation",
        "homeward.identity.models": "person_report",
        "homeward.passage.models": "passage_plan",
        "homeward.screening.models": "screening_assessment",
        "homeward.households.models": "household_link",
        "homeward.approvals.models": "approval",
        "homeward.debrief.models": "debrief_report",
    }
    if module in own:
        assert own[module] in found["answers"]


def test_every_labelled_model_is_protected_with_its_read_permission() -> None:
    names = {
        model.__tablename__: permission
        for model, permission in binding.protected().items()
        if model.__module__.startswith("homeward.")
    }
    assert names == {
        "case_file": roles.CASE_READ,
        "conversation": roles.CONVERSATION_READ,
        "person_report": roles.IDENTITY_READ,
        "passage_plan": roles.PLAN_READ,
        "handover": roles.PLAN_READ,
        "custody_entry": roles.CASE_READ,
        "screening_assessment": roles.SCREENING_READ,
        "household_link": roles.HOUSEHOLD_READ,
        "best_interests": roles.BEST_INTERESTS_READ,
        "approval": roles.APPROVAL_READ,
        "child_protection_handover": roles.CHILD_PROTECTION_READ,
        "debrief_report": roles.DEBRIEF_READ,
        "debrief_person_link": roles.DEBRIEF_READ,
    }


def test_a_labelled_model_without_a_read_permission_is_refused_at_class_creation() -> None:
    class Elsewhere(DeclarativeBase):
        """Not the application's Base: a refused class must not touch its metadata."""

    with pytest.raises(TypeError, match="Unguarded is Labelled but declares no"):

        class Unguarded(Labelled, Elsewhere):
            __tablename__ = "unguarded"
            id: Mapped[str] = mapped_column(String(32), primary_key=True)

    class Guarded(Labelled, Elsewhere):
        __tablename__ = "guarded"
        __read_permission__ = roles.CASE_READ
        id: Mapped[str] = mapped_column(String(32), primary_key=True)

    assert binding.protected()[Guarded] == roles.CASE_READ
    assert "unguarded" not in Elsewhere.metadata.tables
