"""The instrument as data: the shipped file validates; each kind of bad file is refused with
the file, the place in it and the fault named; a new version dropped into the data directory's
instruments folder is the one new assessments use, without a code change. No database."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from homeward.core.errors import BadInput
from homeward.screening import instrument as instruments
from homeward.screening.instrument import InstrumentInvalid

SHIPPED_FILE = instruments.SHIPPED / "return-screening-1.json"


def good() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SHIPPED_FILE.read_text(encoding="utf-8"))
    return loaded


def test_the_shipped_instrument_validates_and_covers_the_good_practices() -> None:
    found = instruments.load_file(SHIPPED_FILE)
    assert (found.id, found.version) == ("return-screening", 1)
    sections = {section.id for section in found.sections}
    assert {"joining", "leaving", "role", "risk", "needs", "support", "exit_programme"} <= sections
    kinds = {question.type for question in found.questions()}
    assert kinds == set(instruments.TYPES)
    needs = " ".join(q.text.lower() for q in found.sections[4].questions)
    for need in ("medical", "psychological", "family", "live"):
        assert need in needs
    assert instruments.newest(instruments.folders(Path("/nonexistent"))) == found


def _write(folder: Path, content: object, name: str = "return-screening-1.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_text(text, encoding="utf-8")
    return path


def _question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    for section in data["sections"]:
        for question in section["questions"]:
            if question["id"] == question_id:
                found: dict[str, Any] = question
                return found
    raise AssertionError(question_id)


Change = Callable[[dict[str, Any]], object]


def _set(question_id: str, key: str, value: object) -> Change:
    def change(data: dict[str, Any]) -> object:
        _question(data, question_id)[key] = value
        return data

    return change


def _drop(question_id: str, key: str) -> Change:
    def change(data: dict[str, Any]) -> object:
        del _question(data, question_id)[key]
        return data

    return change


def _top(key: str, value: object) -> Change:
    def change(data: dict[str, Any]) -> object:
        data[key] = value
        return data

    return change


def _second_choice_repeats_first(data: dict[str, Any]) -> object:
    _question(data, "housing")["choices"][1]["value"] = "family_home"
    return data


BAD: dict[str, tuple[Change, str]] = {
    "not json": (
        lambda _data: '{"id": "return-screening",',
        r"return-screening-1\.json: line 1: not valid JSON",
    ),
    "unknown type": (
        _set("joining_year", "type", "slider"),
        r"question 'joining_year': type 'slider' is not one of",
    ),
    "choices missing": (
        _drop("joining_way", "choices"),
        r"question 'joining_way': a one_of question needs choices",
    ),
    "choices on text": (
        _set("joining_account", "choices", [{"value": "a", "label": "A"}] * 2),
        r"question 'joining_account': a text question has choices",
    ),
    "duplicate choice": (
        _second_choice_repeats_first,
        r"question 'housing', choice 2: the value 'family_home' is listed twice",
    ),
    "required not boolean": (
        _set("risk_to_him", "required", "yes"),
        r"question 'risk_to_him': required must be true or false",
    ),
    "empty text": (
        _set("risk_to_him", "text", "  "),
        r"question 'risk_to_him': text is missing or empty",
    ),
    "duplicate question": (
        _set("left_on", "id", "joining_year"),
        r"question 'joining_year': this id is used by another question",
    ),
    "unknown field": (
        _set("left_on", "colour", "red"),
        r"question 'left_on': unknown field 'colour'",
    ),
    "minimum above maximum": (
        _set("joining_year", "minimum", 3000),
        r"question 'joining_year': minimum is above maximum",
    ),
    "no sections": (_top("sections", []), r"top level: sections must be a non-empty list"),
    "bad version": (_top("version", 0), r"top level: version must be a whole number from 1"),
    "file name": (
        _top("version", 2),
        r"file name: .*must be named return-screening-2\.json",
    ),
}


@pytest.mark.parametrize("change", sorted(BAD))
def test_a_bad_file_is_refused_naming_file_place_and_fault(tmp_path: Path, change: str) -> None:
    mutate, expected = BAD[change]
    path = _write(tmp_path / "instruments", mutate(copy.deepcopy(good())))
    with pytest.raises(InstrumentInvalid, match=expected) as refused:
        instruments.load_file(path)
    assert str(refused.value).startswith("return-screening-1.json: ")
    with pytest.raises(InstrumentInvalid):  # and so is the folder it sits in
        instruments.newest(instruments.folders(tmp_path))


def test_a_new_version_in_the_data_directory_is_used_without_a_code_change(
    tmp_path: Path,
) -> None:
    data = good()
    data["version"] = 2
    data["sections"][0]["questions"].append(
        {
            "id": "joining_city",
            "text": "From which city did he leave?",
            "type": "text",
            "required": False,
        }
    )
    _write(tmp_path / "instruments", data, "return-screening-2.json")
    found = instruments.newest(instruments.folders(tmp_path))
    assert (found.version, found.question("joining_city") is not None) == (2, True)
    same = dict(good())
    _write(tmp_path / "instruments", same, "return-screening-1.json")
    with pytest.raises(InstrumentInvalid, match="already defined by another file"):
        instruments.newest(instruments.folders(tmp_path))


def test_answers_are_checked_against_the_instrument() -> None:
    found = instruments.load_file(SHIPPED_FILE)
    check = instruments.check_answers
    assert check(found, {"joining_year": "2015", "risk_to_him": True}, complete=False) == {
        "joining_year": 2015,
        "risk_to_him": "yes",
    }
    refusals = {
        "joining_year": ("twenty", "must be a number"),
        "left_on": ("31/03/2024", "must be a date like 2024-03-31"),
        "housing": ("castle", "'castle' is not one of the choices"),
        "roles_held": (["combat", "pilot"], "'pilot' is not one of the choices"),
        "still_with_group": ("maybe", "must be yes or no"),
        "medical_needs": ("x" * 4001, "longer than 4000 characters"),
        "nonexistent": ("anything", "there is no such question"),
    }
    for question_id, (value, problem) in refusals.items():
        with pytest.raises(BadInput, match=problem) as refused:
            check(found, {question_id: value}, complete=False)
        assert refused.value.field == question_id
    with pytest.raises(BadInput, match="an answer is required") as missing:
        check(found, {"joining_year": 2015}, complete=True)
    assert missing.value.field == "joining_way"
    assert check(found, {"roles_held": ["media", "combat", "media"]}, complete=False) == {
        "roles_held": ["combat", "media"]
    }
