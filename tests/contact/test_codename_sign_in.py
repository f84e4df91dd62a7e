"""Signing in with a codename of any list, whatever the page's language, on both engines: the
codename typed back with other case, spacing, accents or Arabic letter variants opens the same
contact; an English codename issued before the other lists existed still signs in; a wrong, an
unknown and a malformed codename get the same answer after the same single Argon2id run."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from homeward.contact import service as contact_service
from homeward.contact.exceptions import CodenameRefused
from homeward.contact.models import Contact
from homeward.core.db import utcnow
from homeward.core.errors import BadInput
from homeward.core.runtime import Runtime
from homeward.crypto import codename as codenames
from homeward.crypto import sealing

HARAKAT = "\u064e\u0650\u064f\u0651\u0652"


def _arabic_typed(word: str) -> str:
    """Bare alef for أ إ آ, haa for taa marbuta, yaa for alef maksura (and the other way
    round), hamza carriers bare, harakat and a tatweel: how a phone keyboard may give it back."""
    swaps = {"أ": "ا", "إ": "ا", "آ": "ا", "ا": "أ", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"}
    typed = "".join(swaps.get(letter, letter) + HARAKAT[at % 5] for at, letter in enumerate(word))
    return typed[:2] + "\u0640" + typed[2:]


TYPED_BACK: dict[str, Callable[[list[str]], str]] = {
    "as shown": " ".join,
    "upper case, commas": lambda w: ", ".join(w).upper(),
    "numbered, one a line": lambda w: "\n".join(f"{n}. {word}" for n, word in enumerate(w, 1)),
    "accents": lambda w: " ".join(word.replace("e", "é").replace("a", "ä") for word in w),
    "Arabic variants and harakat": lambda w: "، ".join(map(_arabic_typed, w)),
    "zero-width spaces": "\u200b".join,
}


def _start(runtime: Runtime, language: str) -> tuple[str, str]:
    with runtime.db.transaction() as session:
        codename, contact, _keys = contact_service.start(
            session=session, secrets=runtime.secrets, cost=runtime.cost, language=language
        )
        return codename, contact.id


def _sign_in(runtime: Runtime, typed: str) -> str:
    with runtime.db.transaction() as session:
        contact, keys = contact_service.sign_in(
            session=session, secrets=runtime.secrets, cost=runtime.cost, codename=typed
        )
        assert keys.codename_check == contact_service._codename_check(runtime.secrets, typed)
        return contact.id


@pytest.mark.parametrize("language", codenames.LANGUAGES)
def test_a_codename_signs_in_however_it_is_typed_back(runtime: Runtime, language: str) -> None:
    codename, contact_id = _start(runtime, language)
    assert codenames.language_of(codename) == language
    assert len(codename.split(" ")) == codenames.words_per_codename(language)
    for name, typed_back in TYPED_BACK.items():
        typed = typed_back(codename.split(" "))
        assert _sign_in(runtime, typed) == contact_id, name


def test_the_lists_are_accepted_whatever_the_page(runtime: Runtime) -> None:
    """The service takes no page language at sign-in: each list's codename opens its contact,
    and no other."""
    issued = {language: _start(runtime, language) for language in codenames.LANGUAGES}
    for codename, contact_id in issued.values():
        assert _sign_in(runtime, codename) == contact_id
    assert len({contact_id for _codename, contact_id in issued.values()}) == 4


def test_an_english_codename_from_before_the_other_lists_still_signs_in(
    runtime: Runtime,
) -> None:
    """A contact made by the one-list code: its lookup and reply key came from the lower-case
    words (the old normalise), computed here by hand, not through today's code."""
    codename = " ".join(
        codenames.word_list("en")[n] for n in (5, 800, 1600, 2400, 3200, 4000, 7000)
    )
    pepper = runtime.secrets.pepper
    salt = sealing.keyed_hash(pepper, b"codename-salt", "hw-codename-salt", size=sealing.SALT_SIZE)
    old_input = " ".join(codename.lower().split()).encode()
    stretched = sealing.derive_key(old_input, salt, runtime.cost, size=64)
    with runtime.db.transaction() as session:
        contact = Contact(
            lookup=sealing.keyed_hash(pepper, stretched[:32], "hw-contact-id"),
            reply_public_key=sealing.keypair_from_seed(stretched[32:])[1],
            created_on=utcnow().date(),
        )
        session.add(contact)
        session.flush()
        old_id = contact.id
    assert codenames.canonical(f" {codename.upper()} ").encode() == old_input
    assert _sign_in(runtime, codename) == old_id
    assert _sign_in(runtime, codename.title().replace(" ", ",  ")) == old_id


def test_an_unknown_language_is_refused_and_nothing_is_made(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        before = session.scalar(select(func.count(Contact.id)))
        with pytest.raises(BadInput, match="language"):
            contact_service.start(
                session=session, secrets=runtime.secrets, cost=runtime.cost, language="xx"
            )
        assert session.scalar(select(func.count(Contact.id))) == before


class CountedDerivations:
    """Calls through to the real Argon2id and counts the runs: nothing is replaced."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.runs = 0
        real = sealing.derive_key

        def counted(*args: object, **kwargs: object) -> bytes:
            self.runs += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(sealing, "derive_key", counted)


@pytest.mark.parametrize("language", codenames.LANGUAGES)
def test_wrong_unknown_and_malformed_are_answered_alike(
    runtime: Runtime, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    codename, _contact_id = _start(runtime, language)
    words = codename.split(" ")
    other = next(word for word in codenames.word_list(language) if word not in words)
    attempts = {
        "one word wrong": " ".join([*words[:-1], other]),
        "unknown": codenames.generate(language),
        "one word short": " ".join(words[:-1]),
        "not a word of any list": " ".join([*words[:-1], "zzzz"]),
        "another list's words": codenames.generate("de" if language != "de" else "fr"),
        "empty": "",
        "very long": "x" * 10_000,
    }
    counted = CountedDerivations(monkeypatch)
    answers = set()
    for name, attempt in attempts.items():
        before = counted.runs
        with pytest.raises(CodenameRefused) as refused, runtime.db.transaction() as session:
            contact_service.sign_in(
                session=session, secrets=runtime.secrets, cost=runtime.cost, codename=attempt
            )
        assert counted.runs == before + 1, name
        answers.add((type(refused.value), str(refused.value)))
    assert len(answers) == 1
