"""C2SP signed notes, checkpoints and cosignatures, for the audit log.

- signed-note: text ending in a newline, a blank line, then lines `— <name> base64(keyid||sig)`;
  the key id is SHA-256(name || 0x0A || type || public key)[:4]; type 0x01 is Ed25519.
- tlog-checkpoint: the note text is `<origin>\\n<size>\\n<base64 root>\\n`.
- tlog-cosignature (Ed25519, type 0x04): the signature is timestamp (u64, big-endian) ||
  Ed25519 over "cosignature/v1\\ntime <timestamp>\\n" followed by the checkpoint text.
Our own code: these formats are a few lines each and no maintained Python package covers them.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from homeward.crypto import sealing

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
DASH = "\u2014"
MAX_SIGNATURES = 32


class NoteError(ValueError):
    """A note, checkpoint, key or signature that is malformed or does not verify."""


def key_id(name: str, kind: int, public_key: bytes) -> bytes:
    return sealing.sha256(name.encode() + b"\n" + bytes([kind]) + public_key)[:4]


def _check_name(name: str) -> None:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")


@dataclass(frozen=True)
class VerifierKey:
    name: str
    kind: int
    public_key: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.kind, self.public_key)

    def encode(self) -> str:
        """The C2SP vkey text: name+hex(key id)+base64(type || public key)."""
        material = base64.b64encode(bytes([self.kind]) + self.public_key).decode()
        return f"{self.name}+{self.id.hex()}+{material}"


def parse_vkey(text: str) -> VerifierKey:
    parts = text.strip().split("+", 2)  # the base64 key itself may hold '+'
    if len(parts) != 3:
        raise NoteError("a verifier key reads name+keyid+base64key")
    name, hex_id, material = parts
    _check_name(name)
    try:
        raw = base64.b64decode(material, validate=True)
        wanted_id = bytes.fromhex(hex_id)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("the verifier key is not valid base64/hex") from exc
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise NoteError("only Ed25519 verifier keys (type 0x01 or 0x04) are supported")
    key = VerifierKey(name, raw[0], raw[1:])
    if key.id != wanted_id:
        raise NoteError("the verifier key's id does not match its name and key")
    return key


def signer_key(name: str, seed: bytes, kind: int = ED25519) -> VerifierKey:
    _check_name(name)
    return VerifierKey(name, kind, sealing.signing_public_key(seed))


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    if "\n" in origin or not origin:
        raise NoteError("the origin must be one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_text(text: str, name: str, seed: bytes) -> str:
    """The note with one Ed25519 signature line."""
    key = signer_key(name, seed)
    signature = sealing.sign(seed, text.encode())
    line = f"{DASH} {name} {base64.b64encode(key.id + signature).decode()}\n"
    return f"{text}\n{line}"


@dataclass(frozen=True)
class Note:
    text: str
    signature_lines: list[str]

    def render(self) -> str:
        return self.text + "\n" + "".join(line + "\n" for line in self.signature_lines)


def split_note(note: str) -> Note:
    """Text and signature lines; the text ends at the last blank line."""
    if "\x00" in note or any(ord(ch) < 0x20 and ch != "\n" for ch in note):
        raise NoteError("a note may hold no control characters but newlines")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("a note needs its text, a blank line and signature lines")
    text = note[: cut + 1]
    lines = note[cut + 2 :].rstrip("\n").split("\n")
    if not lines or not all(line.startswith(f"{DASH} ") for line in lines):
        raise NoteError("every line after the blank line must be a signature line")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signature lines")
    return Note(text, lines)


def _signature_of(line: str) -> tuple[str, bytes]:
    try:
        _dash, name, encoded = line.split(" ")
        return name, base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise NoteError(f"malformed signature line: {line[:60]!r}") from exc


def verify_note(note: str, key: VerifierKey) -> Note:
    """The note, if `key` signed it; a known key whose signature fails rejects the note."""
    parsed = split_note(note)
    verified = False
    for line in parsed.signature_lines:
        name, blob = _signature_of(line)
        if name != key.name or blob[:4] != key.id or key.kind != ED25519:
            continue
        if not sealing.signature_valid(key.public_key, parsed.text.encode(), blob[4:]):
            raise NoteError(f"the signature of {name} does not verify")
        verified = True
    if not verified:
        raise NoteError(f"the note carries no signature by {key.name}")
    return parsed


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root hash line")
    origin, size_line, root_line = lines[0], lines[1], lines[2]
    if not size_line.isdigit() or (size_line != "0" and size_line.startswith("0")):
        raise NoteError("the checkpoint size is not a decimal number")
    try:
        root = base64.b64decode(root_line, validate=True)
    except binascii.Error as exc:
        raise NoteError("the checkpoint root is not base64") from exc
    if len(root) != 32:
        raise NoteError("the checkpoint root is not 32 bytes")
    return Checkpoint(origin, int(size_line), root)


def _cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def cosign(text: str, name: str, seed: bytes, timestamp: int) -> str:
    """A tlog-cosignature line (Ed25519, type 0x04) over a checkpoint's text."""
    key = signer_key(name, seed, COSIGNATURE_V1)
    signature = sealing.sign(seed, _cosigned_message(text, timestamp))
    blob = key.id + struct.pack(">Q", timestamp) + signature
    return f"{DASH} {name} {base64.b64encode(blob).decode()}"


def verify_cosignature(text: str, line: str, key: VerifierKey) -> int:
    """The cosignature's timestamp, if `key` made this line over this checkpoint text."""
    name, blob = _signature_of(line)
    if name != key.name or key.kind != COSIGNATURE_V1 or blob[:4] != key.id or len(blob) != 76:
        raise NoteError(f"not a cosignature by {key.name}")
    (timestamp,) = struct.unpack(">Q", blob[4:12])
    if not sealing.signature_valid(key.public_key, _cosigned_message(text, timestamp), blob[12:]):
        raise NoteError(f"the cosignature of {key.name} does not verify")
    return int(timestamp)
