"""The screening instrument as data: sections and questions read from a versioned JSON file,
checked before use, and the answers an officer gives checked against it.

Instruments live in files named `<id>-<version>.json`: those shipped in `instruments/` beside
this module, and any a programme drops into `<data dir>/instruments/` (no release needed). New
assessments use the newest version of an instrument; an assessment keeps the version it was
written against (service.py records each version's text in the database on first use).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from homeward.core.errors import BadInput, HomewardError
from homeward.crypto import sealing

SHIPPED = Path(__file__).parent / "instruments"
DEFAULT_INSTRUMENT = "return-screening"
TYPES = ("text", "yes_no", "one_of", "many_of", "date", "number")
"""Answer types: free text, yes or no, one choice, several choices, a date, a number."""
TEXT_MAX_CHARS = 4000
"""A text answer's limit where the question sets none."""
TEXT_LIMIT = 20_000
"""The most a question may allow."""
SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
Answer = str | list[str] | int | float
Answers = dict[str, Answer]


class InstrumentInvalid(HomewardError):
    """An instrument file that cannot be used: names the file, where in it, and what is wrong."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        super().__init__(f"{source}: {where}: {problem}")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    type: str
    required: bool
    help: str = ""
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_chars: int = TEXT_MAX_CHARS

    def label_of(self, value: str) -> str:
        return next((choice.label for choice in self.choices if choice.value == value), value)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    help: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    title: str
    help: str
    sections: tuple[Section, ...]
    text: str
    """The file as read: what the database keeps, so an assessment is always shown with it."""
    digest: str

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions() if q.id == question_id), None)

    @property
    def name(self) -> str:
        return f"{self.title} (version {self.version})"


_TOP = {"id", "version", "title", "help", "sections"}
_SECTION = {"id", "title", "help", "questions"}
_QUESTION = {"id", "text", "type", "required", "help", "choices", "minimum", "maximum", "max_chars"}


def _keys(source: str, where: str, found: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(found) - allowed)
    if unknown:
        raise InstrumentInvalid(
            source, where, f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _text(source: str, where: str, found: Mapping[str, Any], key: str, *, needed: bool) -> str:
    value = found.get(key, "")
    if not isinstance(value, str):
        raise InstrumentInvalid(source, where, f"{key} must be text")
    if needed and not value.strip():
        raise InstrumentInvalid(source, where, f"{key} is missing or empty")
    return value.strip()


def _slug(source: str, where: str, value: object, what: str) -> str:
    if not isinstance(value, str) or not SLUG.match(value):
        raise InstrumentInvalid(
            source,
            where,
            f"{what} must be lower-case letters, digits, '_' or '-', starting with a letter",
        )
    return value


def _number(source: str, where: str, found: Mapping[str, Any], key: str) -> float | None:
    value = found.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstrumentInvalid(source, where, f"{key} must be a number")
    return value


def _choices(source: str, where: str, raw: object) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise InstrumentInvalid(source, where, "choices must be a list of at least two")
    choices, seen = [], set()
    for position, item in enumerate(raw, start=1):
        at = f"{where}, choice {position}"
        if not isinstance(item, dict):
            raise InstrumentInvalid(source, at, "a choice is an object with value and label")
        _keys(source, at, item, {"value", "label"})
        value = _slug(source, at, item.get("value"), "value")
        if value in seen:
            raise InstrumentInvalid(source, at, f"the value {value!r} is listed twice")
        seen.add(value)
        choices.append(Choice(value, _text(source, at, item, "label", needed=True)))
    return tuple(choices)


def _question(source: str, raw: object, position: str) -> Question:
    if not isinstance(raw, dict):
        raise InstrumentInvalid(source, position, "a question is an object")
    where = f"question {raw.get('id', position)!r}"
    _keys(source, where, raw, _QUESTION)
    question_id = _slug(source, where, raw.get("id"), "id")
    kind = raw.get("type")
    if kind not in TYPES:
        raise InstrumentInvalid(source, where, f"type {kind!r} is not one of: {', '.join(TYPES)}")
    required = raw.get("required")
    if not isinstance(required, bool):
        raise InstrumentInvalid(source, where, "required must be true or false")
    has_choices = kind in ("one_of", "many_of")
    if has_choices != ("choices" in raw):
        problem = (
            "needs choices" if has_choices else "has choices, which only one_of and many_of take"
        )
        raise InstrumentInvalid(source, where, f"a {kind} question {problem}")
    if kind != "number" and ({"minimum", "maximum"} & set(raw)):
        raise InstrumentInvalid(source, where, "minimum and maximum are for number questions")
    minimum, maximum = (
        _number(source, where, raw, "minimum"),
        _number(source, where, raw, "maximum"),
    )
    if minimum is not None and maximum is not None and minimum > maximum:
        raise InstrumentInvalid(source, where, "minimum is above maximum")
    max_chars = raw.get("max_chars", TEXT_MAX_CHARS)
    if "max_chars" in raw and kind != "text":
        raise InstrumentInvalid(source, where, "max_chars is for text questions")
    if isinstance(max_chars, bool) or not isinstance(max_chars, int):
        raise InstrumentInvalid(source, where, "max_chars must be a whole number")
    if not 1 <= max_chars <= TEXT_LIMIT:
        raise InstrumentInvalid(source, where, f"max_chars must be from 1 to {TEXT_LIMIT}")
    return Question(
        id=question_id,
        text=_text(source, where, raw, "text", needed=True),
        type=kind,
        required=required,
        help=_text(source, where, raw, "help", needed=False),
        choices=_choices(source, where, raw["choices"]) if has_choices else (),
        minimum=minimum,
        maximum=maximum,
        max_chars=max_chars,
    )


def _section(source: str, raw: object, position: int, seen: set[str]) -> Section:
    if not isinstance(raw, dict):
        raise InstrumentInvalid(source, f"section {position}", "a section is an object")
    where = f"section {raw.get('id', position)!r}"
    _keys(source, where, raw, _SECTION)
    section_id = _slug(source, where, raw.get("id"), "id")
    questions = raw.get("questions")
    if not isinstance(questions, list) or not questions:
        raise InstrumentInvalid(source, where, "questions must be a non-empty list")
    parsed = []
    for number, item in enumerate(questions, start=1):
        question = _question(source, item, f"{where}, question {number}")
        if question.id in seen:
            raise InstrumentInvalid(
                source, f"question {question.id!r}", "this id is used by another question"
            )
        seen.add(question.id)
        parsed.append(question)
    return Section(
        id=section_id,
        title=_text(source, where, raw, "title", needed=True),
        help=_text(source, where, raw, "help", needed=False),
        questions=tuple(parsed),
    )


def parse(text: str, source: str) -> Instrument:
    """The instrument in `text`, or InstrumentInvalid naming `source`, the place and the fault."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstrumentInvalid(
            source, f"line {exc.lineno}", f"not valid JSON ({exc.msg})"
        ) from exc
    if not isinstance(raw, dict):
        raise InstrumentInvalid(source, "top level", "an instrument is a JSON object")
    _keys(source, "top level", raw, _TOP)
    instrument_id = _slug(source, "top level", raw.get("id"), "id")
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InstrumentInvalid(source, "top level", "version must be a whole number from 1")
    sections = raw.get("sections")
    if not isinstance(sections, list) or not sections:
        raise InstrumentInvalid(source, "top level", "sections must be a non-empty list")
    seen: set[str] = set()
    parsed = [_section(source, item, number, seen) for number, item in enumerate(sections, 1)]
    if len({section.id for section in parsed}) != len(parsed):
        raise InstrumentInvalid(source, "sections", "two sections have the same id")
    return Instrument(
        id=instrument_id,
        version=version,
        title=_text(source, "top level", raw, "title", needed=True),
        help=_text(source, "top level", raw, "help", needed=False),
        sections=tuple(parsed),
        text=text,
        digest=sealing.sha256(text.encode()).hex(),
    )


def load_file(path: Path) -> Instrument:
    """One instrument file; its name must be `<id>-<version>.json` as the file says."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentInvalid(
            path.name, "file", f"cannot be read ({exc.__class__.__name__})"
        ) from None
    instrument = parse(text, path.name)
    expected = f"{instrument.id}-{instrument.version}.json"
    if path.name != expected:
        raise InstrumentInvalid(
            path.name,
            "file name",
            f"it says id {instrument.id!r} version "
            f"{instrument.version}, so it must be named {expected}",
        )
    return instrument


def folders(data_dir: Path) -> list[Path]:
    """Where instruments are looked for: the shipped ones, then the programme's own."""
    return [SHIPPED, data_dir / "instruments"]


def scan(places: list[Path]) -> dict[tuple[str, int], Instrument]:
    """Every instrument in these folders, by (id, version); one version in two files is
    refused, so which text an assessment used is never in doubt."""
    found: dict[tuple[str, int], Instrument] = {}
    for folder in places:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            instrument = load_file(path)
            key = (instrument.id, instrument.version)
            if key in found:
                raise InstrumentInvalid(
                    path.name,
                    "file",
                    f"{instrument.id} version {instrument.version} is "
                    "already defined by another file; give this one a new version",
                )
            found[key] = instrument
    return found


def newest(places: list[Path], instrument_id: str = DEFAULT_INSTRUMENT) -> Instrument:
    """The newest version of the instrument: what a new assessment is written against."""
    versions = [found for (name, _), found in scan(places).items() if name == instrument_id]
    if not versions:
        raise InstrumentInvalid(instrument_id, "instruments", "no file defines this instrument")
    return max(versions, key=lambda found: found.version)


def _empty(value: object) -> bool:
    return value is None or value in ("", []) or (isinstance(value, str) and not value.strip())


class _Wrong(Exception):
    """What is wrong with one answer; `_answer` names the question."""


def _text_answer(question: Question, value: object) -> Answer:
    if not isinstance(value, str):
        raise _Wrong("the answer must be text")
    if len(value.strip()) > question.max_chars:
        raise _Wrong(f"the answer is longer than {question.max_chars} characters")
    return value.strip()


def _yes_no_answer(_question: Question, value: object) -> Answer:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value not in ("yes", "no"):
        raise _Wrong("the answer must be yes or no")
    return str(value)


def _number_answer(question: Question, value: object) -> Answer:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _Wrong("the answer must be a number") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Wrong("the answer must be a number")
    if question.minimum is not None and value < question.minimum:
        raise _Wrong(f"the answer must be at least {question.minimum:g}")
    if question.maximum is not None and value > question.maximum:
        raise _Wrong(f"the answer must be at most {question.maximum:g}")
    return int(value) if float(value).is_integer() else value


def _date_answer(_question: Question, value: object) -> Answer:
    try:
        return date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise _Wrong("the answer must be a date like 2024-03-31") from None


def _one_of_answer(question: Question, value: object) -> Answer:
    known = [choice.value for choice in question.choices]
    if value not in known:
        raise _Wrong(f"{value!r} is not one of the choices: {', '.join(known)}")
    return str(value)


def _many_of_answer(question: Question, value: object) -> Answer:
    known = [choice.value for choice in question.choices]
    picked = [value] if isinstance(value, str) else value
    if not isinstance(picked, list) or not all(isinstance(item, str) for item in picked):
        raise _Wrong("the answer must be a list of choices")
    unknown = [item for item in picked if item not in known]
    if unknown:
        raise _Wrong(f"{unknown[0]!r} is not one of the choices: {', '.join(known)}")
    return [item for item in known if item in picked]  # the instrument's order, once each


_CONVERT: dict[str, Callable[[Question, object], Answer]] = {
    "text": _text_answer,
    "yes_no": _yes_no_answer,
    "number": _number_answer,
    "date": _date_answer,
    "one_of": _one_of_answer,
    "many_of": _many_of_answer,
}


def _answer(question: Question, value: object) -> Answer:
    """One answer in its stored form, or BadInput naming the question and what is wrong."""
    try:
        return _CONVERT[question.type](question, value)
    except _Wrong as wrong:
        raise BadInput(question.id, f"{wrong} (the question: {question.text})") from None


def check_answers(
    instrument: Instrument, answers: Mapping[str, object], *, complete: bool
) -> Answers:
    """The answers in their stored form (empty ones left out). Refused, naming the question:
    an unknown question, a wrong type, an unknown choice; and when `complete`, a required
    question left unanswered."""
    for question_id in answers:
        if instrument.question(question_id) is None:
            raise BadInput(question_id, f"there is no such question in {instrument.name}")
    checked: Answers = {}
    for question in instrument.questions():
        value = answers.get(question.id)
        if _empty(value):
            if complete and question.required:
                raise BadInput(
                    question.id, f"an answer is required (the question: {question.text})"
                )
            continue
        checked[question.id] = _answer(question, value)
    return checked
