"""From a person report to normalised keys: the columns the linkage model compares and
blocks on. Every key is a plain string, integer, boolean or list of strings, so a row of
`NormalisedReport.as_row()` is a DuckDB/Splink row as it stands.

Names: see `names.py`. Dates: year, month and day apart, so a year-only report still agrees
on its year; `dob_swapped` is the date with day and month exchanged (16/08 vs 08/16), to
compare against the other side's `dob_key`. Places: one key per city across languages and
scripts (`tables.PLACES`), else the ASCII-folded text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from functools import lru_cache

import jellyfish

from homeward.linkage.names import (
    ParsedName,
    ascii_fold,
    fold_word,
    is_arabic,
    normalise_arabic,
    parse_name,
)
from homeward.linkage.reports import PersonReport
from homeward.linkage.tables import PLACES

_PARTIAL_DATE = re.compile(r"^(~)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, slots=True)
class NormalisedReport:
    """Keys of one report. Empty string, None or [] where the report says nothing."""

    record_id: str
    given_key: str = ""
    family_key: str = ""
    full_key: str = ""  # sorted name keys: swapped given and family names still agree
    given_phonetic: str = ""
    family_phonetic: str = ""
    father_key: str = ""
    name_tokens: list[str] = field(default_factory=list)  # every name key, aliases included
    name_words: list[str] = field(default_factory=list)  # his own name keys, distinct, sorted
    kunya: str = ""  # X of "Abu X": his child's name, never his own
    nisba_nation: str = ""
    sex: str = ""
    dob_key: str = ""  # YYYY-MM-DD, YYYY-MM or YYYY, without the ~
    dob_year: int | None = None
    dob_month: int | None = None
    dob_day: int | None = None
    dob_approx: bool = False
    dob_swapped: str = ""  # YYYY-MM-DD with day and month exchanged, when that is a date
    place_key: str = ""
    nationalities: list[str] = field(default_factory=list)
    document_key: str = ""
    address_key: str = ""
    # Given and family keys guessed from a name in Arabic script alone (first and last word):
    # two such reports are compared as full names, not by the guess (`comparisons.BothSplit`).
    name_guessed: bool = False

    def as_row(self) -> dict[str, object]:
        """A flat dict for a data frame: one column per key (lists shared, not copied:
        `dataclasses.asdict` deep-copies and took half of a million-report run)."""
        return {name: getattr(self, name) for name in _FIELD_NAMES}


_FIELD_NAMES = tuple(item.name for item in fields(NormalisedReport))


def _phonetic(keys_of: ParsedName) -> str:
    """Metaphone of each spelled word: a second, coarser opinion for the fuzzy levels."""
    return " ".join(jellyfish.metaphone(word) for word in keys_of.words if word)


def _place_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for key, names in PLACES.items():
        for name in names:
            index[_place_text(name)] = key
    return index


def _place_text(name: str) -> str:
    if is_arabic(name):
        return normalise_arabic(name).strip()
    words = re.split(r"[^a-z0-9]+", ascii_fold(name).replace("ue", "u").replace("oe", "o"))
    return " ".join(word for word in words if word)


_PLACES = _place_index()


@lru_cache(maxsize=65536)
def place_key(name: str) -> str:
    """One key per known city in any of its names (München → munich), else folded text."""
    text = _place_text(name)
    return _PLACES.get(text, text)


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A partial date of birth as its parts."""

    key: str = ""
    year: int | None = None
    month: int | None = None
    day: int | None = None
    approx: bool = False
    swapped: str = ""


@lru_cache(maxsize=65536)
def birth_date(value: str) -> BirthDate:
    """Split a checked partial date (`~1994`, `1994-08`, `1994-08-16`)."""
    match = _PARTIAL_DATE.match(value.strip())
    if not match:
        return BirthDate()
    approx, year_text, month_text, day_text = match.groups()
    year = int(year_text)
    month = int(month_text) if month_text else None
    day = int(day_text) if day_text else None
    swapped = ""
    # A month number is always a valid day, so the swap is a date whenever the day is <= 12.
    if month is not None and day is not None and day != month and day <= 12:
        swapped = f"{year:04d}-{day:02d}-{month:02d}"
    key = value.strip().lstrip("~")
    return BirthDate(key, year, month, day, bool(approx), swapped)


def _split_full_name(text: str) -> tuple[str, str]:
    """Given and family parts of a full name when it says which is which: an upper-case run
    is the family name (registries write "BEN ALI Mohammed"). Otherwise none: "Husayn
    Muhammad Husayn al-Juaythini" or "KIM YONG CHOL" may be in any order, so such a name is
    compared word by word (the `other_names` comparison), not as a guessed given/family pair."""
    words = text.split()
    if is_arabic(text) or len(words) < 2:
        return "", ""
    upper = [word for word in words if word.isupper() and len(word) > 1]
    if upper and len(upper) < len(words):
        return " ".join(word for word in words if word not in upper), " ".join(upper)
    return "", ""


def normalise(report: PersonReport) -> NormalisedReport:
    """All keys of one report."""
    given_text, family_text = report.given_name, report.family_name
    full = parse_name(report.full_name) if report.full_name else ParsedName()
    if not (given_text or family_text) and full.words and not is_arabic(report.full_name):
        given_text, family_text = _split_full_name(report.full_name)
    given, family = parse_name(given_text), parse_name(family_text)
    arabic = parse_name(report.name_arabic) if report.name_arabic else ParsedName()
    guessed = False
    if not (given.keys or family.keys):
        # A name only in Arabic script: its first word is his own name and its last the
        # family's, so the fuzzy levels of both comparisons can speak (Mrabet / Murabit).
        script = arabic if arabic.words else full if is_arabic(report.full_name) else None
        if script is not None and len(script.words) >= 2:
            given, family = parse_name(script.words[0]), parse_name(script.words[-1])
            guessed = True
    aliases = [parse_name(alias) for alias in report.aliases]
    kunya = ""
    nisba = ""
    for parsed in (full, arabic, *aliases, given, family):
        kunya = kunya or parsed.kunya
        nisba = nisba or parsed.nisba_nation
    own = [*given.keys, *family.keys]
    if not own:
        own = list(full.keys or arabic.keys)
    tokens = sorted({*own, *full.keys, *arabic.keys, *(k for a in aliases for k in a.keys)})
    dob = birth_date(report.dob)
    return NormalisedReport(
        record_id=report.record_id,
        given_key=" ".join(given.keys),
        family_key=" ".join(family.keys),
        full_key=" ".join(sorted(own)),
        given_phonetic=_phonetic(given),
        family_phonetic=_phonetic(family),
        father_key=" ".join(parse_name(report.father_name).keys) if report.father_name else "",
        name_tokens=tokens,
        name_words=sorted(set(own)),
        kunya=kunya,
        nisba_nation=nisba,
        sex=report.sex,
        dob_key=dob.key,
        dob_year=dob.year,
        dob_month=dob.month,
        dob_day=dob.day,
        dob_approx=dob.approx,
        dob_swapped=dob.swapped,
        place_key=place_key(report.place_of_birth) if report.place_of_birth else "",
        nationalities=sorted(report.nationality),
        document_key=re.sub(r"[^A-Z0-9]", "", report.document_number.upper()),
        address_key=" ".join(re.findall(r"[a-z0-9]+", ascii_fold(report.address))),
        name_guessed=guessed,
    )


def same_name_key(word_a: str, word_b: str) -> bool:
    """Whether two single names fold to the same key (for quick checks and tests)."""
    return fold_word(word_a) == fold_word(word_b)
