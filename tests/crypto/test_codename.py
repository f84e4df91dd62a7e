"""Codenames: words of the page language's list, at least 90 bits, forgiving of case, spacing,
punctuation, invisible characters, accents and Arabic letter variants, and derived keys that
differ for every codename and every pepper."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homeward.crypto import codename, sealing


@pytest.mark.parametrize("language", codename.LANGUAGES)
def test_a_codename_is_words_of_its_language_list(language: str) -> None:
    made = codename.generate(language)
    words = made.split(" ")
    assert len(words) == codename.words_per_codename(language)
    assert all(word in codename.word_list(language) for word in words)
    assert codename.language_of(made) == language
    assert codename.is_well_formed(made)


def test_seven_english_words_by_default() -> None:
    made = codename.generate()
    assert len(made.split(" ")) == 7
    assert all(word in codename.word_list() for word in made.split(" "))
    assert codename.entropy_bits() >= 90


@pytest.mark.parametrize("language", codename.LANGUAGES)
def test_generated_codenames_differ(language: str) -> None:
    assert len({codename.generate(language) for _ in range(200)}) == 200


def test_canonical_forgives_case_and_spacing() -> None:
    assert codename.canonical("  Abacus\tDROP-DOWN\n  yo-yo ") == "abacus drop-down yo-yo"
    made = codename.generate()
    assert codename.is_well_formed(made.upper().replace(" ", "  "))
    assert not codename.is_well_formed(made + " extra")
    assert codename.normalise(made.upper()) == codename.canonical(made) == made


def test_appears_in_catches_the_codename_in_other_spacing() -> None:
    made = codename.generate()
    assert codename.appears_in(f"my words: {made.upper().replace(' ', ', ')}!", made)
    assert not codename.appears_in(" ".join(made.split(" ")[:6]), made)


def test_derivation_is_stable_and_peppered() -> None:
    made = codename.generate()
    pepper = sealing.random_bytes()
    first = codename.derive(made, pepper, sealing.FAST_FOR_TESTS)
    again = codename.derive(made.upper(), pepper, sealing.FAST_FOR_TESTS)
    assert first == again
    other_pepper = codename.derive(made, sealing.random_bytes(), sealing.FAST_FOR_TESTS)
    assert other_pepper.lookup != first.lookup
    assert other_pepper.reply_public_key != first.reply_public_key


@given(st.text(max_size=60))
def test_any_text_derives_without_error(text: str) -> None:
    derived = codename.derive(text, b"p" * 32, sealing.FAST_FOR_TESTS)
    assert len(derived.lookup) == 32


@given(st.text(max_size=80))
def test_canonical_is_its_own_canonical(text: str) -> None:
    once = codename.canonical(text)
    assert codename.canonical(once) == once


@given(st.lists(st.sampled_from(codename.word_list()), min_size=7, max_size=7))
def test_a_codename_reads_as_its_own_words(words: list[str]) -> None:
    """The codename check hashes a codename's reading: for a codename as issued it is the
    canonical codename, so a session's check made before readings existed still compares."""
    made = " ".join(words)
    assert codename.readings(made) == [codename.canonical(made).split(" ")]
    assert codename.readings(made.upper().replace(" ", "-")) == [words]


def test_readings_see_through_disguises() -> None:
    # Zero-width space dropped, then read as a space: both readings are checked.
    assert codename.readings("ＹＯ-ＹＯ_t\u200bshirt, DROP\ndown  cafe\u0301") == [
        ["yo-yo", "tshirt", "drop-down", "cafe"],
        ["yo-yo", "t-shirt", "drop-down", "cafe"],
    ]
    assert codename.readings("") == [[]]


# English as it was: the key derivation's input for an English codename must stay byte for
# byte what the one-list code gave, or existing contacts could never sign in again.
_OLD_SPLIT = re.compile(r"[^a-z-]+")


def old_normalise(text: str) -> str:
    """normalise() as it was when the EFF list was the only list."""
    return " ".join(word for word in _OLD_SPLIT.split(text.lower()) if word)


SEPARATORS = st.sampled_from([" ", "  ", "\t", "\n", ", ", ". ", " / ", "1", "_", "\u00a0"])


@given(
    words=st.lists(st.sampled_from(codename.word_list("en")), min_size=7, max_size=7),
    separators=st.lists(SEPARATORS, min_size=8, max_size=8),
    upper=st.lists(st.booleans(), min_size=7, max_size=7),
)
def test_english_canonical_is_the_old_key_derivation_input(
    words: list[str], separators: list[str], upper: list[bool]
) -> None:
    issued = " ".join(words)
    typed = separators[0] + "".join(
        (word.upper() if up else word) + sep
        for word, up, sep in zip(words, upper, separators[1:], strict=True)
    )
    assert old_normalise(typed) == old_normalise(issued) == issued
    assert codename.canonical(typed).encode() == old_normalise(typed).encode()


def test_an_old_english_derivation_is_the_same_derivation() -> None:
    made = codename.generate("en")
    pepper = sealing.random_bytes()
    salt = sealing.keyed_hash(pepper, b"codename-salt", "hw-codename-salt", size=sealing.SALT_SIZE)
    old = sealing.derive_key(old_normalise(made).encode(), salt, sealing.FAST_FOR_TESTS, size=64)
    now = codename.derive(f"  {made.title()} ", pepper, sealing.FAST_FOR_TESTS)
    assert now.lookup == sealing.keyed_hash(pepper, old[:32], "hw-contact-id")
    assert now.reply_public_key == sealing.keypair_from_seed(old[32:])[1]


# How a codename may come back typed: each variant of the words shown must fold to the same
# canonical form, and be the same codename, as the words shown.
HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b\u064c\u064d"  # fatha ... sukun, tanwin


def _arabic_letters(word: str) -> str:
    """Every alef written another way, taa marbuta as haa and back, alef maksura as yaa and
    back, hamza on waw or yaa as the bare letter, Persian yaa and kaf."""
    swaps = {"ا": "أ", "أ": "إ", "إ": "آ", "آ": "ٱ", "ة": "ه", "ه": "ة", "ى": "ي", "ي": "ى"}
    swaps |= {"ؤ": "و", "ئ": "ي", "ك": "ک"}
    return "".join(swaps.get(letter, letter) for letter in word)


def _harakat(word: str) -> str:
    return "".join(letter + HARAKAT[at % len(HARAKAT)] for at, letter in enumerate(word))


def _accented(word: str) -> str:
    accents = {"a": "à", "e": "é", "i": "î", "o": "ö", "u": "ü", "c": "ç", "n": "ñ"}
    return "".join(accents.get(letter, letter) for letter in word)


TYPED: dict[str, Callable[[list[str]], str]] = {
    "upper case": lambda w: " ".join(w).upper(),
    "title case": lambda w: " ".join(w).title(),
    "extra spacing": lambda w: "\n  " + "   ".join(w) + "\t",
    "commas": ", ".join,
    "hyphens": "-".join,
    "numbered": lambda w: " ".join(f"{n}. {word}" for n, word in enumerate(w, 1)),
    "Arabic-Indic numbered": lambda w: " ".join(
        f"{chr(0x0660 + n)}) {word}" for n, word in enumerate(w, 1)
    ),
    "Arabic comma": "، ".join,
    "zero-width spaces between": "\u200b".join,
    "bidi marks around": lambda w: " ".join(f"\u200f{word}\u200e" for word in w),
    "soft hyphens inside": lambda w: " ".join("\u00ad".join(word) for word in w),
    "fullwidth": lambda w: " ".join(w).translate(
        {code: code + 0xFEE0 for code in range(ord("a"), ord("z") + 1)}
    ),
    "accents": lambda w: " ".join(_accented(word) for word in w),
    "combining accents": lambda w: " ".join(word[0] + "\u0301" + word[1:] for word in w),
    "Arabic letter variants": lambda w: " ".join(_arabic_letters(word) for word in w),
    "harakat": lambda w: " ".join(_harakat(word) for word in w),
    "tatweel": lambda w: " ".join(word[0] + "\u0640\u0640" + word[1:] for word in w),
    "variants, harakat and tatweel": lambda w: " ".join(
        _harakat(_arabic_letters(word[0] + "\u0640" + word[1:])) for word in w
    ),
}


@pytest.mark.parametrize("language", codename.LANGUAGES)
@pytest.mark.parametrize("variant", TYPED)
def test_typed_back_with_variants_is_the_same_codename(language: str, variant: str) -> None:
    shown = codename.generate(language)
    typed = TYPED[variant](shown.split(" "))
    assert codename.canonical(typed) == codename.canonical(shown), repr(typed)
    assert codename.same(typed, shown)
    assert codename.language_of(typed) == language


def test_arabic_folding_letter_by_letter() -> None:
    assert codename.canonical("أإآٱا") == "ااااا"
    assert codename.canonical("مدرسة") == codename.canonical("مدرسه") == "مدرسه"
    assert codename.canonical("على") == codename.canonical("علي")
    assert codename.canonical("مسؤول سائل") == "مسوول سايل"
    assert codename.canonical("سماء") == codename.canonical("سما")  # the hamza left out
    assert codename.canonical("كَتَبَ كـــتب ﻛﺘﺐ") == "كتب كتب كتب"  # harakat, tatweel, forms
    assert codename.canonical("کتاب یوم") == "كتاب يوم"  # Persian kaf and yaa


def test_digits_are_not_letters() -> None:
    assert codename.canonical("١٢٣كتب٤٥٦قلم 789 abc٣def") == "كتب قلم abc def"
    assert codename.canonical("كتبabc") == "كتب abc"  # a change of script separates words


@pytest.mark.parametrize("language", codename.LANGUAGES)
def test_a_near_codename_is_not_the_codename(language: str) -> None:
    shown = codename.generate(language)
    words = shown.split(" ")
    other = next(word for word in codename.word_list(language) if word not in words)
    for typed in (
        " ".join([*words[:-1], other]),  # one word wrong
        " ".join(words[:-1]),  # one word short
        " ".join(reversed(words)),  # read the wrong way round
        f"{shown} {other}",  # a word too many
    ):
        assert not codename.same(typed, shown)
    assert not codename.is_well_formed(" ".join(words[:-1]))
    assert not codename.is_well_formed(f"{shown} {other}")


def test_a_mixture_of_two_lists_is_no_codename() -> None:
    french = codename.generate("fr").split(" ")
    german = codename.generate("de").split(" ")
    assert not codename.is_well_formed(" ".join(french[:4] + german[:4]))
    assert codename.language_of(" ".join(french[:4] + german[:4])) is None


@pytest.mark.parametrize("language", codename.LANGUAGES)
def test_the_codename_in_a_letter_in_its_own_language(language: str) -> None:
    shown = codename.generate(language)
    disguised = TYPED["upper case"](shown.split(" "))
    if language == "ar":
        disguised = TYPED["variants, harakat and tatweel"](shown.split(" "))
    elif language in {"fr", "de"}:
        disguised = " ".join(_accented(word).upper() for word in shown.split(" "))
    assert codename.appears_in(f"Bonjour, مرحبا. {disguised} !", shown)
    assert not codename.appears_in(" ".join(shown.split(" ")[1:]), shown)
