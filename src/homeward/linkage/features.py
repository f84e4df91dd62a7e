"""A normalised report as the row the model reads: empty values made NULL, a few derived
columns, and one column per blocking key.

Blocking keys are computed here, in Python, rather than written as SQL join conditions, so
that the batch model (Splink joins `l.bk_x = r.bk_x`) and the online index (a lookup of the
same strings, hashed) find exactly the same candidates."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

from homeward.linkage.names import skeleton
from homeward.linkage.normalise import NormalisedReport

Features = dict[str, object]


def _full(n: NormalisedReport) -> str | None:
    # One word ("mohammed") would put every one-name report in one block.
    return n.full_key if n.full_key.count(" ") >= 1 else None


def _with_year(key: str, initial: str, n: NormalisedReport) -> str | None:
    """A name with the year of birth and the other name's first letter: a misspelt other
    name still meets; a common name alone ("mohammed|1990") would block thousands."""
    if not key or not initial or n.dob_year is None:
        return None
    return f"{key}|{n.dob_year}|{initial[:1]}"


def _sounds(n: NormalisedReport) -> str | None:
    if not (n.given_phonetic and n.family_phonetic) or n.dob_year is None:
        return None
    return f"{n.given_phonetic}|{n.family_phonetic}|{n.dob_year // 5}"


def _kunya(n: NormalisedReport, shift: int) -> str | None:
    """Nom de guerre, nation and a four-year span of birth; two keys whose spans are
    offset by two years, so that "about 1984" meets 1982 and 1986 in one of them."""
    if not n.kunya or n.dob_year is None:
        return None
    nations = _nations(n)
    if len(nations) != 1:
        return None
    return f"{n.kunya}|{nations[0]}|{(n.dob_year + shift) // 4}"


def _kunya_and_nation(n: NormalisedReport) -> str | None:
    """Nom de guerre and nation without a date: "Abu Mariam al-Faransi" is all a family may
    know, and such a report has no name word and no year to meet through. A date-less key,
    so capped like the name keys (online, `name_key_cap`); the batch leaves it out, as it
    leaves out the dated kunya keys."""
    nations = _nations(n)
    if not n.kunya or len(nations) != 1:
        return None
    return f"{n.kunya}|{nations[0]}"


def _date_and_initial(n: NormalisedReport, name: str) -> str | None:
    """Full date with day and month in either order, and the first letter of a name:
    catches misspelt names of one birthday, and swapped day and month."""
    if n.dob_day is None or n.dob_month is None or not name:
        return None
    low, high = sorted((n.dob_day, n.dob_month))
    return f"{n.dob_year}-{low:02d}-{high:02d}|{name[:1]}"


def _document_part(n: NormalisedReport, head: bool) -> str | None:
    """Half of a document number: one mistyped character leaves the other half whole."""
    if len(n.document_key) < 6:
        return None
    half = len(n.document_key) // 2
    return n.document_key[:half] if head else n.document_key[half:]


def _address(n: NormalisedReport) -> str | None:
    # A number and a street at least (a bare town would join a whole town's reports),
    # and an initial, as a household shares its address.
    if n.address_key.count(" ") < 2 or not (n.given_key or n.full_key):
        return None
    return f"{n.address_key}|{(n.given_key or n.full_key)[:1]}"


def _tokens_and_year(n: NormalisedReport) -> str | None:
    """The two rarest-looking name words (longest) with the year: an Arabic-script or
    alias-only report against a report with split names."""
    if n.dob_year is None or len(n.name_tokens) < 2:
        return None
    longest = sorted(n.name_tokens, key=lambda word: (-len(word), word))[:2]
    return "|".join(sorted(longest)) + f"|{n.dob_year}"


def _words(n: NormalisedReport) -> list[str] | None:
    """Keys of a name without a date: every two of its three longest words, and each of its
    two longest words of four letters or more. Reports that give a full name and nothing
    else meet through them ("Husayn Muhammad Husayn al-Juaythini" and "Hussein Mohammed
    Hussein Aljeithni" share "husn|muhmd"); a key shared by many reports (a common pair, a
    common word) is capped: `batch.capped` in the batch, the index's key cap online."""
    words = sorted(n.name_words, key=lambda word: (-len(word), word))
    keys = {"|".join(sorted(pair)) for pair in combinations(words[:3], 2)}
    keys.update(word for word in words[:2] if len(word) >= 4)
    return sorted(keys) or None


def _skeletons(n: NormalisedReport) -> list[str] | None:
    """Every two of the three longest name words, each without its vowels (`names.skeleton`):
    "Eslam Awad" and "ISLAM AWAD" (aslm/islm) or "Moudud Ahmed" and "Maudud Ahmed"
    (mudd/madd) share no word key but the same consonants. A skeleton of one letter (Ali)
    says nothing; capped like the other date-less keys."""
    words = sorted(n.name_words, key=lambda word: (-len(word), word))[:3]
    bones = [skeleton(word) for word in words]
    keys = {"|".join(sorted(pair)) for pair in combinations(bones, 2) if min(map(len, pair)) >= 2}
    return sorted(keys) or None


BLOCKING_KEYS: dict[str, Callable[[NormalisedReport], str | None]] = {
    "bk_full": _full,
    "bk_given_year": lambda n: _with_year(n.given_key, n.family_key, n),
    "bk_family_year": lambda n: _with_year(n.family_key, n.given_key, n),
    "bk_sounds": _sounds,
    "bk_document": lambda n: n.document_key or None,
    "bk_document_head": lambda n: _document_part(n, head=True),
    "bk_document_tail": lambda n: _document_part(n, head=False),
    "bk_kunya": lambda n: _kunya(n, 0),
    "bk_kunya_shifted": lambda n: _kunya(n, 2),
    "bk_kunya_nation": _kunya_and_nation,
    "bk_date_family": lambda n: _date_and_initial(n, n.family_key or n.full_key),
    "bk_date_given": lambda n: _date_and_initial(n, n.given_key),
    "bk_address": _address,
    "bk_tokens_year": _tokens_and_year,
}


# Keys holding a list: a report has several, and two reports are candidates when their lists
# share an element (Splink explodes the list; the index stores each element).
LIST_KEYS: dict[str, Callable[[NormalisedReport], list[str] | None]] = {"bk_words": _words}

# List keys of the batch alone: the online index stores hashes of `blocking_keys`, and a new
# key there would first need every stored report indexed again.
BATCH_LIST_KEYS: dict[str, Callable[[NormalisedReport], list[str] | None]] = {
    "bk_skeletons": _skeletons
}

# Keys the batch leaves out. At registry scale they make most of the pairs (at a million
# reports, 32M for noms de guerre, of 78M) and those pairs seldom reach the cluster
# threshold: a nom de guerre is shared by many men. The online search keeps them: an officer
# asking "who might this be" wants the weaker candidates too.
ONLINE_ONLY_KEYS = frozenset({"bk_kunya", "bk_kunya_shifted", "bk_kunya_nation"})
BATCH_KEYS = tuple(name for name in BLOCKING_KEYS if name not in ONLINE_ONLY_KEYS)
# Keys without a date: the online index caps them on their own (the batch caps every key)
# (a full name with no year is shared by namesakes; "muhmd" by everyone).
CAPPED_KEYS = ("bk_full", "bk_kunya_nation", *LIST_KEYS, *BATCH_LIST_KEYS)


def _nations(n: NormalisedReport) -> list[str]:
    return sorted({*n.nationalities, *([n.nisba_nation] if n.nisba_nation else [])})


def features(n: NormalisedReport) -> Features:
    """The model's row for one report."""
    row: Features = {}
    for name, value in n.as_row().items():
        row[name] = value if value not in ("", []) else None
    row["nations"] = _nations(n) or None
    full_date = n.dob_day is not None
    row["dob_date"] = n.dob_key if full_date else None
    for name, key in BLOCKING_KEYS.items():
        row[name] = key(n)
    for name, keys in (*LIST_KEYS.items(), *BATCH_LIST_KEYS.items()):
        row[name] = keys(n)
    row["name_bones"] = name_bones(n.name_words)
    # Which words are uncommon depends on the reports a model was trained on: `uncommon`
    # fills it from the model (batch, Spark, in-process scoring); unknown, it stays empty.
    row["name_rare"] = None
    return row


def name_bones(words: list[str]) -> list[str] | None:
    """Each name word's consonants (`names.skeleton`), in the words' order: made once per
    report, so the comparisons (`comparisons.AllAlike`) compare them pair after pair
    without working them out again."""
    return [skeleton(word) for word in words] or None


def uncommon(words: object, common: frozenset[str]) -> list[str] | None:
    """The words of a name that are not among a model's common name words (those more
    than `training.COMMON_SHARE` of its reports carry) nor his father's: the ones that say
    who he is."""
    if not isinstance(words, list):
        return None
    return [word for word in words if word not in common and not _filiation(word)] or None


def _filiation(word: str) -> bool:
    """A "son of X" word (Bin Rashid → banrxd, `names.fold_word`): it names his father, so
    his brothers carry it too; it never counts as an uncommon word of his own."""
    return word.startswith(FILIATION_PREFIX) and len(word) > FILIATION_LONGER_THAN


FILIATION_PREFIX = "ban"
FILIATION_LONGER_THAN = 4


def blocking_keys(n: NormalisedReport) -> frozenset[str]:
    """Every blocking key of a report as `name:value`: two reports are candidates when they
    share one."""
    values = ((name, key(n)) for name, key in BLOCKING_KEYS.items())
    found = {_key(name, value) for name, value in values if value is not None}
    for name, keys in LIST_KEYS.items():
        found.update(_key(name, value) for value in keys(n) or ())
    return frozenset(found)


def row_keys(row: Features) -> list[str]:
    """`blocking_keys` of a row `features` already made."""
    found = [_key(name, row[name]) for name in BLOCKING_KEYS if row[name] is not None]
    for name in LIST_KEYS:
        values = row[name]
        if isinstance(values, list):
            found.extend(_key(name, value) for value in values)
    return found


def _key(name: str, value: object) -> str:
    return f"{name}:{value}"
