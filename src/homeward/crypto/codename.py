"""Codenames: seven words from the EFF long word list (7,776 words, 90.5 bits), shown once.

The codename is the contact's only credential. Nothing derived from it is stored that would let
someone holding the database (but not the server's pepper and the codename) find or read a
contact: the lookup value is Argon2id(codename) keyed again with the pepper, and the reply key
pair comes from the same slow derivation.
"""

from __future__ import annotations

import math
import re
import secrets
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from xkcdpass import xkcd_password

from homeward.crypto import sealing

WORDS_PER_CODENAME = 7
_SPLIT = re.compile(r"[^a-z-]+")
_NOT_A_LETTER = re.compile(r"[^a-z]+")
_INVISIBLE = frozenset({"Cf", "Mn", "Me"})
"""Format characters (zero-width space and joiners U+200B-U+200F, U+2060, U+FEFF, the soft
hyphen, bidi controls) and combining marks: nothing a reader sees between two letters."""


@lru_cache(maxsize=1)
def word_list() -> tuple[str, ...]:
    """The EFF long list as shipped by the xkcdpass package (kept by its maintainers)."""
    path = Path(xkcd_password.locate_wordfile("eff-long"))
    words = tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(word for word in words if word)


@lru_cache(maxsize=1)
def _word_set() -> frozenset[str]:
    return frozenset(word_list())


def entropy_bits() -> float:
    return WORDS_PER_CODENAME * math.log2(len(word_list()))


def generate() -> str:
    words = word_list()
    return " ".join(secrets.choice(words) for _ in range(WORDS_PER_CODENAME))


def normalise(text: str) -> str:
    """Lower case, single spaces: what the contact types may differ in case and spacing."""
    return " ".join(word for word in _SPLIT.split(text.lower()) if word)


@lru_cache(maxsize=1)
def _hyphenated() -> dict[tuple[str, str], str]:
    """The list's few words with a hyphen (t-shirt, yo-yo), by their two halves."""
    pairs = (word.split("-") for word in word_list() if "-" in word)
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
    """The words a letter shows, as the codename check compares them: fullwidth and other
    compatibility forms made plain (NFKC), case folded, accents dropped, and anything that is
    not a letter (hyphens, underscores, dots, slashes, punctuation, line breaks) a separator.
    Invisible characters are dropped; when there are any, the text is also read with them as
    spaces, for a zero-width space may stand between two words as well as inside one."""
    plain = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    hidden = [unicodedata.category(ch) in _INVISIBLE for ch in plain]
    forms = ["".join(ch for ch, skip in zip(plain, hidden, strict=True) if not skip)]
    if any(hidden):
        forms.append("".join(" " if skip else ch for ch, skip in zip(plain, hidden, strict=True)))
    return [_joined([word for word in _NOT_A_LETTER.split(form) if word]) for form in forms]


def is_word(word: str) -> bool:
    """Whether a normalised word is on the list, so could be part of a codename."""
    return word in _word_set()


def is_well_formed(text: str) -> bool:
    words = normalise(text).split(" ")
    return len(words) == WORDS_PER_CODENAME and all(word in _word_set() for word in words)


def appears_in(message: str, codename: str) -> bool:
    """True when the message carries the codename, whatever the case, spacing, punctuation or
    invisible characters (see `readings`)."""
    wanted = f" {' '.join(readings(codename)[0])} "
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
    stretched = sealing.derive_key(normalise(codename).encode(), salt, cost, size=64)
    lookup = sealing.keyed_hash(pepper, stretched[:32], "hw-contact-id")
    private, public = sealing.keypair_from_seed(stretched[32:])
    return ContactSecrets(lookup=lookup, reply_private_key=private, reply_public_key=public)
