"""Online match latency: one new report against a registry, one call at a time.

Splink's side is its own `predict_between(registry, query)` with the baseline's trained
model: the registry is registered once, each query (a one-row table) is registered, scored
against the whole registry, and its best five candidates fetched; all three are timed.
Homeward's side is its "who might this be" for one report, after a bulk import."""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from splink import DuckDBAPI, Linker

from bench.identity import baseline

TOP = 5


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max in ms, interpolating between closest ranks (as bench.cases does)."""
    ordered = sorted(samples)

    def at(share: float) -> float:
        position = share * (len(ordered) - 1)
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return {
        "calls": len(ordered),
        "p50_ms": round(at(0.50) * 1000, 1),
        "p99_ms": round(at(0.99) * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
    }


def timed_calls(
    call: Callable[[int], int], count: int, warm_up: int, progress: Callable[[], None]
) -> tuple[list[float], int]:
    """Run call(i) for the warm-up and then `count` timed calls; (seconds each, candidates)."""
    for index in range(warm_up):
        call(index)
    samples: list[float] = []
    found = 0
    for index in range(count):
        started = time.perf_counter()
        found += call(warm_up + index)
        samples.append(time.perf_counter() - started)
        progress()
    return samples, found


def splink_predict_between(
    registry: Path, queries: pd.DataFrame, model: dict[str, Any]
) -> Callable[[int], int]:
    """A call per query row: register it, `predict_between` against the registry, top 5."""
    db_api = DuckDBAPI()
    registry_table = db_api.register(baseline.load(registry))
    linker = Linker(registry_table, model, log_level=logging.WARNING)

    def call(index: int) -> int:
        row = queries.iloc[[index % len(queries)]]
        query_table = db_api.register(row)
        predictions = linker.inference.predict_between(
            registry_table, query_table, warning_mode="never"
        )
        best = (
            predictions.as_duckdbpyrelation()
            .order("match_probability desc")
            .limit(TOP)
            .select("record_id_l, match_probability")
            .fetchall()
        )
        predictions.drop_table_from_database_and_remove_from_cache()
        query_table.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
        return len(best)

    return call


def homeward_who_might_this_be(registry: Path, queries: Path) -> Callable[[int], int] | None:
    """Homeward's online lookup, one report per call, after a bulk import of the registry.

    None until `homeward.identity.service` offers it; the run then records the Splink side
    alone."""
    del registry, queries  # filled in when the service lands
    return None
