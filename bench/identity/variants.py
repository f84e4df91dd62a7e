"""The real-variant set: reports built at bench time from real spellings of real names.

Source: `arabic_name_romanizer/resources/names.sqlite3`, shipped by arabic-name-romanizer
(a dependency already; its THIRD_PARTY_NOTICES.md: Wikidata labels and aliases, CC0 1.0).
Its `full_names` table maps an Arabic-script full name to the Latin spellings Wikidata
gives the person (English and French labels, aliases): "Husayn Muhammad Husayn", "Hussein
Mohammed Hussein". Nothing of it is copied into this repository; the reports are drawn from
it with a seed at each run.

One person is one Arabic-script name of two words or more from Wikidata with at least two
distinct Latin spellings. Each gets 2–6 reports, each a full name only (the shape families
and partner services send): one of his real spellings, or the Arabic script, sometimes in
capitals, sometimes hyphenated or with the last word first; sometimes a year or full date of
birth, sometimes his country as nationality or place of birth. Other names of the table give
one report each: namesakes and near namesakes, as in any registry.

Caveats, said where the figures are: two people who share an Arabic-script name are one
"person" here (rare among multi-word names); and the normaliser romanises Arabic script with
the same package's dictionary, so the Arabic-script reports are easier than they would be
for names outside it."""

from __future__ import annotations

import csv
import random
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pycountry

from homeward.linkage.reports import PersonReport, write_reports

PEOPLE = 700
OTHERS = 1500
SOURCE = "arabic_name_romanizer/resources/names.sqlite3 (Wikidata, CC0 1.0)"


@dataclass(frozen=True)
class Person:
    arabic: str
    spellings: tuple[str, ...]
    country: str


def names_database() -> Path:
    return Path(str(resources.files("arabic_name_romanizer").joinpath("resources/names.sqlite3")))


def people(database: Path) -> list[Person]:
    """Every multi-word Arabic-script name of Wikidata with its distinct Latin spellings."""
    spellings: dict[str, dict[str, str]] = defaultdict(dict)
    countries: dict[str, str] = {}
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT arabic_key, latin, country FROM full_names"
            " WHERE source = 'wikidata' AND arabic_key LIKE '% %' ORDER BY arabic_key, latin"
        )
        for arabic, latin, country in rows:
            spellings[arabic].setdefault(latin.casefold(), latin.strip())
            countries.setdefault(arabic, country)
    return [
        Person(arabic, tuple(sorted(found.values())), countries[arabic])
        for arabic, found in sorted(spellings.items())
    ]


def _alpha3(country: str) -> str:
    found = pycountry.countries.get(alpha_2=country) if country else None
    return str(found.alpha_3) if found else ""


def _country_name(country: str) -> str:
    found = pycountry.countries.get(alpha_2=country) if country else None
    return str(found.name) if found else ""


def _written(name: str, rng: random.Random) -> str:
    """A name as a clerk writes it: capitals, a hyphen, the last word first."""
    words = name.split()
    roll = rng.random()
    if roll < 0.15 and len(words) > 2:
        words = [words[-1], *words[:-1]]
    elif roll < 0.25 and len(words) > 1:
        at = rng.randrange(len(words) - 1)
        words[at : at + 2] = [f"{words[at]}-{words[at + 1]}"]
    text = " ".join(words)
    return text.upper() if rng.random() < 0.25 else text


def _report(
    record_id: str, person: Person, name: str, born: str, rng: random.Random
) -> PersonReport:
    arabic = name == person.arabic
    dob = ""
    roll = rng.random()
    if roll < 0.1:
        dob = born
    elif roll < 0.35:
        dob = born[:4]
    nationality = _alpha3(person.country) if rng.random() < 0.2 else ""
    place = _country_name(person.country) if rng.random() < 0.1 else ""
    in_arabic_column = arabic and rng.random() < 0.5
    return PersonReport(
        record_id=record_id,
        full_name="" if in_arabic_column else (name if arabic else _written(name, rng)),
        name_arabic=name if in_arabic_column else "",
        dob=dob,
        nationality=(nationality,) if nationality else (),
        place_of_birth=place,
        person_id=person.arabic,
    )


def build(folder: Path, seed: int, linked: int = PEOPLE, others: int = OTHERS) -> Path:
    """The labelled file (with `person_id`) for this seed, written once."""
    path = folder / f"variants-{linked}-{others}-{seed}.csv"
    if path.exists():
        return path
    rng = random.Random(seed)
    everyone = people(names_database())
    chosen = rng.sample([p for p in everyone if len(p.spellings) >= 2], linked)
    taken = {person.arabic for person in chosen}
    alone = rng.sample([p for p in everyone if p.arabic not in taken], others)
    reports: list[PersonReport] = []

    def birthday() -> str:
        return f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"

    for person in chosen:
        born = birthday()
        names = list(person.spellings)
        rng.shuffle(names)
        for index in range(rng.randint(2, 6)):
            name = person.arabic if rng.random() < 0.15 else names[index % len(names)]
            reports.append(_report(f"v{len(reports)}", person, name, born, rng))
    for person in alone:
        name = rng.choice(person.spellings)
        reports.append(_report(f"v{len(reports)}", person, name, birthday(), rng))
    rng.shuffle(reports)
    write_reports(path, reports, truth=True)
    return path


def name_only(path: Path) -> set[str]:
    """Records that give a name and nothing else (no date, place or nationality)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["record_id"]
            for row in csv.DictReader(handle)
            if not (row["dob"] or row["place_of_birth"] or row["nationality"])
        }
