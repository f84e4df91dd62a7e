"""The run: every data set, both tools, one results file."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import recordlinkage
import splink
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.harness.machine import busy_fraction, machine, wait_for_quiet
from bench.harness.readme import RESULTS_DIR
from bench.identity import baseline, curve, data, measure, metrics, online, readme, variants
from homeward.core.db import utcnow
from homeward.linkage.batch import CLUSTER_THRESHOLD, feature_table, scored_pairs
from homeward.linkage.reports import read_reports
from homeward.linkage.training import train

WORK_DIR = Path(tempfile.gettempdir()) / "homeward-bench-identity"
"""Generated files, kept between runs (the same seed gives the same file)."""
SEED = 5
TOOLS = ("homeward", "baseline")
PARTS = ("febrl", "variants", "synth", "latency", "batch", "batch10m")
CHART = "identity-variants-pr.svg"
BIG_PEOPLE = 443_000
"""About 2.27 reports a person: 1,008,103 reports, so 1,000,000 for the registry and the
batch, and the rest as new reports to look up."""
BATCH_RECORDS = 1_000_000
TEN_MILLION_PEOPLE = 4_430_000
"""About ten million reports (the same generator and seed), for the run that must finish."""
TEN_MILLION_MEMORY = "8GB"
"""DuckDB's cap for that run (HOMEWARD_IDENTITY_MEMORY): at the default 2GB, blocking ten
million reports ran out of memory deduplicating its candidate pairs (about 140M)."""
QUIET_WAIT = 20.0
"""Seconds to wait, at most, for the shared machine to be under 15 % busy before a phase."""


def _commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=False
        ).stdout.strip()

    return {
        "id": git("rev-parse", "--short=10", "HEAD"),
        "uncommitted_src_changes": bool(git("status", "--porcelain", "--", "src")),
    }


def quality(name: str, source: Path, truth: dict[str, str], facts: dict[str, Any]) -> dict:
    print(f"[{name}] {facts['records']:,} records", flush=True)
    return {
        "data": facts,
        "commit": _commit(),
        **{tool: measure.dedupe_and_score(tool, source, truth, WORK_DIR) for tool in TOOLS},
    }


def febrl() -> dict[str, Any]:
    source, truth, facts = data.febrl4(WORK_DIR)
    return quality("febrl4", source, truth, facts)


def real_variants() -> dict[str, Any]:
    """The real-variant set (variants.py): both tools as users run them, then recall on
    the reports that give a name alone, and both tools' scored pairs at every threshold."""
    labelled = variants.build(WORK_DIR, SEED)
    source = WORK_DIR / f"{labelled.stem}.input.csv"
    records = data.split_rows(labelled, {source: (0, 10**9)})
    truth = data.read_truth(labelled)
    alone = variants.name_only(labelled)
    facts = {
        "source": variants.SOURCE,
        "seed": SEED,
        "records": records,
        "true_people": len(set(truth.values())),
        "people_with_several_reports": variants.PEOPLE,
        "name_only_records": len(alone),
    }
    result = quality("real variants", source, truth, facts)
    only = {key: truth[key] for key in alone}
    for tool in TOOLS:
        out = WORK_DIR / f"{source.stem}.{tool}.clusters.csv"
        if "f1" not in result[tool]:
            continue
        clusters = data.read_clusters(out)
        score = metrics.pairwise(only, {key: clusters[key] for key in only})
        result[tool]["name_only"] = score.as_dict()
        print(f"    {tool} on name-only reports: R {score.recall:.4f}", flush=True)
    print("[real variants] scored pairs at every threshold", flush=True)
    table = feature_table(read_reports(source))
    ours = scored_pairs(table, train(table))
    linker, _ = baseline.train(baseline.load(source))
    theirs = [
        (str(a), str(b), float(p))
        for a, b, p in linker.inference.predict()
        .as_duckdbpyrelation()
        .select("record_id_l, record_id_r, match_probability")
        .fetchall()
    ]
    on_names = [
        (str(a), str(b), float(p))
        for a, b, p in baseline.train_names(baseline.load_names(source))
        .inference.predict()
        .as_duckdbpyrelation()
        .select("record_id_l, record_id_r, match_probability")
        .fetchall()
    ]
    result["curve"] = {
        "homeward": curve.points(ours, truth),
        "baseline": curve.points(theirs, truth),
        "baseline_names": curve.points(on_names, truth),
    }
    marks = {
        "homeward": CLUSTER_THRESHOLD,
        "baseline": baseline.THRESHOLD,
        "baseline_names": baseline.THRESHOLD,
    }
    curve.write(RESULTS_DIR / CHART, result["curve"], marks)
    return result


def synthetic(people: int) -> dict[str, Any]:
    labelled = data.synth(WORK_DIR, people, SEED)
    source = WORK_DIR / f"synth-{people}-{SEED}.input.csv"
    records = data.split_rows(labelled, {source: (0, 10**9)})
    truth = data.read_truth(labelled)
    facts = {"people": people, "records": records, "seed": SEED, "true_people": len(truth)}
    facts["true_people"] = len(set(truth.values()))
    return quality(f"synth {people:,} people", source, truth, facts)


def big_files(sizes: tuple[int, ...]) -> tuple[dict[int, Path], Path, Path]:
    """The large synthetic file cut into registries of each size (its first rows) and the
    new reports to look up (rows after the largest registry)."""
    labelled = data.synth(WORK_DIR, BIG_PEOPLE, SEED)
    registries = {size: WORK_DIR / f"registry-{size}.csv" for size in sizes}
    queries = WORK_DIR / "queries.csv"
    wanted = {path: (0, size) for size, path in registries.items() if not path.exists()}
    if not queries.exists():
        wanted[queries] = (BATCH_RECORDS, 10**9)
    if wanted:
        data.split_rows(labelled, wanted)
    return registries, queries, labelled


def _progress(total: int, label: str) -> tuple[Progress, Callable[[int], None]]:
    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    task = progress.add_task(label, total=total)
    return progress, lambda done: progress.advance(task, done)


def _timed(call: Callable[[int], int], calls: int, warm_up: int, label: str) -> dict[str, Any]:
    progress, advance = _progress(calls, label)
    with progress:
        samples, found = online.timed_calls(call, calls, warm_up, lambda: advance(1))
    figures = {**online.percentiles(samples), "candidates": found}
    print(f"  {label}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms", flush=True)
    return figures


def latency(sizes: tuple[int, ...], calls: int, warm_up: int) -> dict[str, Any]:
    registries, queries_path, _ = big_files(sizes)
    queries = baseline.load(queries_path)
    query_reports = read_reports(queries_path)
    train_on = registries[sorted(sizes)[1] if len(sizes) > 1 else sizes[0]]
    print(f"[latency] training the baseline on {train_on.name}", flush=True)
    linker, _ = baseline.train(baseline.load(train_on))
    model = linker.misc.save_model_to_json()
    del linker
    result: dict[str, Any] = {"calls": calls, "warm_up": warm_up, "top": online.TOP}
    result["baseline_trained_on"] = train_on.name
    result["homeward_database"] = "SQLite"
    result["commit"] = _commit()
    with tempfile.TemporaryDirectory(dir=WORK_DIR) as folder:
        ours: online.HomewardOnline | None = None
        try:
            ours = online.HomewardOnline(Path(folder))
        except Exception as exc:  # the service may not exist yet: record why
            result["homeward_error"] = repr(exc)
            print(f"  Homeward online unavailable: {exc!r}", flush=True)
        for size in sorted(sizes):
            print(f"[latency] registry of {size:,} reports", flush=True)
            row: dict[str, Any] = {"homeward": None}
            if ours is not None:
                try:
                    reports = read_reports(registries[size])
                    progress, advance = _progress(size - ours.imported, "  import_reports")
                    with progress:
                        ours.grow(reports, advance)
                    if ours.model is None:
                        train_reports = read_reports(train_on)
                        ours.use_model(train_reports)
                        del train_reports
                        result["homeward_model"] = ours.model_source
                    del reports
                    row["homeward_import_seconds_total"] = round(ours.import_seconds, 1)
                    row["busy_before"] = round(wait_for_quiet(QUIET_WAIT), 2)
                    row["load_before"] = round(os.getloadavg()[0], 2)
                    row["homeward"] = _timed(
                        ours.caller(query_reports), calls, warm_up, "Homeward who_might_this_be"
                    )
                except Exception as exc:  # keep the Splink side's figures
                    row["homeward_error"] = repr(exc)
                    print(f"  Homeward online failed: {exc!r}", flush=True)
            row.setdefault("busy_before", round(wait_for_quiet(QUIET_WAIT), 2))
            call = online.splink_predict_between(registries[size], queries, model)
            row["splink_predict_between"] = _timed(call, calls, warm_up, "Splink predict_between")
            del call
            result[str(size)] = row
        if ours is not None:
            ours.close()
    return result


def batch(records: int) -> dict[str, Any]:
    registries, _, labelled = big_files((records,))
    source = registries[records]
    truth = data.read_truth(labelled)
    truth = {key: truth[key] for key in data.record_ids(source)}
    facts = {"people_generated": BIG_PEOPLE, "records": len(truth), "seed": SEED}
    facts["blocking_pairs_baseline"] = baseline.blocking_counts(source)
    facts["busy_before"] = round(busy_fraction(2.0), 2)
    return quality(f"batch {records:,} reports", source, truth, facts)


def batch_ten_million() -> dict[str, Any]:
    """`homeward identity dedupe` on about ten million reports: the time, the peak memory
    and the pairwise scores. Homeward only: plain Splink's blocking pairs ten million
    reports by the thousand on every common name and does not finish on this machine.
    The truth is read after the run, so the bench holds no 10M-entry table beside it."""
    labelled = data.synth(WORK_DIR, TEN_MILLION_PEOPLE, SEED)
    source = WORK_DIR / f"registry-{TEN_MILLION_PEOPLE}.csv"
    if not source.exists():
        data.split_rows(labelled, {source: (0, 10**9)})
    busy = round(busy_fraction(2.0), 2)
    out = WORK_DIR / f"{source.stem}.homeward.clusters.csv"
    out.unlink(missing_ok=True)
    print(f"[batch ten million] {source.name}", flush=True)
    os.environ["HOMEWARD_IDENTITY_MEMORY"] = TEN_MILLION_MEMORY
    try:
        run = measure.run(measure.homeward_dedupe(source, out), WORK_DIR / f"{source.stem}.log")
    finally:
        del os.environ["HOMEWARD_IDENTITY_MEMORY"]
    if run["exit_code"] == 0 and out.exists():
        truth = data.read_truth(labelled)
        run.update(metrics.pairwise(truth, data.read_clusters(out)).as_dict())
        records = len(truth)
    else:
        run["error"] = (WORK_DIR / f"{source.stem}.log").read_text()[-2000:]
        records = len(data.record_ids(source))
    print(f"  {run}", flush=True)
    facts = {
        "people_generated": TEN_MILLION_PEOPLE,
        "records": records,
        "seed": SEED,
        "duckdb_memory": TEN_MILLION_MEMORY,
    }
    return {"data": {**facts, "busy_before": busy}, "commit": _commit(), "homeward": run}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check it runs")
    parser.add_argument(
        "--only",
        default=",".join(part for part in PARTS if part != "batch10m"),
        help="comma-separated: " + ",".join(PARTS) + " (batch10m, about an hour, only when named)",
    )
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    logging.getLogger("splink").setLevel(logging.WARNING)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / ("identity-quick.json" if args.quick else "identity.json")
    result: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    result.update(
        {
            "machine": machine(None),
            "commit": _commit(),
            "at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "versions": {
                "splink": splink.__version__,
                "duckdb": duckdb.__version__,
                "recordlinkage": recordlinkage.__version__,
            },
            "quick": args.quick,
            "baseline_threshold": baseline.THRESHOLD,
            "homeward_threshold": CLUSTER_THRESHOLD,
        }
    )
    result.setdefault("quality", {})
    result["busy_before"] = round(wait_for_quiet(QUIET_WAIT), 2)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)

    def save() -> None:  # after every part, so a failure later keeps what was measured
        path.write_text(json.dumps(result, indent=2) + "\n")

    if "febrl" in parts:
        result["quality"]["febrl4"] = febrl()
        save()
    if "variants" in parts:
        result["quality"]["real variants"] = real_variants()
        save()
    if "synth" in parts:
        for people in (2_000, 10_000) if args.quick else (10_000, 100_000):
            result["quality"][f"synth-{people}"] = synthetic(people)
            save()
    if "latency" in parts:
        sizes = (10_000, 100_000) if args.quick else (10_000, 100_000, 1_000_000)
        result["latency"] = latency(sizes, 30 if args.quick else 200, 5 if args.quick else 20)
        save()
    if "batch" in parts:
        result["batch"] = batch(100_000 if args.quick else BATCH_RECORDS)
        save()
    if "batch10m" in parts:
        result["batch_10m"] = batch_ten_million()
        save()
    readme.write()
    return 0
