"""Batch linkage on files: deduplicate a set of reports into clusters, and match query
reports against a registry. Both work offline, without a server or database, and train on
their input when no model is given."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from homeward.linkage.connection import capped_connection
from homeward.linkage.features import (
    BATCH_KEYS,
    BATCH_LIST_KEYS,
    LIST_KEYS,
    Features,
    features,
)
from homeward.linkage.model import LinkageModel, splink_settings
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import PersonReport
from homeward.linkage.training import (
    arrow_table,
    as_table,
    keep_in_lists,
    quiet_splink,
    train,
    with_uncommon,
)

# Pairs at or above this probability join one cluster (connected components). Chosen on
# the synthetic set (bench/identity): precision and recall balance here.
CLUSTER_THRESHOLD = 0.9
# A blocking key value shared by more reports than this is dropped in the batch: it would
# pair them all (n²/2) and says little: a full name or a name word without a date, and also a
# common name with a year ("mohammed|1990|a"). Measured on a million synthetic reports
# (bench/identity, seed 5, one model): date-less keys capped at 100 gave 35.4M pairs to score
# and F1 0.506; every key capped at 30, 14.1M pairs and F1 0.506; at 20, 9.7M and F1 0.504.
KEY_CAP = 30
# A document number is kept whatever its count: reports sharing one are one man or a typo.
UNCAPPED_KEYS = frozenset({"bk_document"})
BATCH_CAPPED_KEYS = tuple(
    name for name in (*BATCH_KEYS, *LIST_KEYS, *BATCH_LIST_KEYS) if name not in UNCAPPED_KEYS
)
# Pairs below this probability are counted, not kept: the summary's lowest bin.
SUMMARY_FLOOR = 0.01
# Upper bounds of the summary's bins of match probability (the last bin ends at 1).
BINS = (SUMMARY_FLOOR, 0.5, 0.9, 0.99)

Advance = Callable[[int], None]
Step = Callable[[str], None]


def feature_rows(reports: Iterable[PersonReport], advance: Advance | None = None) -> list[Features]:
    """Normalise reports into model rows, in order, reporting progress every 10,000.
    (Worker processes were tried: shipping a million rows back costs more than they save.)"""
    rows: list[Features] = []
    for report in reports:
        rows.append(features(normalise(report)))
        if advance and len(rows) % 10_000 == 0:
            advance(10_000)
    if advance:
        advance(len(rows) % 10_000)
    return rows


def _current_blocking() -> dict[str, object]:
    rules = splink_settings()["blocking_rules_to_generate_predictions"]
    return {"blocking_rules_to_generate_predictions": rules}


@dataclass(frozen=True, slots=True)
class Clusters:
    """Each record's cluster, the model that made them, and what the threshold did."""

    cluster_of: dict[str, str]
    model: LinkageModel
    pairs: int  # scored pairs at or above the threshold
    scored: int = 0  # candidate pairs the model scored
    bins: tuple[int, ...] = field(default_factory=tuple)  # pairs per `bin_labels()` bin


def bin_labels() -> list[str]:
    """Labels of the summary's bins of match probability."""
    edges = (0.0, *BINS, 1.0)
    return [f"{low:g}–{high:g}" for low, high in pairwise(edges)]


def bin_counts(probabilities: Iterable[float]) -> tuple[int, ...]:
    """How many probabilities fall in each bin of `bin_labels()`."""
    counts = [0] * (len(BINS) + 1)
    for probability in probabilities:
        counts[sum(probability >= edge for edge in BINS)] += 1
    return tuple(counts)


def capped(table: pa.Table, cap: int = KEY_CAP) -> pa.Table:
    """The table with every blocking key value shared by more than `cap` reports made null
    (or taken out of a list key): the batch's per-key cap."""
    for column in BATCH_CAPPED_KEYS:
        values = table.column(column)
        listed = pa.types.is_list(values.type)
        flat = pc.list_flatten(values) if listed else values.drop_null()
        counts = pc.value_counts(flat)
        common = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), cap))
        if len(common) == 0:
            continue
        if listed:
            replaced = keep_in_lists(values, _not_in(common))
        else:
            replaced = pc.if_else(pc.is_in(values, value_set=common), None, values)
        table = table.set_column(table.schema.get_field_index(column), column, replaced)
    return table


def _not_in(values: pa.Array) -> Callable[[pa.Array], pa.Array]:
    def keep(flat: pa.Array) -> pa.Array:
        return pc.invert(pc.is_in(flat, value_set=values))

    return keep


def prepared(rows: pa.Table, model: LinkageModel, cap: int = KEY_CAP) -> pa.Table:
    """The rows a model scores: its uncommon name words marked, common keys capped."""
    return capped(with_uncommon(rows, model.common_words), cap)


def feature_table(
    reports: Iterable[PersonReport],
    advance: Advance | None = None,
    *,
    chunk: int = 20_000,
    fork_from: int | None = None,
) -> pa.Table:
    """`feature_rows` as an Arrow table. A list of `fork_from` (default `FORK_FROM`) reports
    or more is split between this process and a forked one (`_forked_features`)."""
    if (
        isinstance(reports, Sequence)
        and len(reports) >= (FORK_FROM if fork_from is None else fork_from)
        and hasattr(os, "fork")
        and (os.cpu_count() or 1) > 1
    ):
        return _forked_features(reports, advance, chunk)
    return _features_in_chunks(reports, advance, chunk)


# Reports from which `feature_table` uses a second process: below, the fork costs more than
# the second core gives.
FORK_FROM = 50_000


def _features_in_chunks(
    reports: Iterable[PersonReport], advance: Advance | None, chunk: int
) -> pa.Table:
    """Built a chunk at a time: a million rows as Python dicts would hold several
    gigabytes at once."""
    batches = []
    rows: list[Features] = []
    for report in reports:
        rows.append(features(normalise(report)))
        if len(rows) == chunk:
            batches.append(arrow_table(rows))
            if advance:
                advance(len(rows))
            rows = []
    batches.append(arrow_table(rows))
    if advance:
        advance(len(rows))
    return pa.concat_tables(batches)


def _forked_features(
    reports: Sequence[PersonReport], advance: Advance | None, chunk: int
) -> pa.Table:
    """The second half of the reports normalised in a forked child, which inherits them
    (nothing is copied to it) and sends back only its Arrow table, over a pipe. Normalising
    is pure Python, one core per process; the first try, which sent the reports to worker
    processes, lost more in sending than the second core gave (30 s against 21 s for
    200,000 reports). The child touches nothing the parent's threads hold (no progress, no
    log): it computes, writes its table and exits."""
    half = len(reports) // 2
    receive, send = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's lines run in the forked process
        code = 1
        try:
            os.close(receive)
            table = _features_in_chunks(reports[half:], None, chunk)
            with os.fdopen(send, "wb") as sink, pa.ipc.new_stream(sink, table.schema) as out:
                out.write_table(table)
            code = 0
        finally:
            os._exit(code)
    os.close(send)
    source = os.fdopen(receive, "rb")
    try:
        mine = _features_in_chunks(reports[:half], advance, chunk)
        theirs = pa.ipc.open_stream(source).read_all()
    finally:
        source.close()  # on a failure here, the child's write fails too and it exits
        _, status = os.waitpid(child, 0)
    if status != 0 or theirs.num_rows != len(reports) - half:
        raise RuntimeError("normalising the second half of the reports failed")
    if advance:
        advance(theirs.num_rows)
    return pa.concat_tables([mine, theirs])


def _linker(rows: pa.Table, model: LinkageModel, cap: int) -> object:
    from splink import DuckDBAPI, Linker

    quiet_splink()
    table = DuckDBAPI(connection=capped_connection()).register(prepared(rows, model, cap))
    # Blocking belongs to this code's keys (features.py), not to the file's training day.
    settings = dict(model.splink, **_current_blocking())
    return Linker(table, settings, log_level=None)


def scored_pairs(
    rows: Sequence[Features] | pa.Table, model: LinkageModel, *, cap: int = KEY_CAP
) -> list[tuple[str, str, float]]:
    """Every candidate pair the batch scores, with its match probability (for measuring a
    threshold: bench/identity draws its precision-recall curve from these)."""
    linker: Any = _linker(as_table(rows), model, cap)
    relation = linker.inference.predict().as_duckdbpyrelation()
    found = relation.select("record_id_l, record_id_r, match_probability").fetchall()
    return [(str(left), str(right), float(p)) for left, right, p in found]


def dedupe(
    rows: Sequence[Features] | pa.Table,
    *,
    model: LinkageModel | None = None,
    threshold: float = CLUSTER_THRESHOLD,
    step: Step | None = None,
    cap: int = KEY_CAP,
) -> Clusters:
    """Cluster reports that are probably one person. Every record gets a cluster; a record
    alone is its own."""
    say = step or (lambda _message: None)
    rows = as_table(rows)
    if model is None:
        model = train(rows, step=lambda part: say(f"training: {part}"))
    linker: Any = _linker(rows, model, cap)
    say("scoring candidate pairs")
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    scored = int(blocked.as_duckdbpyrelation().count("*").fetchall()[0][0])
    # Kept from a low floor, not the threshold, so the summary can show where the rest fell.
    floor = min(threshold, SUMMARY_FLOOR)
    predictions = linker.inference.predict(threshold_match_probability=floor)
    relation = predictions.as_duckdbpyrelation()
    cases = ", ".join(
        f"count(*) FILTER (WHERE match_probability >= {edge})" for edge in (*BINS, threshold)
    )
    counts = [int(value) for value in relation.aggregate(cases).fetchall()[0]]
    *at_least, joined = counts
    kept = [scored, *at_least]  # pairs at or above each lower edge (0 first)
    bins = (*(high - low for high, low in pairwise(kept)), kept[-1])
    say("clustering")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    cluster_of = {
        str(record_id): str(cluster_id)
        for record_id, cluster_id in clusters.as_duckdbpyrelation()
        .select("record_id, cluster_id")
        .fetchall()
    }
    return Clusters(cluster_of, model, joined, scored, bins)
