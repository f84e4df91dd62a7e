"""C2SP signed notes, verifier keys and cosignatures."""

from __future__ import annotations

import pytest

from homeward.audit import notes
from homeward.crypto import sealing

ORIGIN = "homeward.test/audit"


def _signed() -> tuple[str, bytes]:
    seed = sealing.random_bytes()
    text = notes.checkpoint_text(ORIGIN, 42, b"\x07" * 32)
    return notes.sign_text(text, ORIGIN, seed), seed


def test_signed_checkpoint_verifies_and_parses() -> None:
    note, seed = _signed()
    parsed = notes.verify_note(note, notes.signer_key(ORIGIN, seed))
    checkpoint = notes.parse_checkpoint(parsed.text)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (ORIGIN, 42, b"\x07" * 32)
    assert note.splitlines()[4].startswith(f"{notes.DASH} {ORIGIN} ")


def test_changed_text_or_other_key_is_rejected() -> None:
    note, seed = _signed()
    with pytest.raises(notes.NoteError, match="does not verify"):
        notes.verify_note(note.replace("\n42\n", "\n43\n"), notes.signer_key(ORIGIN, seed))
    with pytest.raises(notes.NoteError, match="no signature"):
        notes.verify_note(note, notes.signer_key(ORIGIN, sealing.random_bytes()))
    with pytest.raises(notes.NoteError):
        notes.verify_note(note.replace("\n\n", "\n"), notes.signer_key(ORIGIN, seed))


def test_vkey_round_trip_and_refusals() -> None:
    keys = [notes.signer_key(ORIGIN, sealing.random_bytes()) for _ in range(64)]
    assert any("+" in k.encode().split("+", 2)[2] for k in keys)  # base64 with a '+' in it
    assert all(notes.parse_vkey(k.encode()) == k for k in keys)
    key = keys[0]
    name, key_id, material = key.encode().split("+", 2)
    with pytest.raises(notes.NoteError, match="id does not match"):
        notes.parse_vkey(f"{name}+00000000+{material}")
    with pytest.raises(notes.NoteError):
        notes.parse_vkey("no-plus-signs-here")
    with pytest.raises(notes.NoteError):
        notes.parse_vkey(f"{name}+{key_id}+!!!")


def test_cosignature_round_trip() -> None:
    note, _seed = _signed()
    text = notes.split_note(note).text
    witness_seed = sealing.random_bytes()
    witness = notes.signer_key("fra.witness", witness_seed, notes.COSIGNATURE_V1)
    line = notes.cosign(text, "fra.witness", witness_seed, 1_700_000_000)
    assert notes.verify_cosignature(text, line, witness) == 1_700_000_000
    with pytest.raises(notes.NoteError):
        notes.verify_cosignature(text.replace("42", "41"), line, witness)
    other = notes.signer_key("fra.witness", sealing.random_bytes(), notes.COSIGNATURE_V1)
    with pytest.raises(notes.NoteError):
        notes.verify_cosignature(text, line, other)


def test_malformed_checkpoints_are_refused() -> None:
    for text in ("origin\n", "origin\nx\nAAAA\n", "origin\n01\n" + "A" * 44 + "\n"):
        with pytest.raises(notes.NoteError):
            notes.parse_checkpoint(text)
