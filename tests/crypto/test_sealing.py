"""The libsodium layer: round trips, tampering and truncation detected, costs as promised."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from homeward.crypto import sealing


def test_owasp_floor_is_the_default_cost() -> None:
    assert sealing.kdf_cost("owasp").memlimit >= 19 * 1024 * 1024
    assert sealing.kdf_cost("owasp").opslimit >= 2
    assert sealing.kdf_cost("anything-else") == sealing.OWASP


def test_sealed_box_opens_only_with_its_private_key() -> None:
    private, public = sealing.generate_keypair()
    other_private, _ = sealing.generate_keypair()
    sealed = sealing.seal(public, b"content key")
    assert sealing.unseal(private, sealed) == b"content key"
    with pytest.raises(sealing.CryptoError):
        sealing.unseal(other_private, sealed)


def test_secret_box_detects_a_flipped_bit() -> None:
    key = sealing.random_bytes()
    ciphertext = bytearray(sealing.encrypt(key, b"letter"))
    ciphertext[-1] ^= 1
    with pytest.raises(sealing.CryptoError):
        sealing.decrypt(key, bytes(ciphertext))


def test_password_hash_verifies_only_the_password() -> None:
    stored = sealing.hash_password("correct horse", sealing.FAST_FOR_TESTS)
    assert sealing.verify_password(stored, "correct horse")
    assert not sealing.verify_password(stored, "correct hors")


def test_derived_keys_depend_on_secret_and_salt() -> None:
    salt = b"s" * sealing.SALT_SIZE
    one = sealing.derive_key(b"a", salt, sealing.FAST_FOR_TESTS)
    assert one == sealing.derive_key(b"a", salt, sealing.FAST_FOR_TESTS)
    assert one != sealing.derive_key(b"b", salt, sealing.FAST_FOR_TESTS)
    assert one != sealing.derive_key(b"a", b"t" * sealing.SALT_SIZE, sealing.FAST_FOR_TESTS)


def test_keypair_from_seed_is_deterministic() -> None:
    seed = sealing.random_bytes()
    assert sealing.keypair_from_seed(seed) == sealing.keypair_from_seed(seed)
    assert sealing.keypair_from_seed(seed) != sealing.keypair_from_seed(sealing.random_bytes())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=3 * sealing.STREAM_CHUNK // 2), max_size=5))
def test_stream_round_trip(chunks: list[bytes]) -> None:
    key = sealing.random_bytes()
    sink = io.BytesIO()
    size = sealing.encrypt_stream(key, chunks, sink)
    assert size == sum(len(chunk) for chunk in chunks)
    sink.seek(0)
    assert b"".join(sealing.stream_decrypt(key, sink)) == b"".join(chunks)


def _encrypted(length: int) -> tuple[bytes, bytes]:
    key = sealing.random_bytes()
    sink = io.BytesIO()
    sealing.encrypt_stream(key, [b"x" * length], sink)
    return key, sink.getvalue()


def test_stream_truncation_is_detected() -> None:
    key, blob = _encrypted(3 * sealing.STREAM_CHUNK)
    frame = 4 + sealing.STREAM_CHUNK + 17
    header = 24
    truncated = blob[: header + frame]  # the first frame only, without the FINAL one
    with pytest.raises(sealing.CryptoError):
        b"".join(sealing.stream_decrypt(key, io.BytesIO(truncated)))


def test_stream_tampering_is_detected() -> None:
    key, blob = _encrypted(1000)
    tampered = bytearray(blob)
    tampered[40] ^= 0x80
    with pytest.raises(sealing.CryptoError):
        b"".join(sealing.stream_decrypt(key, io.BytesIO(bytes(tampered))))
