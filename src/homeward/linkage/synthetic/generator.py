"""Synthetic labelled person reports, for tests and the linkage benchmarks.

Each synthetic person is reported one to four times, as the programme receives them: a
national registry entry (formal spelling, full date), a family report (another spelling,
a year only, the city in another language), a self report (Arabic script, a nom de guerre
"Abu X al-Y" whose nisba matches his nationality) and a partner's note (only the nom de
guerre and an age). Noise: spelling variants, typos, missing fields, swapped given and
family names, day/month swaps. Hard negatives: namesakes (same common name, another
person) and brothers (same family name, father and city, close dates of birth).

Names are drawn by frequency, as in a real population: each list runs from the most common
name to the rarest, and a name of rank r weighs 1/(r+1)**skew. Given names are skewed
(Mohammed about one man in ten, twenty times the rarest listed name), family names much
less (the commonest about one person in sixty): real surnames are spread over thousands of
names, and a steeper curve over ~200 would make namesakes born the same year common."""

from __future__ import annotations

import itertools
import random
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Generic, TypeVar

from homeward.linkage.names import is_arabic
from homeward.linkage.reports import PersonReport
from homeward.linkage.synthetic import names as data
from homeward.linkage.tables import PLACES

Name = data.ArabicName | str
NATIONS = ("FRA", "DEU", "GBR", "USA", "CAN")
GIVEN_SKEW = 0.65
WESTERN_GIVEN_SKEW = 0.6
FAMILY_SKEW = 0.3
CHILD_IS_A_SON = 0.7  # the X of a kunya is most often the eldest son

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Pool(Generic[T]):
    """Names with cumulative Zipf-like weights, most common first."""

    names: tuple[T, ...]
    cumulative: tuple[float, ...]

    def draw(self, rng: random.Random) -> T:
        return rng.choices(self.names, cum_weights=self.cumulative)[0]


def _pool(names: Sequence[T], skew: float) -> _Pool[T]:
    weights = (1 / (rank + 1) ** skew for rank in range(len(names)))
    return _Pool(tuple(names), tuple(itertools.accumulate(weights)))


_MALE = _pool(data.MALE_ARABIC, GIVEN_SKEW)
_FEMALE = _pool(data.FEMALE_ARABIC, GIVEN_SKEW)
_FAMILY = _pool(data.FAMILY_ARABIC, FAMILY_SKEW)
_WESTERN_MALE = {n: _pool(names, WESTERN_GIVEN_SKEW) for n, names in data.WESTERN_MALE.items()}
_WESTERN_FEMALE = {n: _pool(names, WESTERN_GIVEN_SKEW) for n, names in data.WESTERN_FEMALE.items()}
_WESTERN_FAMILY = {n: _pool(names, FAMILY_SKEW) for n, names in data.WESTERN_FAMILY.items()}


@dataclass(frozen=True, slots=True)
class Person:
    """The truth about one synthetic person."""

    person_id: str
    sex: str
    nation: str
    given: Name
    family: Name
    father: Name
    born: date
    city: str
    child: data.ArabicName  # the X of his or her kunya
    document: str
    address: str
    adopted: data.ArabicName | None = None  # a convert's Muslim name


def _spell(rng: random.Random, name: Name, habit: str, vary: float) -> str:
    """A Latin spelling: the nation's usual one, or with probability `vary` any attested one."""
    if isinstance(name, str):
        return name
    usual: tuple[str, ...] = getattr(name, habit)
    if rng.random() < vary:
        return rng.choice((*name.en, *name.fr, *name.de))
    return usual[0]


def _arabic(name: Name) -> str:
    return name.arabic if isinstance(name, data.ArabicName) else ""


def _typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: a letter dropped, doubled, swapped with the next, or replaced."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    if kind == 2:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1 :]


def _new_person(rng: random.Random, person_id: str) -> Person:
    nation = rng.choice(NATIONS)
    sex = "F" if rng.random() < 0.2 else "M"
    convert = rng.random() < 0.25
    if convert:
        given: Name = (_WESTERN_FEMALE if sex == "F" else _WESTERN_MALE)[nation].draw(rng)
        family: Name = _WESTERN_FAMILY[nation].draw(rng)
        father: Name = _WESTERN_MALE[nation].draw(rng)
    else:
        given = (_FEMALE if sex == "F" else _MALE).draw(rng)
        family = _FAMILY.draw(rng)
        father = _MALE.draw(rng)
    adopted = None
    if convert and rng.random() < 0.6:
        adopted = (_FEMALE if sex == "F" else _MALE).draw(rng)
    born = date(1975, 1, 1) + timedelta(days=rng.randrange(365 * 30))
    return Person(
        person_id=person_id,
        sex=sex,
        nation=nation,
        given=given,
        family=family,
        father=father,
        born=born,
        city=rng.choice(data.CITIES[nation]),
        child=(_MALE if rng.random() < CHILD_IS_A_SON else _FEMALE).draw(rng),
        adopted=adopted,
        document="".join(rng.choices(string.ascii_uppercase + string.digits, k=9)),
        address=f"{rng.randrange(1, 200)} {rng.choice(data.STREETS)}",
    )


def _relative(rng: random.Random, person_id: str, other: Person, brother: bool) -> Person:
    """A namesake (same names, another life) or a brother (same family, father and city)."""
    fresh = _new_person(rng, person_id)
    if brother:
        pool: _Pool[str] | _Pool[data.ArabicName] = (
            _WESTERN_MALE[other.nation] if isinstance(other.given, str) else _MALE
        )
        given: Name = pool.draw(rng)
        while given == other.given:
            given = pool.draw(rng)
        shift = timedelta(days=rng.choice((-1, 1)) * rng.randrange(300, 4 * 365))
        return replace(
            fresh,
            sex="M",
            nation=other.nation,
            given=given,
            family=other.family,
            father=other.father,
            city=other.city,
            born=other.born + shift,
        )
    shift = timedelta(days=rng.choice((-1, 1)) * rng.randrange(2 * 365, 10 * 365))
    return replace(
        fresh,
        sex=other.sex,
        nation=other.nation,
        given=other.given,
        family=other.family,
        born=other.born + shift,
    )


def _place(rng: random.Random, city: str, other_language: float) -> str:
    names = PLACES[city]
    return rng.choice(names) if rng.random() < other_language else names[0]


def _kunya(rng: random.Random, person: Person) -> str:
    """A nom de guerre: Abu (Umm for a woman) + a child's name + the nisba of his nation."""
    spellings = data.NISBA_SPELLINGS_FEMININE if person.sex == "F" else data.NISBA_SPELLINGS
    nisba = rng.choice(spellings[person.nation])
    if nisba.startswith("ال"):
        prefix = "أم" if person.sex == "F" else "أبو"
        return f"{prefix} {person.child.arabic} {nisba}"
    prefix = "Umm" if person.sex == "F" else rng.choice(("Abu", "Abou", "Abu"))
    return f"{prefix} {_spell(rng, person.child, 'en', 0.5)} {nisba}"


def _aliases(rng: random.Random, person: Person) -> tuple[str, ...]:
    """What a man calls himself besides his name: his nom de guerre, a convert's new name."""
    aliases = [_kunya(rng, person)] if rng.random() < 0.8 else []
    if person.adopted is not None and rng.random() < 0.7:
        aliases.append(_spell(rng, person.adopted, data.HABIT[person.nation], 0.5))
    return tuple(aliases)


def _dob(rng: random.Random, born: date, full: float, swap: float) -> str:
    roll = rng.random()
    if roll < full:
        if born.day <= 12 and rng.random() < swap:
            return f"{born.year:04d}-{born.day:02d}-{born.month:02d}"
        return born.isoformat()
    if roll < full + (1 - full) / 3:
        return f"{born.year:04d}-{born.month:02d}"
    return str(born.year)


def _reports(rng: random.Random, person: Person) -> Iterator[PersonReport]:
    habit = data.HABIT[person.nation]
    base = PersonReport(record_id="", person_id=person.person_id, sex=person.sex)
    kinds = [
        kind
        for kind, p in (("registry", 0.8), ("family", 0.6), ("self", 0.5), ("partner", 0.35))
        if rng.random() < p
    ]
    for kind in kinds or ["registry"]:
        given = _spell(rng, person.given, habit, 0.5 if kind != "registry" else 0.1)
        family = _spell(rng, person.family, habit, 0.5 if kind != "registry" else 0.1)
        if rng.random() < 0.08:
            given = _typo(rng, given)
        if rng.random() < 0.08:
            family = _typo(rng, family)
        if kind == "registry":
            report = replace(
                base,
                given_name=given,
                family_name=family,
                dob=_dob(rng, person.born, 0.95, 0.03),
                place_of_birth=_place(rng, person.city, 0.0),
                nationality=(person.nation,),
                document_number=person.document,
                address=person.address,
            )
            if rng.random() < 0.3:
                report = replace(
                    report, given_name="", family_name="", full_name=f"{family.upper()} {given}"
                )
        elif kind == "family":
            report = replace(
                base,
                given_name=given,
                family_name=family,
                father_name=_spell(rng, person.father, habit, 0.5) if rng.random() < 0.6 else "",
                dob=_dob(rng, person.born, 0.5, 0.2),
                place_of_birth=_place(rng, person.city, 0.5) if rng.random() < 0.6 else "",
                nationality=(person.nation,) if rng.random() < 0.5 else (),
                sex=person.sex if rng.random() < 0.7 else "",
            )
        elif kind == "self":
            arabic = " ".join(
                part for part in (_arabic(person.given), _arabic(person.family)) if part
            )
            latin = rng.random() < 0.5 or not arabic
            swap = rng.random() < 0.2
            report = replace(
                base,
                given_name=(family if swap else given) if latin else "",
                family_name=(given if swap else family) if latin else "",
                name_arabic=arabic if not latin or rng.random() < 0.3 else "",
                aliases=_aliases(rng, person),
                dob=_dob(rng, person.born, 0.4, 0.2) if rng.random() < 0.8 else "",
                nationality=(person.nation,) if rng.random() < 0.6 else (),
            )
        else:
            age_year = person.born.year + rng.randrange(-2, 3)
            kunya = _kunya(rng, person)
            label = (
                f"{data.ROLE_WORDS[person.nation]} {kunya}"
                if rng.random() < 0.3 and not is_arabic(kunya)
                else kunya
            )
            report = replace(
                base,
                full_name=label,
                dob=f"~{age_year}",
                sex=person.sex if rng.random() < 0.5 else "",
            )
        if rng.random() < 0.1:
            report = replace(report, sex="")
        yield report


def generate(
    people: int, seed: int, *, progress: Callable[[int], None] | None = None
) -> list[PersonReport]:
    """Reports of `people` synthetic people, shuffled, with record ids R0000001...; the same
    seed gives the same file."""
    return _simulate(people, seed, progress)[1]


def population(people: int, seed: int) -> list[Person]:
    """The truth behind `generate(people, seed)`: the synthetic people themselves."""
    return _simulate(people, seed, None)[0]


def _simulate(
    people: int, seed: int, progress: Callable[[int], None] | None
) -> tuple[list[Person], list[PersonReport]]:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not a secret
    persons: list[Person] = []
    reports: list[PersonReport] = []
    for index in range(people):
        person_id = f"P{index + 1:07d}"
        roll = rng.random()
        if persons and roll < 0.16:
            other = rng.choice(persons)
            person = _relative(rng, person_id, other, brother=roll < 0.08 and other.sex == "M")
        else:
            person = _new_person(rng, person_id)
        persons.append(person)
        reports.extend(_reports(rng, person))
        if progress is not None:
            progress(1)
    rng.shuffle(reports)
    return persons, [
        replace(report, record_id=f"R{number + 1:07d}") for number, report in enumerate(reports)
    ]
