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

Name keys without a date (so that a report giving a full name alone is found) are many and
common: they have their own cap, `name_key_cap` (as the batch's), and the reports they alone
bring in are kept apart, at most `name_candidates`, so that namesakes neither crowd out the
reports found by a date or a document nor cost a hundred decryptions a query.
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
from sqlalchemy.sql import ColumnElement, Subquery

from homeward.crypto import sealing
from homeward.crypto.keys import ServerSecrets
from homeward.identity.models import KEY_HASH_SIZE, ReportKey, StoredReport
from homeward.linkage.features import CAPPED_KEYS, blocking_keys
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
    name_key_cap: int = Field(default=100, ge=1)
    """A name key without a date ("husn|muhmd", "muhmd") shared by more reports than this is
    skipped (the batch caps every key, at `batch.KEY_CAP`)."""
    name_candidates: int = Field(default=20, ge=1)
    """At most this many reports found through name keys alone are scored, besides those."""


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


_NAME_KEY_PREFIXES = tuple(f"{name}:" for name in CAPPED_KEYS)


@dataclass(frozen=True)
class QueryHashes:
    """A query's key hashes in two groups: keys with a date, a document or an address, and
    name keys without a date (`features.CAPPED_KEYS`), which are capped more tightly."""

    specific: list[bytes]
    names: list[bytes]


def query_hashes(keys: Keys, normalised: NormalisedReport) -> QueryHashes:
    found = blocking_keys(normalised)
    names = {key for key in found if key.startswith(_NAME_KEY_PREFIXES)}
    return QueryHashes(
        sorted({key_hash(keys, key) for key in found - names}),
        sorted({key_hash(keys, key) for key in names}),
    )


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
    """Candidate report ids, most shared keys first, and how many keys were too common:
    keys with a date, a document or an address, and date-less name keys, apart."""

    report_ids: list[str]
    skipped_keys: int
    skipped_name_keys: int = 0


def _scans(
    hashes: Sequence[bytes], visible: ColumnElement[bool], excluded: list[str], limit: int
) -> list[Subquery]:
    """One bounded scan a key: at most `limit + 1` visible reports, to tell an over-cap key."""
    scans = []
    for value in hashes:
        scan = (
            select(ReportKey.key_hash, ReportKey.report_id)
            .join(StoredReport, StoredReport.id == ReportKey.report_id)
            .where(ReportKey.key_hash == value, visible)
        )
        if excluded:
            scan = scan.where(ReportKey.report_id.not_in(excluded))
        scans.append(scan.limit(limit + 1).subquery())
    return scans


def lookup(
    session: Session,
    hashes: Sequence[bytes] | QueryHashes,
    *,
    principal: policy.Principal,
    exclude: Iterable[str] = (),
    key_cap: int | None = None,
    max_candidates: int | None = None,
    name_key_cap: int | None = None,
    name_candidates: int | None = None,
) -> Lookup:
    """Ids of the reports `principal` may see that share a blocking key with the query, and
    how many keys were too common among those (see the module's docstring).

    Name keys without a date are looked up with their own, smaller cap (`name_key_cap`), and
    the reports that share only such keys with the query come after the others, at most
    `name_candidates` of them: those sharing the most name keys, then those whose rarest
    shared key is rarest. "muhmd" alone would otherwise fetch a thousand reports per query
    at a million, and a hundred namesakes would be decrypted and scored for nothing."""
    settings = identity_settings()
    cap = key_cap or settings.key_cap
    most = max_candidates or settings.max_candidates
    name_cap = name_key_cap or settings.name_key_cap
    name_most = name_candidates or settings.name_candidates
    grouped = hashes if isinstance(hashes, QueryHashes) else QueryHashes(list(hashes), [])
    if not grouped.specific and not grouped.names:
        return Lookup([], 0)
    visible = policy.visible(principal, roles.IDENTITY_READ, StoredReport)
    excluded = list(exclude)
    scans = _scans(grouped.specific, visible, excluded, cap)
    scans += _scans(grouped.names, visible, excluded, name_cap)
    statement = union_all(*(select(scan.c.key_hash, scan.c.report_id) for scan in scans))
    per_key: dict[bytes, list[str]] = {}
    for hashed, report_id in session.execute(statement):
        per_key.setdefault(bytes(hashed), []).append(str(report_id))
    names = set(grouped.names)
    shared: Counter[str] = Counter()
    through_specific: set[str] = set()
    rarest: dict[str, int] = {}
    skipped: Counter[bool] = Counter()
    for hashed, ids in per_key.items():
        named = hashed in names
        if len(ids) > (name_cap if named else cap):
            skipped[named] += 1
            continue
        shared.update(ids)
        if not named:
            through_specific.update(ids)
            continue
        for report_id in ids:
            rarest[report_id] = min(rarest.get(report_id, len(ids)), len(ids))
    ranked = sorted(through_specific, key=lambda report_id: (-shared[report_id], report_id))
    by_name = sorted(
        (report_id for report_id in rarest if report_id not in through_specific),
        key=lambda report_id: (-shared[report_id], rarest[report_id], report_id),
    )
    return Lookup(ranked[:most] + by_name[:name_most], skipped[False], skipped[True])
