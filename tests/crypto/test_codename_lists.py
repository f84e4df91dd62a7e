"""The word lists: one per page language, each long enough for 90 bits, plain letters only, and
no word one typo (Levenshtein distance 1) from another after folding, in its own list or any
other. English is the EFF long list, unchanged, so existing codenames still sign in; it was not
made for typo distance, so only its pairs with itself are left out of that check."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from itertools import combinations
from pathlib import Path

import pytest
from xkcdpass import xkcd_password

from homeward.crypto import codename

EXPECTED = {"en": (7776, 7), "fr": (4096, 8), "de": (4096, 8), "ar": (4096, 8)}
LATIN = re.compile(r"[a-z]{4,8}")
ARABIC = re.compile(r"[\u0621-\u063a\u0641-\u064a]{3,6}")  # letters: no tatweel, no harakat


def test_every_page_language_has_a_list() -> None:
    assert set(codename.LANGUAGES) == set(EXPECTED) == {"en", "fr", "de", "ar"}


@pytest.mark.parametrize("language", EXPECTED)
def test_size_words_and_bits(language: str) -> None:
    size, words = EXPECTED[language]
    listed = codename.word_list(language)
    assert len(listed) == len(set(listed)) == size
    assert codename.words_per_codename(language) == words
    assert codename.words_per_codename(language) == math.ceil(90 / math.log2(size))
    assert codename.entropy_bits(language) >= 90
    assert codename.entropy_bits(language) == pytest.approx(words * math.log2(size))


def test_english_is_the_eff_long_list_byte_for_byte() -> None:
    """Existing contacts derived their keys from words of this list: it must not change."""
    eff = Path(xkcd_password.locate_wordfile("eff-long")).read_bytes()
    ours = (Path(codename.__file__).parent / "wordlists" / "en.txt").read_bytes()
    assert ours == eff
    assert codename.WORDS_PER_CODENAME == codename.words_per_codename("en") == 7


@pytest.mark.parametrize("language", ["fr", "de"])
def test_french_and_german_words_need_no_accent(language: str) -> None:
    odd = [word for word in codename.word_list(language) if not LATIN.fullmatch(word)]
    assert odd == []


def test_arabic_words_are_arabic_letters_only() -> None:
    words = codename.word_list("ar")
    assert [word for word in words if not ARABIC.fullmatch(word)] == []
    assert all(3 <= len(codename.fold(word)) <= 6 for word in words)


def test_every_word_folds_to_a_form_of_its_own_in_all_lists() -> None:
    folded = [codename.fold(word) for language in EXPECTED for word in codename.word_list(language)]
    assert len(folded) == len(set(folded)) == sum(size for size, _words in EXPECTED.values())
    for language in EXPECTED:
        for word in codename.word_list(language):
            assert codename.language_of_word(codename.fold(word)) == language


def one_typo_apart(words: dict[str, str]) -> list[tuple[str, str]]:
    """Pairs of folded words (word -> its list) at Levenshtein distance 1: same length and one
    letter replaced (they share the rest once that letter's place is taken out), or one the
    other with a letter more (the shorter is a one-letter deletion of the longer)."""
    by_gap: dict[tuple[int, str], list[str]] = defaultdict(list)
    pairs: list[tuple[str, str]] = []
    for word in words:
        for at in range(len(word)):
            rest = word[:at] + word[at + 1 :]
            by_gap[at, rest].append(word)
            if rest in words:
                pairs.append((rest, word))
    for group in by_gap.values():
        pairs.extend(combinations(group, 2))
    return pairs


def test_the_typo_finder_finds_typos() -> None:
    found = one_typo_apart(dict.fromkeys(["haus", "maus", "hau", "hase", "ecole"], "x"))
    assert sorted(map(sorted, found)) == [["hau", "haus"], ["haus", "maus"]]


def test_no_typo_turns_one_word_into_another() -> None:
    words = {
        codename.fold(word): language
        for language in EXPECTED
        for word in codename.word_list(language)
    }
    crossings = [
        (first, second)
        for first, second in one_typo_apart(words)
        if not words[first] == words[second] == "en"
    ]
    assert crossings == []


@pytest.mark.parametrize(
    ("language", "unwanted"),
    [
        ("fr", ["guerre", "tuer", "bombe", "dieu", "merde", "prison", "milice", "drogue"]),
        ("fr", ["sexe", "cancer", "politique", "musulman", "juif", "arabe", "francais"]),
        ("de", ["krieg", "waffe", "bombe", "gott", "tot", "polizei", "miliz", "drogen"]),
        ("de", ["sex", "krebs", "politik", "moslem", "jude", "deutsch", "kirche"]),
        ("ar", ["حرب", "قتل", "سلاح", "الله", "جهاد", "سجن", "ميليشيا", "مخدرات"]),
        ("ar", ["جنس", "سرطان", "سياسة", "مسلم", "يهودي", "شيعي", "سني"]),
    ],
)
def test_a_few_words_a_codename_should_never_hold(language: str, unwanted: list[str]) -> None:
    """Violence, war, armed groups, religion, politics, drugs, sex, illness, nationalities."""
    folded = {codename.fold(word) for word in codename.word_list(language)}
    assert folded.isdisjoint(codename.fold(word) for word in unwanted)


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fr", ["iiie", "maroc", "morgane", "maximin", "ignace", "maltais", "syrien", "paris"]),
        ("de", ["miliz", "persien", "luzern", "johann", "jenaer", "linien", "berlin", "jakob"]),
        (
            "ar",
            ["كوهين", "كيفن", "كولمان", "سوزان", "فيسبوك", "كونان", "غسان", "فاروق", "كوريا"],
        ),
        ("ar", ["سوهاج", "مصر", "العراق", "بغداد", "كربلاء", "بوتين"]),
    ],
)
def test_no_names_places_nationalities_or_numerals(language: str, names: list[str]) -> None:
    """Only ordinary dictionary words: no person, brand, place or nationality, no roman
    numeral, no plural standing for its singular (linien)."""
    folded = {codename.fold(word) for word in codename.word_list(language)}
    assert folded.isdisjoint(codename.fold(name) for name in names)


@pytest.mark.parametrize("language", ["fr", "de"])
def test_no_roman_numeral_or_abbreviation(language: str) -> None:
    roman = re.compile(r"m{0,4}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})(e|er|re|eme|es)?")
    odd = [
        word
        for word in codename.word_list(language)
        if roman.fullmatch(word) or not re.search(r"[aeiouy]", word)
    ]
    assert odd == []


def test_an_unknown_language_is_named() -> None:
    with pytest.raises(codename.UnknownLanguage, match="'xx'"):
        codename.generate("xx")
