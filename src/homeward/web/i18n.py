"""Contact-page translations: one gettext catalog per language (web/locales/<lang>.po), read
with Babel, and dates and numbers in the page's language.

The message ids are the English text itself, as gettext intends, not keys: every translator's
tool (Poedit, Lokalize, Weblate, Pontoon, Transifex) shows the msgid as the source sentence,
and none needs a second, "monolingual" English file to know what a key means. When the English
changes, the msgid changes: `pybabel update` keeps the old translation marked fuzzy with the
previous English beside it, a fuzzy translation is never shown (the English is), and the
catalog test fails until someone has looked at it, so a stale translation cannot hide.
English needs no catalog. Placeholders are Python's `{name}`, flagged python-brace-format.

Extraction (babel.cfg at the repository's root) finds `t("…")`, `t.plural("…", "…", n)` and
`N_("…")` in the contact templates and in web/contact/:

    pybabel extract -F babel.cfg -o /tmp/homeward.pot src/homeward/web
    pybabel update -i /tmp/homeward.pot -l fr -o src/homeward/web/locales/fr.po

The catalogs are compiled in memory when first used: no .mo file, no build step.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from datetime import date
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date
from babel.lists import format_list
from babel.messages import mofile, pofile
from babel.numbers import format_decimal
from markupsafe import Markup

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "de": "Deutsch", "ar": "العربية"}
RIGHT_TO_LEFT = frozenset({"ar"})
DEFAULT_LANGUAGE = "en"
SOURCE_LANGUAGE = "en"
"""The language of the message ids: it has no catalog."""


def N_(message: str) -> str:  # noqa: N802 -- gettext's own name for "mark, translate later"
    """Marks a message for extraction where it is chosen now and translated when shown."""
    return message


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / f"{language}.po"


def compiled(path: Path, language: str) -> gettext.GNUTranslations:
    """A .po catalog compiled in memory."""
    with path.open("rb") as source:
        catalog = pofile.read_po(source, locale=language)
    compiled = BytesIO()
    mofile.write_mo(compiled, catalog)  # fuzzy entries are left out: English shows instead
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    return compiled(catalog_path(language), language)


def isolated(text: object) -> Markup:
    """A value set apart from the sentence's direction, so that a date or a number keeps its
    own order inside right-to-left text (`30 نوفمبر 2026` never turns into `2026 30`)."""
    return Markup("<bdi>{}</bdi>").format(text)


def _filled(text: str, values: dict[str, object]) -> Markup:
    """The translation escaped, then its placeholders filled with escaped values (Markup
    values, such as `isolated` ones, go in as they are)."""
    return Markup.escape(text).format(**values) if values else Markup.escape(text)


@dataclass(frozen=True)
class Translator:
    language: str

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RIGHT_TO_LEFT else "ltr"

    def __call__(self, message: str, **values: object) -> Markup:
        return _filled(translations(self.language).gettext(message), values)

    def plural(self, singular: str, plural: str, count: int, **values: object) -> Markup:
        """The form the language needs for `count` (Arabic has six); `{count}` is filled with
        the number as this language writes it."""
        text = translations(self.language).ngettext(singular, plural, count)
        return _filled(text, {"count": self.number(count), **values})

    def number(self, value: float) -> Markup:
        return isolated(format_decimal(value, locale=self.language))

    def names(self, names: list[str]) -> Markup:
        """File names as a list in this language ("a, b and c"), each one isolated."""
        pattern = format_list([f"{{{n}}}" for n in range(len(names))], locale=self.language)
        return Markup.escape(pattern).format(*(isolated(name) for name in names))

    def date(self, day: date) -> Markup:
        return isolated(format_date(day, format="long", locale=self.language))


def translator(language: str) -> Translator:
    return Translator(language if language in LANGUAGES else DEFAULT_LANGUAGE)
