"""A nation's witness: it holds the log's public key and its own cosigning key, fetches the
newest checkpoint and a consistency proof from the last one it cosigned, and cosigns only if
the proof verifies. A refusal is sent to the server too, which reports it to every auditor."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from homeward.audit import merkle, notes


@dataclass(frozen=True)
class Verdict:
    cosigned: bool
    size: int
    reason: str = ""


def _load_state(path: Path) -> notes.Checkpoint | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text("utf-8"))
    return notes.Checkpoint(data["origin"], int(data["size"]), base64.b64decode(data["root"]))


def _save_state(path: Path, checkpoint: notes.Checkpoint) -> None:
    state = {
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": base64.b64encode(checkpoint.root).decode(),
    }
    path.write_text(json.dumps(state, indent=2) + "\n", "utf-8")


class Refused(Exception):
    """The checkpoint may not be cosigned; the message says why."""


def _extends(checkpoint: notes.Checkpoint, last: notes.Checkpoint, proof: list[bytes]) -> None:
    if checkpoint.size < last.size:
        raise Refused(f"the log went back from size {last.size} to {checkpoint.size}")
    if checkpoint.size == last.size:
        if checkpoint.root != last.root:
            raise Refused(f"two different roots for size {last.size}: the log forked")
        return
    try:
        merkle.verify_consistency(last.size, checkpoint.size, last.root, checkpoint.root, proof)
    except merkle.ProofError as exc:
        raise Refused(f"size {checkpoint.size} does not extend size {last.size}: {exc}") from exc


def judge(
    note: str,
    proof: list[bytes] | None,
    last: notes.Checkpoint | None,
    log_key: notes.VerifierKey,
) -> tuple[notes.Checkpoint | None, str]:
    """The checkpoint if it may be cosigned, or None and the reason it may not."""
    try:
        checkpoint = _signed_checkpoint(note, log_key)
        if last is not None and last.size > 0:
            _extends(checkpoint, last, proof or [])
    except Refused as refusal:
        return None, str(refusal)
    return checkpoint, ""


def _signed_checkpoint(note: str, log_key: notes.VerifierKey) -> notes.Checkpoint:
    try:
        checkpoint = notes.parse_checkpoint(notes.verify_note(note, log_key).text)
    except notes.NoteError as exc:
        raise Refused(f"checkpoint rejected: {exc}") from exc
    if checkpoint.origin != log_key.name:
        raise Refused(f"checkpoint is for {checkpoint.origin}, not {log_key.name}")
    return checkpoint


def run(
    *,
    client: httpx.Client,
    name: str,
    seed: bytes,
    log_key: notes.VerifierKey,
    state_path: Path,
    now: int | None = None,
) -> Verdict:
    """One round: fetch, check, cosign or refuse, report to the server, remember."""
    latest = client.get("/api/v1/audit/checkpoint")
    latest.raise_for_status()
    note: str = latest.json()["note"]
    size = int(latest.json()["size"])
    last = _load_state(state_path)
    proof: list[bytes] | None = None
    if last is not None and 0 < last.size < size:
        answer = client.get("/api/v1/audit/consistency", params={"old": last.size, "new": size})
        answer.raise_for_status()
        proof = [base64.b64decode(item) for item in answer.json()["proof"]]
    checkpoint, reason = judge(note, proof, last, log_key)
    body: dict[str, object] = {"witness": name, "checkpoint_size": size}
    if checkpoint is None:
        body["reason"] = reason
    else:
        text = notes.split_note(note).text  # exactly the text the log signed
        body["signature_line"] = notes.cosign(text, name, seed, now or int(time.time()))
    sent = client.post("/api/v1/audit/verdicts", json=body)
    if sent.status_code != 201 and "already gave its verdict" not in sent.text:
        sent.raise_for_status()
    if checkpoint is not None:
        _save_state(state_path, checkpoint)
        return Verdict(True, checkpoint.size)
    return Verdict(False, size, reason)
