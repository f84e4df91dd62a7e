"""Codenames: seven words, at least 90 bits, forgiving of case and spacing, and derived keys
that differ for every codename and every pepper."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from homeward.crypto import codename, sealing


def test_seven_words_from_the_list_at_least_90_bits() -> None:
    made = codename.generate()
    words = made.split(" ")
    assert len(words) == 7
    assert all(word in codename.word_list() for word in words)
    assert len(set(codename.word_list())) == 7776
    assert codename.entropy_bits() >= 90


def test_generated_codenames_differ() -> None:
    assert len({codename.generate() for _ in range(200)}) == 200


def test_normalise_forgives_case_and_spacing() -> None:
    assert codename.normalise("  Abacus\tDROP-DOWN\n  yo-yo ") == "abacus drop-down yo-yo"
    made = codename.generate()
    assert codename.is_well_formed(made.upper().replace(" ", "  "))
    assert not codename.is_well_formed(made + " extra")


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


@given(st.lists(st.sampled_from(codename.word_list()), min_size=7, max_size=7))
def test_a_codename_reads_as_its_own_words(words: list[str]) -> None:
    """The codename check hashes a codename's reading: for a codename as issued it is the
    normalised codename, so a session's check made before readings existed still compares."""
    made = " ".join(words)
    assert codename.readings(made) == [codename.normalise(made).split(" ")]
    assert codename.readings(made.upper().replace(" ", "-")) == [words]


def test_readings_see_through_disguises() -> None:
    # Zero-width space dropped, then read as a space: both readings are checked.
    assert codename.readings("ＹＯ-ＹＯ_t\u200bshirt, DROP\ndown  cafe\u0301") == [
        ["yo-yo", "tshirt", "drop-down", "cafe"],
        ["yo-yo", "t-shirt", "drop-down", "cafe"],
    ]
    assert codename.readings("") == [[]]
