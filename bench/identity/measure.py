"""Running the tools as a user does: a subprocess each, timed, with its peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.identity import data, metrics

PYTHON = data.BIN / "python"


def run(command: list[str], log: Path) -> dict[str, Any]:
    """Run `command` to completion; wall time, exit code, and the maximum resident set size
    of that process alone (os.wait4, not RUSAGE_CHILDREN, which keeps the largest child so
    far). Its output goes to `log`, its progress bar (stderr) to the terminal."""
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, stdout=out, stderr=sys.stderr)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "command": " ".join(Path(part).name if "/" in part else part for part in command),
        "exit_code": process.returncode,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def homeward_dedupe(source: Path, out: Path) -> list[str]:
    return [str(data.HOMEWARD), "identity", "dedupe", str(source), "--out", str(out)]


def baseline_dedupe(source: Path, out: Path) -> list[str]:
    return [str(PYTHON), "-m", "bench.identity", "baseline-dedupe", str(source), str(out)]


def dedupe_and_score(
    tool: str, source: Path, truth: dict[str, str], folder: Path
) -> dict[str, Any]:
    """One tool on one input: the run's figures and, when it wrote its clusters, their
    pairwise precision, recall and F1."""
    out = folder / f"{source.stem}.{tool}.clusters.csv"
    out.unlink(missing_ok=True)
    command = (homeward_dedupe if tool == "homeward" else baseline_dedupe)(source, out)
    print(f"  {tool}: {' '.join(command[-4:])}", flush=True)
    result = run(command, folder / f"{source.stem}.{tool}.log")
    if result["exit_code"] != 0 or not out.exists():
        result["error"] = (folder / f"{source.stem}.{tool}.log").read_text()[-2000:]
        print(f"    failed (exit {result['exit_code']})", flush=True)
        return result
    try:
        score = metrics.pairwise(truth, data.read_clusters(out))
    except ValueError as exc:
        result["error"] = str(exc)
        print(f"    clusters unusable: {exc}", flush=True)
        return result
    result.update(score.as_dict())
    print(
        f"    P {score.precision:.4f} R {score.recall:.4f} F1 {score.f1:.4f}; "
        f"{result['seconds']} s, {result['peak_rss_mib']} MiB",
        flush=True,
    )
    return result
