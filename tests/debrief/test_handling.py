"""The programme's handling words as data: the shipped file, a programme's own file under the
data directory replacing it (its caveats and an owner's stricter roles used at once), and a
broken file refused naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from homeward.core.errors import BadInput
from homeward.core.runtime import Runtime
from homeward.debrief import handling, service
from tests import helpers
from tests.debrief import world


def test_the_shipped_words(tmp_path: Path) -> None:
    words = handling.load(tmp_path)
    assert set(words.caveats) == {"ORCON", "HUMINT", "LIMDIS"}
    assert words.roles_for("FRA") == ("debriefer", "desk_officer", "supervisor")
    assert words.tlp[2] == "amber"


def _own(data_dir: Path, content: object) -> None:
    folder = data_dir / "debrief"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "handling.json").write_text(json.dumps(content))


def test_a_programme_file_replaces_the_shipped_one(
    runtime: Runtime, personas: helpers.Personas
) -> None:
    people = world.populate(runtime, personas)
    _own(
        runtime.settings.data_dir,
        {
            "caveats": {"ORCON": "Originator controlled", "HUMINT": "Source reporting"},
            "reader_roles": ["debriefer", "supervisor", "desk_officer"],
            "owner_reader_roles": {"FRA": ["debriefer", "supervisor"]},
            "tlp": {},
        },
    )
    case_id = world.fra_case(runtime, people)
    with pytest.raises(BadInput, match="FRA does not open debriefs to desk_officer"):
        world.write(
            runtime,
            people["fra_debriefer"],
            case_id,
            world.draft(reader_roles=["debriefer", "desk_officer"]),
        )
    report_id = world.write(runtime, people["fra_debriefer"], case_id, world.draft())
    keyring = helpers.keyring(runtime, people["fra_debriefer"])
    with runtime.db.transaction() as session:
        (summary,) = service.reports(
            session=session, secrets=runtime.secrets, principal=keyring.principal
        )
    assert summary.id == report_id
    assert summary.reader_roles == ["debriefer", "supervisor"]


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({"caveats": {"orcon": "lower case"}, "reader_roles": ["debriefer"]}, "caveats"),
        ({"caveats": {}, "reader_roles": ["administrator"]}, "reader_roles"),
        ({"caveats": {}, "reader_roles": ["debriefer"], "tlp": {"2": "purple"}}, "tlp"),
        ({"caveats": {}, "reader_roles": []}, "reader_roles"),
    ],
)
def test_a_broken_file_is_refused_naming_the_field(
    tmp_path: Path, content: object, field: str
) -> None:
    _own(tmp_path, content)
    with pytest.raises(handling.HandlingInvalid) as refused:
        handling.load(tmp_path)
    assert field in refused.value.field
