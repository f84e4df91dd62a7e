"""Codenames: words from the word list of the page's language, at least 90 bits, shown once.

English is the EFF long list (7,776 words, seven words, 90.5 bits); French, German and Arabic
have lists of their own (`wordlists/`, sources and licences in its NOTICE), long enough that
`words_per_codename` of them give at least 90 bits. A codename is read the same way whatever
page it is typed on: `canonical` folds case, spacing, punctuation, invisible characters, Latin
accents and Arabic letter variants, and the lists are disjoint after folding, so the folded
words alone say which list they come from.

The codename is the contact's only credential. Nothing derived from it is stored that would let
someone holding the database (but not the server's pepper and the codename) find or read a
contact: the lookup value is Argon2id(canonical codename) keyed again with the pepper, and the
reply key pair comes from the same slow derivation.
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from homeward.crypto import sealing

LANGUAGES = ("en", "fr", "de", "ar")
"""One word list per page language."""
MIN_BITS = 90
WORDS_PER_CODENAME = 7
"""Words in an English codename (`words_per_codename("en")`)."""
_LISTS = Path(__file__).parent / "wordlists"

_MARKS = frozenset({"Mn", "Me"})
"""Combining marks (accents, Arabic harakat, shadda, sukun, hamza and madda above or below):
part of the letter before them, dropped."""
_INVISIBLE = "Cf"
"""Format characters (zero-width space and joiners U+200B-U+200F, U+2060, U+FEFF, the soft
hyphen, bidi controls): nothing a reader sees, between two words or inside one."""
_ARABIC_VARIANTS = str.maketrans(
    {
        "\u0671": "\u0627",  # alef wasla -> alef (the other alef forms are alef + a mark)
        "\u0629": "\u0647",  # taa marbuta -> haa
        "\u0649": "\u064a",  # alef maksura -> yaa
        "\u06cc": "\u064a",  # Persian yaa -> yaa
        "\u06a9": "\u0643",  # keheh (Persian kaf) -> kaf
        "\u0621": "",  # hamza on the line, often left out (سماء, سما): dropped too
        "\u0640": "",  # tatweel, the stretching stroke: no letter at all
    }
)
"""Arabic letters written several ways. Alef with hamza or madda (أ إ آ) and hamza on waw or
yaa (ؤ ئ) need no entry: decomposed, they are the bare letter and a mark, and marks go."""
_WORD = re.compile(r"[a-z]+|[\u0621-\u063a\u0641-\u064a]+")
"""A word is a run of Latin a-z or of Arabic letters; anything else (digits, Arabic-Indic
digits too, punctuation, spaces, a change of script) separates words."""


class UnknownLanguage(ValueError):
    def __init__(self, language: str) -> None:
        super().__init__(f"no codename word list for language {language!r}: one of {LANGUAGES}")


def _checked(language: str) -> str:
    if language not in LANGUAGES:
        raise UnknownLanguage(language)
    return language


@lru_cache(maxsize=len(LANGUAGES))
def word_list(language: str = "en") -> tuple[str, ...]:
    """The list's words as shown, in the list's own script and spelling."""
    text = (_LISTS / f"{_checked(language)}.txt").read_text(encoding="utf-8")
    return tuple(word for word in (line.strip() for line in text.splitlines()) if word)


def words_per_codename(language: str) -> int:
    """As many words as give at least 90 bits: ceil(90 / log2(list size))."""
    return math.ceil(MIN_BITS / math.log2(len(word_list(language))))


def entropy_bits(language: str = "en") -> float:
    return words_per_codename(language) * math.log2(len(word_list(language)))


def generate(language: str = "en") -> str:
    """A new codename: the words of the language's list joined by single spaces."""
    words = word_list(language)
    return " ".join(secrets.choice(words) for _ in range(words_per_codename(language)))


def _plain(text: str) -> str:
    """Compatibility forms made plain (fullwidth letters, Arabic presentation forms and the
    lam-alef ligature: NFKC), case folded, decomposed (NFKD) so accents and hamza or madda are
    marks of their own, and Arabic variants made one letter."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFKD", folded).translate(_ARABIC_VARIANTS)


@lru_cache(maxsize=1)
def _hyphenated() -> dict[tuple[str, str], str]:
    """The English list's few words with a hyphen (t-shirt, yo-yo), by their two halves."""
    pairs = (word.split("-") for word in word_list("en") if "-" in word)
    return {(first, second): f"{first}-{second}" for first, second in pairs}


def _joined(tokens: list[str]) -> list[str]:
    """The halves of a hyphenated list word joined again, whatever separated them. Safe: no
    first half (drop, t, felt, yo) is a list word, so no two codename words are joined."""
    joined: list[str] = []
    halves = _hyphenated()
    at = 0
    while at < len(tokens):
        pair = (tokens[at], tokens[at + 1]) if at + 1 < len(tokens) else None
        if pair in halves:
            joined.append(halves[pair])
            at += 2
        else:
            joined.append(tokens[at])
            at += 1
    return joined


def readings(text: str) -> list[list[str]]:
    """The words a text shows, folded as the codename check compares them (`_plain`): case,
    accents, harakat and Arabic variants gone, and anything that is not a letter (hyphens,
    underscores, dots, slashes, punctuation, digits, line breaks) a separator. Invisible
    characters are dropped; when there are any, the text is also read with them as spaces,
    for a zero-width space may stand between two words as well as inside one."""
    plain = "".join(ch for ch in _plain(text) if unicodedata.category(ch) not in _MARKS)
    hidden = [unicodedata.category(ch) == _INVISIBLE for ch in plain]
    forms = ["".join(ch for ch, skip in zip(plain, hidden, strict=True) if not skip)]
    if any(hidden):
        forms.append("".join(" " if skip else ch for ch, skip in zip(plain, hidden, strict=True)))
    return [_joined(_WORD.findall(form)) for form in forms]


def fold(word: str) -> str:
    """One word as `readings` folds it (a list word in Arabic loses its hamza, taa marbuta...)."""
    return " ".join(readings(word)[0])


@lru_cache(maxsize=1)
def _languages_by_word() -> dict[str, str]:
    """Every list's words, folded, to their language. The lists share no folded word."""
    return {fold(word): language for language in LANGUAGES for word in word_list(language)}


def language_of_word(word: str) -> str | None:
    """The list a folded word is on, if any."""
    return _languages_by_word().get(word)


def is_word(word: str) -> bool:
    """Whether a folded word is on one of the lists, so could be part of a codename."""
    return word in _languages_by_word()


def _language_of_words(words: list[str]) -> str | None:
    languages = {language_of_word(word) for word in words}
    if len(languages) != 1:
        return None
    language = languages.pop()
    if language is None or len(words) != words_per_codename(language):
        return None
    return language


def language_of(text: str) -> str | None:
    """The language of the list a codename comes from, or None if it is not a codename."""
    for words in readings(text):
        language = _language_of_words(words)
        if language is not None:
            return language
    return None


def is_well_formed(text: str) -> bool:
    """Whether the text reads as a codename of any list: the right number of words, all from
    one list, whatever the case, spacing, punctuation, accents or Arabic letter variants."""
    return language_of(text) is not None


def canonical(text: str) -> str:
    """The codename as the key derivation takes it: the folded words joined by single spaces.
    Two spellings of one codename share it. For an English codename it is the lower-case
    words, byte for byte what was derived before the other lists existed. Of a text's
    readings, the first that is a codename, else the first."""
    forms = [" ".join(words) for words in readings(text)]
    return next((form for form in forms if is_well_formed(form)), forms[0])


def normalise(text: str) -> str:
    """The name `canonical` had when there was one list."""
    return canonical(text)


def same(typed: str, shown: str) -> bool:
    """Whether what the contact typed back is the codename shown (for "type it back once")."""
    return hmac.compare_digest(canonical(typed).encode(), canonical(shown).encode())


def appears_in(message: str, codename: str) -> bool:
    """True when the message carries the codename, whatever the case, spacing, punctuation,
    accents, Arabic letter variants or invisible characters (see `readings`)."""
    wanted = f" {canonical(codename)} "
    return any(wanted in f" {' '.join(words)} " for words in readings(message))


@dataclass(frozen=True)
class ContactSecrets:
    lookup: bytes
    """Stored, unique: finds the contact. Useless without the pepper and the codename."""
    reply_private_key: bytes
    reply_public_key: bytes


def derive(codename: str, pepper: bytes, cost: sealing.KdfCost) -> ContactSecrets:
    """One Argon2id run per sign-in, whatever the codename: unknown and wrong take equal time."""
    salt = sealing.keyed_hash(pepper, b"codename-salt", "hw-codename-salt", size=sealing.SALT_SIZE)
    stretched = sealing.derive_key(canonical(codename).encode(), salt, cost, size=64)
    lookup = sealing.keyed_hash(pepper, stretched[:32], "hw-contact-id")
    private, public = sealing.keypair_from_seed(stretched[32:])
    return ContactSecrets(lookup=lookup, reply_private_key=private, reply_public_key=public)
