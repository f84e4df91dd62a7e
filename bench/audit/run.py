"""Audit log benchmark: appends per second through the real service path, time and peak memory
to verify a log of 1,000,000 entries, and proof sizes at that size; SQLite and PostgreSQL.

.venv/bin/python -m bench.audit [--engine sqlite|postgresql|both] [--entries N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.harness.machine import machine
from bench.harness.readme import RESULTS_DIR, write_section
from bench.harness.server import database
from homeward import migrations
from homeward.audit import checkpoints, log, proofs, verify
from homeward.audit import service as audit
from homeward.core.db import Database, utcnow
from homeward.crypto.keys import ServerSecrets, load_server_secrets

ORIGIN = "homeward.bench/audit"
POSTGRES_URL = os.environ.get(
    "HOMEWARD_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
AIM_APPENDS_PER_SECOND = 3000
AIM_VERIFY_SECONDS = 10.0


@contextmanager
def fresh_database(engine: str, folder: Path) -> Iterator[tuple[str, str | None]]:
    with database(engine, POSTGRES_URL, folder, label="audit") as made:
        yield made


def _record(session: Any, number: int) -> None:
    audit.record(
        session=session,
        actor="officer:0123456789abcdef0123456789abcdef",
        action="contact:message:read",
        resource_type="message",
        resource_id=f"{number:032x}",
        nation="FRA",
    )


def appends(db: Database, count: int, per_transaction: int) -> dict[str, Any]:
    """`count` entries through audit.service.record, `per_transaction` to a transaction."""
    started = time.perf_counter()
    done = 0
    while done < count:
        with db.transaction() as session:
            for _ in range(min(per_transaction, count - done)):
                _record(session, done)
                done += 1
    seconds = time.perf_counter() - started
    return {
        "entries": count,
        "per_transaction": per_transaction,
        "seconds": round(seconds, 2),
        "appends_per_second": round(count / seconds),
    }


def fill(db: Database, target: int) -> dict[str, Any]:
    """Grow the log to `target` entries in large batches (the same append code)."""
    with db.transaction() as session:
        size, _root = log.head(session)
    started, batch = time.perf_counter(), 20_000
    at = utcnow()
    while size < target:
        count = min(batch, target - size)
        entries = [
            {
                "at": at,
                "actor": "system",
                "action": "bench:entry:add",
                "resource_type": "bench",
                "resource_id": f"{size + i:032x}",
                "nation": "FRA",
                "detail_digest": None,
            }
            for i in range(count)
        ]
        with db.transaction() as session:
            size = log.append(session, entries)
        print(f"  filled {size:,}/{target:,}", end="\r", flush=True)
    print()
    return {"entries": target, "seconds": round(time.perf_counter() - started, 1)}


def verify_in_child(url: str, keys_dir: Path) -> dict[str, Any]:
    """Verification in a process of its own, so that its peak memory is its own."""
    output = subprocess.run(
        [sys.executable, "-m", "bench.audit", "--verify-only", url, str(keys_dir)],
        check=True,
        capture_output=True,
        text=True,
        timeout=3600,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def verify_only(url: str, keys_dir: str) -> None:
    server = load_server_secrets(Path(keys_dir))
    db = Database(url)
    started = time.perf_counter()
    with db.transaction() as session:
        report = verify.verify_log(session=session, key=checkpoints.log_key(server, ORIGIN))
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "ok": report.ok,
                "entries": report.size,
                "seconds": round(seconds, 2),
                "peak_rss_mib": round(peak_kib / 1024, 1),
                "checkpoints_checked": report.checkpoints_checked,
            }
        )
    )


def proof_sizes(db: Database, server: ServerSecrets, size: int) -> dict[str, Any]:
    with db.transaction() as session:
        checkpoint = checkpoints.checkpoint_of_size(session=session, size=size)
        started = time.perf_counter()
        inclusion = checkpoints.inclusion_proof(
            session=session, leaf_index=size // 3, checkpoint=checkpoint
        )
        inclusion_ms = (time.perf_counter() - started) * 1000
        half = checkpoints.checkpoint_of_size(session=session, size=size // 2)
        started = time.perf_counter()
        hashes = checkpoints.consistency_hashes(session=session, old_size=half.size, new_size=size)
        consistency_ms = (time.perf_counter() - started) * 1000
        consistency = checkpoints.consistency_proof(
            session=session, old_size=half.size, new_size=size
        )
    key = checkpoints.log_key(server, ORIGIN)
    proofs.check_inclusion(inclusion, key)
    proofs.check_consistency(consistency, key)
    inclusion_hashes = sum(1 for line in inclusion.split("\n\n")[0].splitlines()[3:])
    return {
        "tree_size": size,
        "inclusion_hashes": inclusion_hashes,
        "inclusion_hash_bytes": inclusion_hashes * 32,
        "inclusion_file_bytes": len(inclusion.encode()),
        "inclusion_ms": round(inclusion_ms, 1),
        "consistency_from": half.size,
        "consistency_hashes": len(hashes),
        "consistency_hash_bytes": len(hashes) * 32,
        "consistency_file_bytes": len(consistency.encode()),
        "consistency_ms": round(consistency_ms, 1),
    }


def run_engine(engine: str, entries: int, quick: bool) -> dict[str, Any]:
    print(f"[{engine}]")
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        server = load_server_secrets(folder / "keys", create=True)
        with fresh_database(engine, folder) as (url, pg_version):
            migrations.upgrade(url)
            db = Database(url)
            batched = appends(db, 2_000 if quick else 30_000, 100)
            print(f"  batched appends: {batched['appends_per_second']}/s")
            single = appends(db, 300 if quick else 3_000, 1)
            print(f"  one-entry transactions: {single['appends_per_second']}/s")
            half = entries // 2
            fill(db, half)
            with db.transaction() as session:
                checkpoints.make_checkpoint(session=session, secrets=server, origin=ORIGIN)
            filled = fill(db, entries)
            with db.transaction() as session:
                checkpoints.make_checkpoint(session=session, secrets=server, origin=ORIGIN)
            db.dispose()
            checked = verify_in_child(url, folder / "keys")
            print(
                f"  verify {checked['entries']:,}: {checked['seconds']} s, "
                f"{checked['peak_rss_mib']} MiB peak"
            )
            if not checked["ok"]:
                raise SystemExit("the untouched log did not verify")
            db = Database(url)
            sizes = proof_sizes(db, server, entries)
            db.dispose()
    result = {
        "engine": engine,
        "machine": machine(pg_version),
        "appends_batched": batched,
        "appends_single": single,
        "fill": filled,
        "verify": checked,
        "proofs": sizes,
        "aims": {
            "appends_per_second": AIM_APPENDS_PER_SECOND,
            "verify_seconds_at_1m": AIM_VERIFY_SECONDS,
        },
        "quick": quick,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"audit-{engine}.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


METHOD = """## Audit log (`bench/audit/`)

`.venv/bin/python -m bench.audit [--engine sqlite|postgresql|both] [--entries N] [--quick]`

**Appends** go through `audit.service.record`, the path every service uses, and are appended
to the Merkle log when their transaction commits: once with 100 entries a transaction
(batched), once with one entry a transaction (a request that changes one thing). Each append
stores the entry, its leaf hash and every complete subtree hash it completes.
**Verification** is `homeward audit verify`'s code (`audit.verify.verify_log`) run in a
process of its own on a log of N entries (1,000,000 unless `--entries`), grown to that size in
batches of 20,000 through `audit.log.append`, with signed checkpoints at N/2 and N: it re-reads
every entry, recomputes its leaf hash and the whole tree, and checks both checkpoints. Peak
memory is that process's maximum resident set size. **Proofs** are generated from the stored
tree (no recomputation) for entry N/3 and from N/2 to N, and checked offline.
Aims from the issue: at least 3,000 appends a second; verification of 1M entries under 10 s.

"""


def _table(result: dict[str, Any]) -> str:
    machine_info = result["machine"]
    proofs_info = result["proofs"]
    verify_info = result["verify"]
    rows = [
        ("appends, 100 per transaction", f"{result['appends_batched']['appends_per_second']:,}/s"),
        ("appends, 1 per transaction", f"{result['appends_single']['appends_per_second']:,}/s"),
        (f"verify {verify_info['entries']:,} entries", f"{verify_info['seconds']} s"),
        ("verify peak memory", f"{verify_info['peak_rss_mib']} MiB"),
        (
            f"inclusion proof at {proofs_info['tree_size']:,}",
            f"{proofs_info['inclusion_hashes']} hashes, {proofs_info['inclusion_hash_bytes']} B "
            f"({proofs_info['inclusion_file_bytes']} B as a tlog-proof file), "
            f"{proofs_info['inclusion_ms']} ms",
        ),
        (
            f"consistency proof {proofs_info['consistency_from']:,} → {proofs_info['tree_size']:,}",
            f"{proofs_info['consistency_hashes']} hashes, "
            f"{proofs_info['consistency_hash_bytes']} B "
            f"({proofs_info['consistency_file_bytes']} B as a file), "
            f"{proofs_info['consistency_ms']} ms",
        ),
    ]
    engine = result["engine"]
    version = (
        f" {machine_info['postgres']}"
        if machine_info.get("postgres")
        else (f" {machine_info['sqlite']}")
    )
    lines = [
        f"### {engine}{version}",
        "",
        f"{machine_info['cpu_count']} cores ({machine_info['cpu_model']}), "
        f"{machine_info['memory_gib']} GiB, Python {machine_info['python']}"
        + (" — quick run" if result.get("quick") else ""),
        "",
        "| what | measured |",
        "| --- | --- |",
        *(f"| {what} | {value} |" for what, value in rows),
        "",
    ]
    return "\n".join(lines)


def write_readme() -> None:
    tables = [
        _table(json.loads(path.read_text()))
        for engine in ("sqlite", "postgresql")
        if (path := RESULTS_DIR / f"audit-{engine}.json").exists()
    ]
    write_section("audit", METHOD + "\n".join(tables))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="small counts, to check it runs")
    parser.add_argument("--verify-only", nargs=2, metavar=("URL", "KEYS_DIR"))
    args = parser.parse_args(argv)
    if args.verify_only:
        verify_only(*args.verify_only)
        return 0
    entries = 20_000 if args.quick else args.entries
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine in engines:
        run_engine(engine, entries, args.quick)
    write_readme()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
