"""The online index: sealing a report for storage, hashing its blocking keys, and finding the
reports that share a key with a query, in a few indexed lookups.

How a lookup stays fast at a million reports: the query's blocking keys (about ten) are hashed
with a key derived from the pepper and looked up through the primary key of
`person_report_key` (key_hash, report_id), one bounded range scan per key, all in one
statement (`UNION ALL` of `LIMIT key_cap + 1` scans). Each scan joins the report and keeps
only those the officer may see (the policy's SQL filter) before its limit, so the cap and the
ranking are the officer's own: another nation's reports never push one of the officer's out,
nor make a key look common. A key shared by more than `key_cap` visible reports ("mohammed"
with a year, say) says little and would cost much: it is skipped, and the reports it would
have brought in come, if at all, through the query's rarer keys. The reports sharing the most
keys are kept, at most `max_candidates`, and only those are loaded and scored.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.identity.models import KEY_HASH_SIZE, ReportKey, StoredReport
from homeward.linkage.features import blocking_keys
from homeward.linkage.model import LinkageModel
from homeward.linkage.normalise import NormalisedReport, normalise
from homeward.linkage.reports import PersonReport
from homeward.policy import check as policy
from homeward.policy import roles

PAYLOAD_VERSION = 1
_LIST_FIELDS = ("aliases", "nationality")


class IdentitySettings(BaseSettings):
    """HOMEWARD_IDENTITY_* variables: which model scores pairs, and the index's bounds."""

    model_config = SettingsConfigDict(env_prefix="HOMEWARD_IDENTITY_", extra="ignore")

    model: Path | None = None
    """A model file saved by the batch training; empty means the model shipped with Homeward."""
    key_cap: int = Field(default=1000, ge=1)
    """A blocking key shared by more reports than this is skipped (it says little, costs much)."""
    max_candidates: int = Field(default=100, ge=1)
    """At most this many reports, those sharing the most keys, are decrypted and scored."""


@cache
def identity_settings() -> IdentitySettings:
    return IdentitySettings()


@cache
def linkage_model() -> LinkageModel:
    """The model, loaded once per process."""
    path = identity_settings().model
    return LinkageModel.load(path) if path is not None else LinkageModel.default()


@dataclass(frozen=True)
class Keys:
    """Derived once from the server secrets: the payload key and the index's hashing key."""

    payload: bytes
    block: bytes
    record: bytes

    @classmethod
    def of(cls, secrets: ServerSecrets) -> Keys:
        return cls(
            payload=secrets.subkey("hw-identity-report"),
            block=sealing.keyed_hash(secrets.pepper, b"subkey", "hw-identity-block"),
            record=sealing.keyed_hash(secrets.pepper, b"subkey", "hw-identity-record"),
        )


def _keyed(key: bytes, data: bytes, purpose: bytes) -> bytes:
    """Keyed BLAKE2b, the same function as `sealing.keyed_hash` (libsodium's generichash with
    a personalisation), from hashlib: a million reports hash ten keys each, and libsodium's
    binding costs 30 times more per call on such short inputs."""
    return hashlib.blake2b(
        data, digest_size=KEY_HASH_SIZE, key=key, person=purpose.ljust(16, b"\0")
    ).digest()


def key_hash(keys: Keys, key: str) -> bytes:
    return _keyed(keys.block, key.encode(), b"hw-block-key")


def key_hashes(keys: Keys, normalised: NormalisedReport) -> list[bytes]:
    return sorted({key_hash(keys, key) for key in blocking_keys(normalised)})


def record_hash(keys: Keys, source: str, scope: str, record_id: str) -> bytes:
    """One report per source record: a registry's record id within its nation, a case."""
    text = f"{source}\x1f{scope}\x1f{record_id}"
    return _keyed(keys.record, text.encode(), b"hw-record-id")


def seal_payload(keys: Keys, report: PersonReport, normalised: NormalisedReport) -> bytes:
    fields_ = {name: value for name, value in asdict(report).items() if name != "person_id"}
    document = {"v": PAYLOAD_VERSION, "report": fields_, "keys": normalised.as_row()}
    return sealing.encrypt(keys.payload, json.dumps(document, ensure_ascii=False).encode())


def open_payload(keys: Keys, sealed: bytes) -> tuple[PersonReport, NormalisedReport]:
    document = json.loads(sealing.decrypt(keys.payload, sealed))
    values: dict[str, Any] = document["report"]
    for name in _LIST_FIELDS:
        values[name] = tuple(values.get(name) or ())
    known = {item.name for item in fields(PersonReport)}
    report = PersonReport(**{name: value for name, value in values.items() if name in known})
    stored = document["keys"]
    if set(stored) == {item.name for item in fields(NormalisedReport)}:
        return report, NormalisedReport(**stored)
    return report, normalise(report)  # keys of an older normalisation: derive them afresh


@dataclass(frozen=True)
class Lookup:
    """Candidate report ids, most shared keys first, and how many keys were too common."""

    report_ids: list[str]
    skipped_keys: int


def lookup(
    session: Session,
    hashes: Sequence[bytes],
    *,
    principal: policy.Principal,
    exclude: Iterable[str] = (),
    key_cap: int | None = None,
    max_candidates: int | None = None,
) -> Lookup:
    """Ids of the reports `principal` may see that share a blocking key with the query, and
    how many keys were too common among those (see the module's docstring)."""
    settings = identity_settings()
    cap = key_cap or settings.key_cap
    most = max_candidates or settings.max_candidates
    if not hashes:
        return Lookup([], 0)
    visible = policy.visible(principal, roles.IDENTITY_READ, StoredReport)
    excluded = list(exclude)
    scans = []
    for value in hashes:
        scan = (
            select(ReportKey.key_hash, ReportKey.report_id)
            .join(StoredReport, StoredReport.id == ReportKey.report_id)
            .where(ReportKey.key_hash == value, visible)
        )
        if excluded:
            scan = scan.where(ReportKey.report_id.not_in(excluded))
        scans.append(scan.limit(cap + 1).subquery())
    statement = union_all(*(select(scan.c.key_hash, scan.c.report_id) for scan in scans))
    per_key: dict[bytes, list[str]] = {}
    for hashed, report_id in session.execute(statement):
        per_key.setdefault(bytes(hashed), []).append(str(report_id))
    shared: Counter[str] = Counter()
    skipped = 0
    for ids in per_key.values():
        if len(ids) > cap:
            skipped += 1
            continue
        shared.update(ids)
    ranked = sorted(shared.items(), key=lambda item: (-item[1], item[0]))
    return Lookup([report_id for report_id, _count in ranked[:most]], skipped)
