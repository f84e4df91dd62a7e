"""Registry imports: a file of person reports stored whole or not at all, fast enough for a
million reports (keys derived in worker processes, rows written in batches)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from itertools import islice
from multiprocessing import get_context

from sqlalchemy import select
from sqlalchemy.orm import Session

from homeward.core.db import new_id, utcnow
from homeward.core.errors import BadInput
from homeward.core.settings import Settings
from homeward.crypto.keys import ServerSecrets
from homeward.identity import bulk, index
from homeward.identity.models import (
    IdentityImport,
    StoredReport,
)
from homeward.identity.service import (
    BATCH,
    PARALLEL_FROM,
    REGISTRY,
    REPORT_COLUMNS,
    Protection,
    protection_release,
    record_audit,
)
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import PersonReport, ReportsRefused
from homeward.policy import binding, roles
from homeward.policy import check as policy


@dataclass(frozen=True)
class ImportResult:
    import_id: str
    imported: int


@dataclass(frozen=True)
class _Prepared:
    sealed: bytes
    hashes: list[bytes]


def _prepare(task: tuple[index.Keys, list[PersonReport]]) -> list[_Prepared]:
    """Keys, index hashes and the sealed payload of a chunk (in a worker process at scale)."""
    keys, reports = task
    prepared = []
    for report in reports:
        normalised = normalise(report)
        prepared.append(
            _Prepared(
                index.seal_payload(keys, report, normalised), index.key_hashes(keys, normalised)
            )
        )
    return prepared


def _chunks(items: Sequence[PersonReport], size: int) -> Iterator[list[PersonReport]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _prepared_batches(
    keys: index.Keys, reports: Sequence[PersonReport], workers: int
) -> Iterator[list[_Prepared]]:
    """Batches in input order; at most two batches per worker in flight, so memory stays flat."""
    if workers <= 1 or len(reports) < PARALLEL_FROM:
        for chunk in _chunks(reports, BATCH):
            yield _prepare((keys, chunk))
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("forkserver")) as pool:
        pending = []
        for chunk in _chunks(reports, BATCH):
            pending.append(pool.submit(_prepare, (keys, chunk)))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


def _refuse_duplicates(
    session: Session, reports: Sequence[PersonReport], records: list[bytes]
) -> None:
    """Each record once in the file and once in the index; lines as in the file (1 = header)."""
    problems: list[str] = []
    first: dict[bytes, int] = {}
    for position, (report, record) in enumerate(zip(reports, records, strict=True)):
        line = position + 2
        if record in first:
            problems.append(
                f"line {line}, record_id: {report.record_id!r} already on line {first[record]}"
            )
        else:
            first[record] = line
    table = StoredReport.__table__
    for start in range(0, len(records), 1000):
        chunk = records[start : start + 1000]
        for (existing,) in session.execute(
            select(table.c.record_hash).where(table.c.record_hash.in_(chunk))
        ):
            line = first[bytes(existing)]
            problems.append(
                f"line {line}, record_id: {reports[line - 2].record_id!r} is already imported"
            )
    if problems:
        raise ReportsRefused(sorted(problems, key=lambda text: int(text.split()[1].rstrip(","))))


def import_reports(
    *,
    session: Session,
    secrets: ServerSecrets,
    settings: Settings,
    principal: policy.Principal,
    reports: Sequence[PersonReport],
    protection: Protection,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> ImportResult:
    """A national registry, already validated (`reports.read_reports`), all or nothing: each
    report becomes a new person of its own, owned by the officer's nation. Record ids already
    imported are refused by line, and nothing is stored. `workers` processes derive the keys
    (default: one per CPU for large files)."""
    policy.require_permission(principal, roles.IDENTITY_IMPORT)
    binding.bind(session, principal)
    release = protection_release(session, settings, principal, protection)
    if not reports:
        raise BadInput("file", "has no report in it")
    keys = index.Keys.of(secrets)
    owner = principal.nation
    records = [index.record_hash(keys, REGISTRY, owner, report.record_id) for report in reports]
    _refuse_duplicates(session, reports, records)
    imported = IdentityImport(
        nation=owner, officer_id=principal.officer_id or None, created_at=utcnow()
    )
    session.add(imported)
    session.flush()
    clean = [replace(report, person_id="") for report in reports]
    position = 0
    stamp = bulk.timestamp(session, utcnow())
    with bulk.large_cache(session):
        for batch in _prepared_batches(keys, clean, workers or os.cpu_count() or 1):
            persons: list[tuple[object, ...]] = []
            rows: list[tuple[object, ...]] = []
            key_rows: list[tuple[object, ...]] = []
            for prepared in batch:
                report_id, person_id = new_id(), new_id()
                persons.append((person_id, stamp))
                rows.append(
                    (
                        report_id,
                        person_id,
                        REGISTRY,
                        records[position],
                        imported.id,
                        stamp,
                        principal.officer_id or None,
                        prepared.sealed,
                        owner,
                        protection.classification,
                        release,
                    )
                )
                key_rows.extend((h, report_id) for h in prepared.hashes)
                position += 1
            bulk.write(session, "person", ("id", "created_at"), persons)
            bulk.write(session, "person_report", REPORT_COLUMNS, rows)
            key_rows.sort()
            bulk.write(session, "person_report_key", ("key_hash", "report_id"), key_rows)
            if progress is not None:
                progress(len(batch))
    imported.report_count = position
    session.flush()
    record_audit(session, principal, "identity:import", "identity_import", imported.id)
    return ImportResult(imported.id, position)


# Reading and searching ------------------------------------------------------------------------
