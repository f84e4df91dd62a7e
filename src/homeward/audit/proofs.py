"""Proof files an auditor can check offline against a checkpoint and the log's public key.

- Inclusion: C2SP tlog-proof (`c2sp.org/tlog-proof@v1`, `extra`, `index`, the proof hashes, a
  blank line, the checkpoint). `extra` carries the entry's canonical bytes, so the checker
  recomputes the leaf hash itself and shows what the entry says.
- Consistency: the same layout under `homeward/tlog-consistency@v1`, with `old <size>`, the
  proof hashes, a blank line, then the old and the new checkpoints one after the other.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from homeward.audit import merkle, notes

INCLUSION_HEADER = "c2sp.org/tlog-proof@v1"
CONSISTENCY_HEADER = "homeward/tlog-consistency@v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def render_inclusion(entry_bytes: bytes, index: int, proof: list[bytes], checkpoint: str) -> str:
    lines = [INCLUSION_HEADER, f"extra {_b64(entry_bytes)}", f"index {index}"]
    lines += [_b64(item) for item in proof]
    return "\n".join(lines) + "\n\n" + checkpoint


def render_consistency(old_size: int, proof: list[bytes], old_note: str, new_note: str) -> str:
    lines = [CONSISTENCY_HEADER, f"old {old_size}", *(_b64(item) for item in proof)]
    return "\n".join(lines) + "\n\n" + old_note + new_note


@dataclass(frozen=True)
class CheckedInclusion:
    index: int
    size: int
    entry: str


@dataclass(frozen=True)
class CheckedConsistency:
    old_size: int
    new_size: int


def _hashes(lines: list[str]) -> list[bytes]:
    try:
        hashes = [base64.b64decode(line, validate=True) for line in lines]
    except binascii.Error as exc:
        raise notes.NoteError("a proof line is not base64") from exc
    if any(len(item) != merkle.HASH_SIZE for item in hashes):
        raise notes.NoteError("a proof hash is not 32 bytes")
    return hashes


def _split_notes(text: str) -> list[str]:
    """Consecutive checkpoints: each is its text lines (never blank), a blank line, then its
    signature lines."""
    lines = text.split("\n")
    found: list[str] = []
    at = 0
    while at < len(lines):
        if lines[at] == "":
            at += 1
            continue
        body: list[str] = []
        while at < len(lines) and lines[at] != "":
            body.append(lines[at])
            at += 1
        at += 1
        signatures: list[str] = []
        while at < len(lines) and lines[at].startswith(f"{notes.DASH} "):
            signatures.append(lines[at])
            at += 1
        if not signatures:
            raise notes.NoteError("a checkpoint without signature lines")
        found.append("\n".join(body) + "\n\n" + "\n".join(signatures) + "\n")
    return found


def _verified_checkpoint(note: str, key: notes.VerifierKey) -> notes.Checkpoint:
    parsed = notes.verify_note(note, key)
    checkpoint = notes.parse_checkpoint(parsed.text)
    if checkpoint.origin != key.name:
        raise notes.NoteError(f"the checkpoint is for {checkpoint.origin}, not {key.name}")
    return checkpoint


def check_inclusion(text: str, key: notes.VerifierKey) -> CheckedInclusion:
    head, _, rest = text.partition("\n\n")
    lines = head.split("\n")
    if len(lines) < 3 or lines[0] != INCLUSION_HEADER:
        raise notes.NoteError(f"not a {INCLUSION_HEADER} file")
    if not lines[1].startswith("extra ") or not lines[2].startswith("index "):
        raise notes.NoteError("a Homeward inclusion proof carries `extra` and `index` lines")
    try:
        entry = base64.b64decode(lines[1].removeprefix("extra "), validate=True)
    except binascii.Error as exc:
        raise notes.NoteError("the extra line is not base64") from exc
    index_text = lines[2].removeprefix("index ")
    if not index_text.isdigit():
        raise notes.NoteError("the index is not a number")
    checkpoint = _verified_checkpoint(rest, key)
    index = int(index_text)
    try:
        merkle.verify_inclusion(
            merkle.leaf_hash(entry), index, checkpoint.size, _hashes(lines[3:]), checkpoint.root
        )
    except merkle.ProofError as exc:
        raise notes.NoteError(f"inclusion proof rejected: {exc}") from exc
    return CheckedInclusion(index, checkpoint.size, entry.decode("utf-8", "replace"))


def check_consistency(text: str, key: notes.VerifierKey) -> CheckedConsistency:
    head, _, rest = text.partition("\n\n")
    lines = head.split("\n")
    if len(lines) < 2 or lines[0] != CONSISTENCY_HEADER or not lines[1].startswith("old "):
        raise notes.NoteError(f"not a {CONSISTENCY_HEADER} file")
    found = _split_notes(rest)
    if len(found) != 2:
        raise notes.NoteError("a consistency proof carries the old and the new checkpoint")
    old, new = (_verified_checkpoint(note, key) for note in found)
    if lines[1].removeprefix("old ") != str(old.size):
        raise notes.NoteError("the `old` line does not match the old checkpoint")
    try:
        merkle.verify_consistency(old.size, new.size, old.root, new.root, _hashes(lines[2:]))
    except merkle.ProofError as exc:
        raise notes.NoteError(f"consistency proof rejected: {exc}") from exc
    return CheckedConsistency(old.size, new.size)
