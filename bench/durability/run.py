"""What `synchronous=FULL` costs SQLite's contact intake, beside `NORMAL`, in the same run.

Why: with NORMAL, SQLite syncs its write-ahead log only at checkpoints, so a power cut (not a
crash of the process) can drop the last letters the server had already acknowledged; FULL syncs
the log at every commit. The question is what that costs: messages per second and p99 through
the real server (bench/intake/'s helpers: `homeward serve` on loopback, the OWASP Argon2id
cost, 32 signed-in contacts), and the commit itself, timed in-process on the same disk.

The two settings alternate (NORMAL, FULL, FULL, NORMAL), so that other work on this shared
machine falls on both alike; each setting's figures pool its two rounds.

Run: .venv/bin/python -m bench.durability [--quick]
Results: bench/results/durability-sqlite.json and a section of bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness.contacts import (
    Parameters,
    Phase,
    Target,
    bench_messages,
    count_rows,
    server_env,
    set_up,
)
from bench.harness.machine import code_version, machine, wait_for_quiet
from bench.harness.readme import RESULTS_DIR, write_section
from bench.harness.server import running_server
from bench.harness.stats import ms, percentile
from homeward.core.db import Database, SqliteSync

RESULT = RESULTS_DIR / "durability-sqlite.json"
ORDER: tuple[SqliteSync, ...] = ("normal", "full", "full", "normal")
QUIET_WAIT_SECONDS = 120.0


def parameters(*, quick: bool) -> Parameters:
    return replace(
        Parameters.make(quick=True),
        paced_messages=100 if quick else 300,
        messages=150 if quick else 500,
        alone_messages=50 if quick else 150,
        quick=quick,
    )


def commit_times(folder: Path, synchronous: SqliteSync, commits: int) -> list[float]:
    """Seconds per commit of a one-row transaction through `core.db.Database`: the fsync
    that FULL adds, apart from HTTP, Argon2id and the rest."""
    db = Database(
        f"sqlite:///{folder / f'commits-{synchronous}.sqlite3'}", sqlite_synchronous=synchronous
    )
    try:
        with db.transaction() as session:
            session.connection().exec_driver_sql("CREATE TABLE letter (body BLOB)")
        times = []
        payload = os.urandom(700)
        for _ in range(commits):
            began = time.perf_counter()
            with db.transaction() as session:
                session.connection().exec_driver_sql("INSERT INTO letter VALUES (?)", (payload,))
            times.append(time.perf_counter() - began)
        return times
    finally:
        db.dispose()


def one_round(synchronous: SqliteSync, params: Parameters) -> dict[str, Any]:
    """One server, one setting: the three message phases of bench/intake/, then the rows
    counted against the acknowledged answers."""
    with tempfile.TemporaryDirectory(prefix="hw-bench-durability-") as tmp:
        data_dir = Path(tmp) / "var"
        database_url = f"sqlite:///{(data_dir / 'homeward.sqlite3').as_posix()}"
        env = server_env(data_dir, database_url, params)
        env["HOMEWARD_SQLITE_SYNCHRONOUS"] = synchronous
        set_up(env, data_dir, database_url)
        log = Path(tmp) / "server.log"
        try:
            with running_server(env, log) as (port, pid):
                messages = asyncio.run(bench_messages(Target(port, pid, None), params))
        except BaseException:
            print(log.read_text("utf-8", "replace")[-4000:])
            raise
        stored = count_rows(database_url)["messages"]
        commits = commit_times(Path(tmp), synchronous, 100 if params.quick else 300)
    phases = (messages.paced, messages.saturated, messages.alone)
    return {
        "synchronous": synchronous,
        "phases": {phase.name: phase for phase in phases},
        "accepted": sum(phase.accepted for phase in phases),
        "stored": stored,
        "commits": commits,
    }


def pooled(rounds: list[dict[str, Any]], name: str) -> dict[str, Any]:
    phases: list[Phase] = [r["phases"][name] for r in rounds]
    latencies = sorted(o.seconds for p in phases for o in p.outcomes if o.timed) or [0.0]
    wall = sum(p.wall_seconds for p in phases)
    accepted = sum(p.accepted for p in phases)
    other = sum(max(0.0, p.machine_busy_seconds - p.ours) for p in phases)
    return {
        "count": sum(p.count for p in phases),
        "accepted": accepted,
        "per_second": round(accepted / wall, 1),
        "per_second_each_round": [round(p.accepted / p.wall_seconds, 1) for p in phases],
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
        "p99_ms_each_round": [
            ms(percentile(sorted(o.seconds for o in p.outcomes), 99)) for p in phases
        ],
        "server_cpu_ms_per_request": ms(
            sum(p.server_cpu_seconds for p in phases) / max(1, accepted)
        ),
        "other_share_of_machine": round(other / (wall * (os.cpu_count() or 1)), 3),
    }


def _filesystem(path: Path) -> str:
    done = subprocess.run(
        ["df", "--output=fstype", str(path)], capture_output=True, text=True, check=False
    )
    return done.stdout.split()[-1] if done.returncode == 0 and done.stdout.split() else "?"


def run(params: Parameters) -> dict[str, Any]:
    busy_before = wait_for_quiet(QUIET_WAIT_SECONDS)
    code = code_version()
    rounds = []
    for synchronous in ORDER:
        print(f"  round with synchronous={synchronous.upper()} ...", flush=True)
        rounds.append(one_round(synchronous, params))
    settings: dict[str, Any] = {}
    for synchronous in ("normal", "full"):
        mine = [r for r in rounds if r["synchronous"] == synchronous]
        commits = sorted(t for r in mine for t in r["commits"])
        settings[synchronous] = {
            name: pooled(mine, name) for name in ("messages_paced", "messages", "messages_alone")
        }
        settings[synchronous]["commit_ms"] = {
            "count": len(commits),
            "p50": ms(statistics.median(commits)),
            "p99": ms(percentile(commits, 99)),
            "mean": ms(statistics.fmean(commits)),
        }
        settings[synchronous]["lost"] = sum(r["accepted"] - r["stored"] for r in mine)
    return {
        "benchmark": "durability",
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": machine(None),
        "filesystem": _filesystem(Path(tempfile.gettempdir())),
        "busy_share_before": round(busy_before, 3),
        "order": list(ORDER),
        "parameters": {
            "paced_messages": params.paced_messages,
            "paced_rate": params.paced_rate,
            "messages": params.messages,
            "alone_messages": params.alone_messages,
            "clients": params.clients,
            "quick": params.quick,
        },
        "code": code,
        "settings": settings,
    }


METHOD = """## Durability: SQLite `synchronous=FULL` against `NORMAL` (`bench/durability/`)

`.venv/bin/python -m bench.durability [--quick]`

With `NORMAL`, SQLite syncs its write-ahead log to disk only at checkpoints: a power cut (not a
crash of the process, which loses nothing either way) can drop the last letters the server had
already answered 303 to. `FULL` syncs the log at every commit. Homeward runs `FULL` by default
(`HOMEWARD_SQLITE_SYNCHRONOUS=full`); this measures the cost. Four rounds of the real server
(bench/intake/'s set-up: `homeward serve` on loopback, OWASP Argon2id, 32 signed-in contacts,
500-character letters, one in ten with a 20 KiB file), alternating NORMAL, FULL, FULL, NORMAL so
other work on the shared machine falls on both; each round sends 300 messages offered at 50/s
(100 with `--quick`), 500 flat out (150), and 150 one at a time (50); after each round the rows
are counted against the 303 answers. Then, in-process on the same disk, 300 commits of a
one-row transaction through `core.db.Database` (100 with `--quick`): the sync itself, apart from
HTTP and the rest. The figures pool each setting's two rounds.

"""


def _table(result: dict[str, Any]) -> str:
    mach, settings, params = result["machine"], result["settings"], result["parameters"]
    rows = [
        f"{result['when']}, commit `{result['code']['commit'][:10]}`"
        f"{' (quick run)' if params['quick'] else ''}: {mach['cpu_count']} × "
        f"{mach['cpu_model']}, SQLite {mach['sqlite']}, {result['filesystem']} on a virtual "
        f"disk; machine {result['busy_share_before']:.0%} busy just before the run.",
        "",
        "| what | synchronous | per second | each round | p50 ms | p99 ms | p99 each round "
        "| server CPU ms/msg | others' share of machine |",
        "| --- | --- | ---: | --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for label, name in (
        (f"message, offered {params['paced_rate']:.0f}/s", "messages_paced"),
        (f"message, flat out ({params['clients']} contacts)", "messages"),
        ("message, one at a time", "messages_alone"),
    ):
        for synchronous in ("normal", "full"):
            p = settings[synchronous][name]
            rows.append(
                f"| {label} | {synchronous.upper()} | {p['per_second']} "
                f"| {', '.join(map(str, p['per_second_each_round']))} | {p['p50_ms']} "
                f"| {p['p99_ms']} | {', '.join(map(str, p['p99_ms_each_round']))} "
                f"| {p['server_cpu_ms_per_request']} | {p['other_share_of_machine']:.0%} |"
            )
    rows += ["", "| one-row commit, in-process | count | p50 ms | p99 ms | mean ms |"]
    rows.append("| --- | ---: | ---: | ---: | ---: |")
    for synchronous in ("normal", "full"):
        c = settings[synchronous]["commit_ms"]
        rows.append(
            f"| {synchronous.upper()} | {c['count']} | {c['p50']} | {c['p99']} | {c['mean']} |"
        )
    lost = {s: settings[s]["lost"] for s in ("normal", "full")}
    rows += [
        "",
        f"Lost (acknowledged but not stored): NORMAL {lost['normal']}, FULL {lost['full']}.",
        "",
    ]
    return "\n".join(rows)


def write_readme(result: dict[str, Any]) -> None:
    write_section("durability", METHOD + _table(result))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a short run to check it works")
    args = parser.parse_args(argv)
    params = parameters(quick=args.quick)
    print(f"durability on sqlite{' (quick)' if args.quick else ''} ...", flush=True)
    result = run(params)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    for synchronous in ("normal", "full"):
        s = result["settings"][synchronous]
        print(
            f"  {synchronous.upper()}: offered 50/s p99 {s['messages_paced']['p99_ms']} ms; "
            f"flat out {s['messages']['per_second']}/s p99 {s['messages']['p99_ms']} ms; "
            f"commit p50 {s['commit_ms']['p50']} ms; lost {s['lost']}"
        )
    write_readme(result)
    lost = sum(result["settings"][s]["lost"] for s in ("normal", "full"))
    return 1 if lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
