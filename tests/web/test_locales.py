"""Every catalog carries every message the contact pages use, translated, with the same
placeholders; dates and numbers come out in the page's language, set apart from its direction.

The messages are found the way a translator's workflow finds them: Babel's extraction, with
the repository's babel.cfg, over the templates and the code. A message missing from a catalog
silently shows in English and a wrong placeholder raises at render time, so both are checked
here rather than found by a contact on a live page.
"""

from __future__ import annotations

import re
import string
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from homeward.web.i18n import (
    LANGUAGES,
    LOCALES_DIR,
    RIGHT_TO_LEFT,
    SOURCE_LANGUAGE,
    catalog_path,
    compiled,
    translator,
)

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "homeward" / "web"
TRANSLATED = sorted(set(LANGUAGES) - {SOURCE_LANGUAGE})

# Rightly the same as in English: the programme's name, and country names spelt the same in
# that language. Anything else identical to English is a message someone forgot to translate.
SAME_AS_ENGLISH: dict[str, frozenset[str]] = {
    "fr": frozenset({"Homeward", "France", "Canada"}),
    "de": frozenset({"Homeward"}),
    "ar": frozenset({"Homeward"}),
}
# Kept in Latin letters on purpose: names as users see them on their devices.
LATIN_NAMES = ("Tor Browser", "Homeward", "MiB")
NO_BREAK_SPACE = "\u00a0"
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

MessageId = str | tuple[str, str]


@cache
def extracted() -> dict[MessageId, list[str]]:
    """Every message the pages use, with where it was found."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[MessageId, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map, keywords={}
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


@cache
def catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as source:
        return read_po(source, locale=language)


def entries(language: str) -> dict[MessageId, str | tuple[str, ...]]:
    return {
        (m.id if isinstance(m.id, str) else (m.id[0], m.id[1])): m.string
        for m in catalog(language)
        if m.id
    }


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def literal_text(text: str) -> str:
    """The words a reader sees, without {placeholders}."""
    return "".join(literal for literal, _, _, _ in string.Formatter().parse(text))


def forms(translation: str | tuple[str, ...]) -> tuple[str, ...]:
    return (translation,) if isinstance(translation, str) else translation


def test_extraction_finds_the_pages_messages() -> None:
    """The extraction itself works: templates, code and plural forms are all reached."""
    found = extracted()
    assert len(found) > 60
    assert "Write to us" in found
    assert "Leave quickly" in found  # the base template
    assert "This page does not exist." in found  # an N_() in web/contact/deps.py
    assert ("{count} file", "{count} files") in found  # tn() in a template


def test_one_catalog_per_translated_language_and_nothing_else() -> None:
    files = {path.name for path in LOCALES_DIR.iterdir()}
    assert files == {f"{language}.po" for language in TRANSLATED}
    assert set(SAME_AS_ENGLISH) == set(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_extracted_message_is_in_the_catalog_and_nothing_else(language: str) -> None:
    wanted = set(extracted())
    present = set(entries(language))
    missing = sorted(map(str, wanted - present))
    unused = sorted(map(str, present - wanted))
    assert not missing, f"{language}.po lacks: {missing}"
    assert not unused, f"{language}.po has messages no page uses: {unused}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_empty_or_fuzzy_translation(language: str) -> None:
    for message in catalog(language):
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}: fuzzy {message.id!r}"
        for form in forms(message.string):
            assert form.strip(), f"{language}: empty translation of {message.id!r}"
    plural_count = catalog(language).num_plurals
    for msgid, translation in entries(language).items():
        if isinstance(msgid, tuple):
            assert len(forms(translation)) == plural_count, (language, msgid)


@pytest.mark.parametrize("language", TRANSLATED)
def test_same_placeholders_as_english(language: str) -> None:
    """A plural form may leave the number out (Arabic says "two files" in one word); every
    other translation has exactly the English placeholders, and none fails to format."""
    for msgid, translation in entries(language).items():
        english = placeholders(msgid) if isinstance(msgid, str) else placeholders(msgid[1])
        dummy = dict.fromkeys(english, "1")
        for form in forms(translation):
            if isinstance(msgid, str):
                assert placeholders(form) == english, (language, msgid)
            else:
                assert placeholders(form) <= english, (language, msgid)
            form.format(**dummy)  # no stray brace that would fail at render time
        if isinstance(msgid, tuple):
            assert placeholders(forms(translation)[-1]) == english, (language, msgid)


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_message_left_in_english(language: str) -> None:
    same = {
        msgid
        for msgid, translation in entries(language).items()
        if isinstance(msgid, str) and translation.strip() == msgid.strip()
    }
    assert same == SAME_AS_ENGLISH[language]


@pytest.mark.parametrize("language", sorted(RIGHT_TO_LEFT))
def test_right_to_left_messages_are_in_their_script(language: str) -> None:
    """Arabic messages must be Arabic, not English left in place, apart from known names."""
    for msgid, translation in entries(language).items():
        if msgid in SAME_AS_ENGLISH[language]:
            continue
        for form in forms(translation):
            assert ARABIC_LETTER.search(form), f"{language}: {msgid!r} has no Arabic letter"
            rest = literal_text(form).replace(NO_BREAK_SPACE, " ")
            for name in LATIN_NAMES:
                rest = rest.replace(name, "")
            assert not LATIN_WORD.search(rest), f"{language}: Latin words in {form!r}"


def test_the_tor_browser_name_is_kept() -> None:
    """Contacts are told to look for this exact name; a translated name would not be found.
    A no-break space may join its words, so that right-to-left text never splits the name."""
    [footer] = [m for m in extracted() if isinstance(m, str) and "Tor Browser" in m]
    for language in TRANSLATED:
        translated = entries(language)[footer]
        assert isinstance(translated, str)
        assert "Tor Browser" in translated.replace(NO_BREAK_SPACE, " "), language


def test_a_fuzzy_translation_is_never_shown(tmp_path: Path) -> None:
    """A translation left fuzzy by `pybabel update` (its English changed) shows the English
    until a translator has looked at it."""
    po = catalog_path("fr").read_text("utf-8")
    entry = 'msgid "Write to us"\nmsgstr "Nous écrire"\n'
    assert entry in po
    fuzzy = tmp_path / "fr.po"
    fuzzy.write_text(po.replace(entry, "#, fuzzy\n" + entry), "utf-8")
    assert compiled(catalog_path("fr"), "fr").gettext("Write to us") == "Nous écrire"
    assert compiled(fuzzy, "fr").gettext("Write to us") == "Write to us"


@pytest.mark.parametrize(
    ("language", "day", "number"),
    [
        ("en", "November 30, 2026", "20,000"),
        ("fr", "30 novembre 2026", "20\u202f000"),
        ("de", "30. November 2026", "20.000"),
        ("ar", "30 نوفمبر 2026", "20,000"),
    ],
)
def test_dates_and_numbers_in_the_page_language_and_isolated(
    language: str, day: str, number: str
) -> None:
    t = translator(language)
    assert t.date(date(2026, 11, 30)) == f"<bdi>{day}</bdi>"
    assert t.number(20000) == f"<bdi>{number}</bdi>"


def test_translations_escape_what_they_are_given() -> None:
    t = translator("en")
    assert str(t("You sent a message on {day}.", day="<b>")) == "You sent a message on &lt;b&gt;."
    assert str(t.plural("{count} file", "{count} files", 2)) == "<bdi>2</bdi> files"
    assert str(t("Choose your country's desk.")) == "Choose your country&#39;s desk."
