"""A message that carries the contact's codename is refused, whatever list the codename comes
from. The check skips runs of words that cannot be a codename (for speed); these tests hold it
to the answer of hashing every run of every codename length."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeward.contact import service as contact_service
from homeward.contact.service import ContactKeys
from homeward.core.db import Database
from homeward.crypto import codename, sealing
from homeward.crypto.keys import ServerSecrets

SECRETS = ServerSecrets(
    data_key=sealing.random_bytes(), pepper=sealing.random_bytes(), log_seed=sealing.random_bytes()
)
FILLER = ("i", "want", "to", "come", "home", "42", "the", "river", "mother", "!")


def keys_for(made: str) -> ContactKeys:
    return ContactKeys(
        reply_private_key=bytes(32), codename_check=contact_service._codename_check(SECRETS, made)
    )


SIZES = sorted({codename.words_per_codename(language) for language in codename.LANGUAGES})


def every_run(keys: ContactKeys, text: str) -> bool:
    """The check without the shortcut: every run of words of every reading hashed, for every
    length a codename may have (seven English words, eight of the other lists)."""
    return any(
        sealing.equal(
            contact_service._codename_check(SECRETS, " ".join(words[i : i + size])),
            keys.codename_check,
        )
        for words in codename.readings(text)
        for size in SIZES
        for i in range(max(0, len(words) - size + 1))
    )


def test_codename_found_whatever_the_case_spacing_or_punctuation() -> None:
    made = codename.generate()
    keys = keys_for(made)
    text = f"Hello. My words are: {made.upper().replace(' ', ', ')}! Please help."
    assert contact_service.contains_codename(SECRETS, keys, text)
    assert not contact_service.contains_codename(SECRETS, keys, "Hello, I want to come home.")
    six = " ".join(made.split(" ")[:6])
    assert not contact_service.contains_codename(SECRETS, keys, f"{six} and more")


# Issue 9, point 11: a codename disguised by separators, case, invisible characters or
# compatibility forms is still the codename. Each variant is made from the codename's words.
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad")


def _inside(word: str, mark: str) -> str:
    """The mark after every letter but the last: word split into letters by it."""
    return mark.join(word)


def _fullwidth(text: str) -> str:
    return "".join(
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text
    )


ACCENTS = {"a": "â", "e": "è", "i": "ï", "o": "ô", "u": "ù", "c": "ç", "s": "ś"}
ARABIC_SWAPS = {"ا": "إ", "أ": "ا", "إ": "آ", "آ": "أ", "ة": "ه", "ه": "ة", "ى": "ي", "ي": "ى"}
HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b\u064c\u064d"


def _accented(word: str) -> str:
    return "".join(ACCENTS.get(letter, letter) for letter in word)


def _arabic_variants(word: str) -> str:
    """Alef forms swapped, taa marbuta and haa, alef maksura and yaa, hamza on its carrier
    written bare, harakat after every letter and a tatweel after the first."""
    letters = [
        ARABIC_SWAPS.get(letter, {"ؤ": "و", "ئ": "ي"}.get(letter, letter)) for letter in word
    ]
    letters[0] += "\u0640"
    return "".join(letter + HARAKAT[at % len(HARAKAT)] for at, letter in enumerate(letters))


VARIANTS = {
    "plain": " ".join,
    "upper case": lambda w: " ".join(w).upper(),
    "title case": lambda w: " ".join(w).title(),
    "hyphens": "-".join,
    "hyphens, upper case": lambda w: "-".join(w).upper(),
    "double hyphens": "--".join,
    "underscores": "_".join,
    "dots": ".".join,
    "slashes": "/".join,
    "backslashes": "\\".join,
    "commas": ",".join,
    "commas and spaces": ", ".join,
    "plus signs": "+".join,
    "line breaks": "\n".join,
    "windows line breaks": "\r\n".join,
    "tabs and spaces": " \t  ".join,
    "numbered list": lambda w: "\n".join(f"{n}. {word}" for n, word in enumerate(w, 1)),
    "quoted": lambda w: " ".join(f'"{word}"' for word in w),
    "brackets and marks": lambda w: " ".join(f"({word})!?" for word in w),
    "guillemets": lambda w: " ".join(f"«{word}»" for word in w),
    "en and em dashes": lambda w: "\u2013".join(w[:4]) + "\u2014" + "\u2014".join(w[4:]),
    "no-break spaces": "\u00a0".join,
    "narrow no-break spaces": "\u202f".join,
    "ideographic spaces": "\u3000".join,
    "fullwidth letters": lambda w: _fullwidth(" ".join(w)),
    "fullwidth upper case": lambda w: _fullwidth(" ".join(w).upper()),
    "combining accents": lambda w: " ".join(word[0] + "\u0301" + word[1:] for word in w),
    "zero-width spaces between words": "\u200b".join,
    "word joiners between words": "\u2060".join,
    **{
        f"U+{ord(mark):04X} inside every word": (
            lambda w, mark=mark: " ".join(_inside(word, mark) for word in w)
        )
        for mark in ZERO_WIDTH
    },
    "zero-width joiners inside words, hyphens between": lambda w: "-".join(
        _inside(word, "\u200d") for word in w
    ),
    "soft hyphens, upper case, line breaks": lambda w: "\n".join(
        _inside(word.upper(), "\u00ad") for word in w
    ),
    "accents": lambda w: " ".join(_accented(word) for word in w),
    "accents, upper case": lambda w: " ".join(_accented(word).upper() for word in w),
    "Arabic letter variants, harakat, tatweel": lambda w: " ".join(map(_arabic_variants, w)),
    "Arabic commas": "، ".join,
    "Arabic-Indic numbered list": lambda w: "\n".join(
        f"{chr(0x0660 + n)}. {word}" for n, word in enumerate(w, 1)
    ),
    "right-to-left marks": lambda w: " ".join(f"\u200f{word}\u200f" for word in w),
}
# Codenames with the list's hyphenated words, whose hyphen is a separator like any other.
HYPHENATED = (
    "t-shirt abacus yo-yo drop-down felt-tip zebra acid",
    "abacus acid t-shirt zebra yo-yo felt-tip drop-down",
)


@pytest.mark.parametrize("made", [*HYPHENATED, *codename.LANGUAGES])
@pytest.mark.parametrize("variant", VARIANTS)
def test_codename_caught_in_every_disguise(made: str, variant: str) -> None:
    made = codename.generate(made) if made in codename.LANGUAGES else made
    assert codename.is_well_formed(made)
    keys = keys_for(made)
    hidden = VARIANTS[variant](made.split(" "))
    letter = f"Dear desk / مكتب,\nmy words are {hidden} and I want to come home.\n"
    assert contact_service.contains_codename(SECRETS, keys, letter), repr(letter)
    assert every_run(keys, letter)
    assert codename.appears_in(letter, made)


@pytest.mark.parametrize(
    "letter",
    [
        "Dear desk, I want to come home with my mother and my two brothers.",
        "Cher bureau, je veux rentrer.\u200b Ｍｅｒｃｉ — à bientôt.\n",
        "T-shirt, yo-yo and a drop-down list: ordinary words from the list.",
        "مرحبا، أريد أن أعود إلى بيتي مع أمي وإخوتي. شكراً لكم.",
        "Liebe Leute, ich möchte nach Hause. Meine Mutter wartet auf mich.",
    ],
)
@pytest.mark.parametrize("language", codename.LANGUAGES)
def test_an_ordinary_letter_is_not_refused(letter: str, language: str) -> None:
    made = codename.generate(language)
    assert not contact_service.contains_codename(SECRETS, keys_for(made), letter)
    words = made.split(" ")
    near_misses = [" ".join(words[:-1]), " ".join(reversed(words)), "-".join(words[1:])]
    for near in near_misses:
        assert not contact_service.contains_codename(SECRETS, keys_for(made), near)
        assert not codename.appears_in(near, made)


def test_words_of_two_lists_make_no_codename_together() -> None:
    """Eight words in a row, four French and four German, are no codename of either list:
    the check is not fooled into hashing them, and says no."""
    french, german = codename.generate("fr"), codename.generate("de")
    mixed = " ".join(french.split(" ")[:4] + german.split(" ")[4:])
    assert not contact_service.contains_codename(SECRETS, keys_for(french), mixed)
    assert contact_service.contains_codename(SECRETS, keys_for(french), f"{mixed} {french}")


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), plant=st.booleans())
def test_same_answer_as_hashing_every_run(seed: int, plant: bool) -> None:
    rng = random.Random(seed)  # noqa: S311 - picks test words, not secrets
    language, other = rng.sample(codename.LANGUAGES, 2)
    listed = codename.word_list(language)
    made = " ".join(rng.choice(listed) for _ in range(codename.words_per_codename(language)))
    keys = keys_for(made)
    pool = [
        *FILLER,
        *rng.sample(listed, 6),
        *rng.sample(codename.word_list(other), 4),
        *made.split(" "),
    ]
    words = [rng.choice(pool) for _ in range(rng.randint(0, 60))]
    if plant:
        at = rng.randint(0, len(words))
        words[at:at] = made.split(" ")
    text = " ".join(words)
    assert contact_service.contains_codename(SECRETS, keys, text) == every_run(keys, text)


def test_sqlite_transactions_from_many_threads_all_commit(tmp_path: Path) -> None:
    """One connection per process on SQLite: concurrent transactions queue and all commit."""
    db = Database(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with db.transaction() as session:
        session.connection().exec_driver_sql("CREATE TABLE tally (n INTEGER)")
    errors: list[BaseException] = []

    def add(count: int) -> None:
        try:
            for n in range(count):
                with db.transaction() as session:
                    session.connection().exec_driver_sql("INSERT INTO tally VALUES (?)", (n,))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with db.transaction() as session:
        total = session.connection().exec_driver_sql("SELECT count(*) FROM tally").scalar()
    db.dispose()
    assert errors == []
    assert total == 8 * 25
