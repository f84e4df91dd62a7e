"""The machine the figures come from: what it is, which code ran, how busy it was, and the
CPU a process tree or a PostgreSQL database used (from /proc)."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import homeward
from bench.harness.readme import (
    BENCH_DIR,
)

QUIET_BUSY_SHARE = 0.15


def _proc_field(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text("utf-8").splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def code_version() -> dict[str, Any]:
    """Which code was measured: the commit, and any uncommitted change to the source it ran."""
    source = Path(homeward.__file__).resolve().parent.parent
    repo = BENCH_DIR.parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.rstrip()

    in_repo = source == repo / "src"
    return {
        "commit": git("rev-parse", "HEAD"),
        "homeward_source": str(source),
        "uncommitted_source_changes": git("status", "--porcelain", "--", "src").splitlines()
        if in_repo
        else "not from this checkout",
    }


def machine(postgres_version: str | None) -> dict[str, Any]:
    mem_kib = _proc_field("/proc/meminfo", "MemTotal").split(" ")[0]
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
        "memory_gib": round(int(mem_kib) / 1024 / 1024, 1) if mem_kib.isdigit() else None,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": postgres_version,
        "kernel": platform.release(),
    }


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    ticks = os.sysconf("SC_CLK_TCK")
    return (total - idle) / ticks, total / ticks


def busy_fraction(seconds: float) -> float:
    """Share of the machine's CPU in use over a short window."""
    busy, total = machine_cpu()
    time.sleep(seconds)
    busy_after, total_after = machine_cpu()
    return (busy_after - busy) / max(1e-9, total_after - total)


def wait_for_quiet(limit_seconds: float = 600.0, quiet: float = QUIET_BUSY_SHARE) -> float:
    """Other work on this machine skews every figure: wait (bounded) until it is mostly idle.
    Returns the busy share seen last, which goes into the results either way."""
    deadline = time.monotonic() + limit_seconds
    busy = busy_fraction(2.0)
    while busy > quiet and time.monotonic() < deadline:
        print(f"  machine {busy:.0%} busy with other work; waiting for it to settle", flush=True)
        time.sleep(10)
        busy = busy_fraction(2.0)
    return busy


def _processes() -> Iterator[tuple[int, int, int, Path]]:
    """(pid, parent pid, CPU ticks, /proc entry) of every process, from /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        rest = raw[raw.rindex(")") + 2 :].split()
        yield int(entry.name), int(rest[1]), int(rest[11]) + int(rest[12]), entry


def process_tree_cpu(root: int) -> float:
    """User + system CPU seconds of a process and its live descendants."""
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for pid, parent, used, _entry in _processes():
        parents[pid], ticks[pid] = parent, used
    tree = {root}
    for _ in range(8):  # a few generations are plenty: server, workers
        tree |= {pid for pid, parent in parents.items() if parent in tree}
    return sum(ticks.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def backend_cpu(database_name: str) -> float:
    """CPU seconds of the PostgreSQL backends serving one database (their process title names
    it), so the database's share is not mistaken for other work on the machine."""
    total = 0
    marker = f" {database_name} ".encode()
    for _pid, _parent, used, entry in _processes():
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if title.startswith(b"postgres:") and marker in title:
            total += used
    return total / os.sysconf("SC_CLK_TCK")
