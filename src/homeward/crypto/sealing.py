"""Every libsodium primitive Homeward uses, through PyNaCl, in one module.

- Argon2id for passwords, codenames and key wrapping (OWASP floor: 19 MiB, 2 iterations).
- X25519 sealed boxes to seal a content key to a desk, an officer or a contact.
- XSalsa20-Poly1305 secret boxes for small contents, XChaCha20-Poly1305 secretstream for files.
- Keyed BLAKE2b for lookups and derived sub-keys; Ed25519 for signed audit checkpoints.
"""

from __future__ import annotations

import hmac
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import nacl.bindings as sodium
import nacl.exceptions
import nacl.hash
import nacl.pwhash
import nacl.secret
import nacl.signing
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox

KEY_SIZE = 32
SALT_SIZE = nacl.pwhash.argon2id.SALTBYTES
STREAM_CHUNK = 64 * 1024


class CryptoError(Exception):
    """A ciphertext that does not open: wrong key, or tampered bytes. Carries no secret."""


@dataclass(frozen=True)
class KdfCost:
    opslimit: int
    memlimit: int


# OWASP Password Storage Cheat Sheet, Argon2id: m=19 MiB, t=2, p=1 is the stated minimum.
OWASP = KdfCost(opslimit=2, memlimit=19 * 1024 * 1024)
# libsodium's floor; only ever used when HOMEWARD_TESTING=1 so that tests stay quick.
FAST_FOR_TESTS = KdfCost(
    opslimit=nacl.pwhash.argon2id.OPSLIMIT_MIN, memlimit=nacl.pwhash.argon2id.MEMLIMIT_MIN
)


def kdf_cost(profile: str) -> KdfCost:
    return FAST_FOR_TESTS if profile == "fast-for-tests" else OWASP


def random_bytes(size: int = KEY_SIZE) -> bytes:
    return nacl.utils.random(size)


def derive_key(secret: bytes, salt: bytes, cost: KdfCost, size: int = KEY_SIZE) -> bytes:
    """Argon2id: the slow step that makes guessing passwords and codenames expensive."""
    return nacl.pwhash.argon2id.kdf(
        size, secret, salt, opslimit=cost.opslimit, memlimit=cost.memlimit
    )


def hash_password(password: str, cost: KdfCost) -> str:
    return nacl.pwhash.argon2id.str(
        password.encode(), opslimit=cost.opslimit, memlimit=cost.memlimit
    ).decode()


def verify_password(stored: str, password: str) -> bool:
    try:
        return bool(nacl.pwhash.verify(stored.encode(), password.encode()))
    except nacl.exceptions.InvalidkeyError:
        return False


def keyed_hash(key: bytes, data: bytes, purpose: str, size: int = 32) -> bytes:
    """BLAKE2b keyed with a server secret, separated by purpose (at most 16 bytes of it)."""
    return nacl.hash.blake2b(
        data,
        digest_size=size,
        key=key[:64],
        person=purpose.encode()[:16].ljust(16, b"\0"),
        encoder=nacl.encoding.RawEncoder,
    )


def equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def generate_keypair() -> tuple[bytes, bytes]:
    """A fresh X25519 pair as (private, public) raw bytes."""
    private = PrivateKey.generate()
    return bytes(private), bytes(private.public_key)


def keypair_from_seed(seed: bytes) -> tuple[bytes, bytes]:
    """A deterministic X25519 pair from 32 secret bytes (a contact's codename-derived seed)."""
    private = PrivateKey.from_seed(seed)
    return bytes(private), bytes(private.public_key)


def seal(public_key: bytes, data: bytes) -> bytes:
    """Anonymous sealed box: only the holder of the private key can open it."""
    return SealedBox(PublicKey(public_key)).encrypt(data)


def unseal(private_key: bytes, sealed: bytes) -> bytes:
    try:
        return SealedBox(PrivateKey(private_key)).decrypt(sealed)
    except nacl.exceptions.CryptoError as exc:
        raise CryptoError("sealed box does not open") from exc


def encrypt(key: bytes, plaintext: bytes) -> bytes:
    return bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def decrypt(key: bytes, ciphertext: bytes) -> bytes:
    try:
        return nacl.secret.SecretBox(key).decrypt(ciphertext)
    except nacl.exceptions.CryptoError as exc:
        raise CryptoError("secret box does not open") from exc


class StreamEncryptor:
    """Encrypts a file chunk by chunk to a sink, so no file is ever held whole in memory.

    Format: the 24-byte secretstream header, then frames of (4-byte big-endian length,
    ciphertext); the last frame carries the FINAL tag, so truncation is detected.
    """

    def __init__(self, key: bytes, sink: BinaryIO) -> None:
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = sodium.crypto_secretstream_xchacha20poly1305_init_push(self._state, key)
        self._sink = sink
        self._sink.write(header)
        self._buffer = bytearray()
        self.plaintext_size = 0

    def write(self, data: bytes) -> None:
        self.plaintext_size += len(data)
        self._buffer.extend(data)
        while len(self._buffer) >= STREAM_CHUNK:
            self._push(bytes(self._buffer[:STREAM_CHUNK]), final=False)
            del self._buffer[:STREAM_CHUNK]

    def close(self) -> None:
        self._push(bytes(self._buffer), final=True)
        self._buffer.clear()

    def _push(self, chunk: bytes, *, final: bool) -> None:
        tag = (
            sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
            if final
            else sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
        )
        frame = sodium.crypto_secretstream_xchacha20poly1305_push(self._state, chunk, None, tag)
        self._sink.write(struct.pack(">I", len(frame)))
        self._sink.write(frame)


def stream_decrypt(key: bytes, source: BinaryIO) -> Iterator[bytes]:
    """Yields plaintext chunks; raises CryptoError on tampering or truncation."""
    header = source.read(sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    try:
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, header, key)
        while True:
            size_bytes = source.read(4)
            if len(size_bytes) != 4:
                raise CryptoError("encrypted file is truncated")
            frame = source.read(struct.unpack(">I", size_bytes)[0])
            chunk, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, frame, None)
            yield chunk
            if tag == sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL:
                return
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise CryptoError("encrypted file does not open") from exc


def encrypt_stream(key: bytes, chunks: Iterable[bytes], sink: BinaryIO) -> int:
    encryptor = StreamEncryptor(key, sink)
    for chunk in chunks:
        encryptor.write(chunk)
    encryptor.close()
    return encryptor.plaintext_size


def signing_public_key(seed: bytes) -> bytes:
    """The Ed25519 public key of a 32-byte signing seed."""
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def sign(seed: bytes, message: bytes) -> bytes:
    """A detached Ed25519 signature (64 bytes)."""
    return bytes(nacl.signing.SigningKey(seed).sign(message).signature)


def signature_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(message, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


def sha256(data: bytes) -> bytes:
    return nacl.hash.sha256(data, encoder=nacl.encoding.RawEncoder)
