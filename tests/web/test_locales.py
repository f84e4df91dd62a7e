"""Every language carries every English string, translated, with the same placeholders.

A missing key silently falls back to English and a wrong placeholder raises at render time, so
both are checked here rather than found by a contact on a live page.
"""

from __future__ import annotations

import json
import re
import string

import pytest

from homeward.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES_DIR, RIGHT_TO_LEFT, catalog

TRANSLATED = sorted(set(LANGUAGES) - {DEFAULT_LANGUAGE})

# Values that are rightly the same as in English: the programme's name, and country names
# that are spelt the same in that language. Anything else identical to English is a string
# someone forgot to translate.
SAME_AS_ENGLISH: dict[str, frozenset[str]] = {
    "fr": frozenset({"site.title", "desk.FRA", "desk.CAN"}),
    "de": frozenset({"site.title"}),
    "ar": frozenset({"site.title"}),
}
# Kept in Latin letters on purpose: the product's name as users see it on every device.
LATIN_NAMES = ("Tor Browser",)
NO_BREAK_SPACE = "\u00a0"
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def literal_text(text: str) -> str:
    """The words a reader sees, without {placeholders}."""
    return "".join(literal for literal, _, _, _ in string.Formatter().parse(text))


def test_every_language_has_a_catalogue_file() -> None:
    files = {path.stem for path in LOCALES_DIR.glob("*.json")}
    assert files == set(LANGUAGES)
    assert set(SAME_AS_ENGLISH) == set(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_same_keys_and_placeholders_as_english(language: str) -> None:
    english = catalog(DEFAULT_LANGUAGE)
    translated = catalog(language)
    assert sorted(translated) == sorted(english)
    for key, text in english.items():
        assert placeholders(translated[key]) == placeholders(text), key
        dummy = dict.fromkeys(placeholders(text), "1")
        translated[key].format(**dummy)  # no stray brace that would fail at render time


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_string_left_in_english(language: str) -> None:
    english = catalog(DEFAULT_LANGUAGE)
    translated = catalog(language)
    same = {key for key, text in english.items() if translated[key].strip() == text.strip()}
    assert same == SAME_AS_ENGLISH[language]
    for key, text in translated.items():
        assert text.strip(), f"{language}:{key} is empty"


@pytest.mark.parametrize("language", sorted(RIGHT_TO_LEFT))
def test_right_to_left_strings_are_in_their_script(language: str) -> None:
    """Arabic strings must be Arabic, not English left in place, apart from known names."""
    for key, text in catalog(language).items():
        if key in SAME_AS_ENGLISH[language]:
            continue
        assert ARABIC_LETTER.search(text), f"{language}:{key} has no Arabic letter"
        rest = literal_text(text).replace(NO_BREAK_SPACE, " ")
        for name in LATIN_NAMES:
            rest = rest.replace(name, "")
        assert not LATIN_WORD.search(rest), f"{language}:{key} has Latin words: {text!r}"


def test_catalogue_files_are_plain_flat_utf8_json() -> None:
    """No nesting and no duplicate keys (json.loads would silently keep the last one)."""
    for path in LOCALES_DIR.glob("*.json"):
        pairs: list[tuple[str, object]] = json.loads(
            path.read_text("utf-8"), object_pairs_hook=lambda items: items
        )
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), f"duplicate key in {path.name}"
        assert all(isinstance(value, str) for _, value in pairs), path.name


def test_the_tor_browser_name_is_kept() -> None:
    """Contacts are told to look for this exact name; a translated name would not be found.
    A no-break space may join its words, so that right-to-left text never splits the name."""
    for language in LANGUAGES:
        footer = catalog(language)["footer.safety"].replace(NO_BREAK_SPACE, " ")
        assert "Tor Browser" in footer, language
