"""Batch linkage on files: deduplicate a set of reports into clusters, and match query
reports against a registry. Both work offline, without a server or database, and train on
their input when no model is given."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa  # type: ignore[import-untyped]

from homeward.linkage.features import Features, features
from homeward.linkage.model import LinkageModel, splink_settings
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import PersonReport
from homeward.linkage.training import arrow_table, as_table, quiet_splink, train

# Pairs at or above this probability join one cluster (connected components). Chosen on
# the synthetic set (bench/identity): precision and recall balance here.
CLUSTER_THRESHOLD = 0.9

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
    """Each record's cluster, and the model that made them."""

    cluster_of: dict[str, str]
    model: LinkageModel
    pairs: int  # scored pairs at or above the threshold


def feature_table(
    reports: Iterable[PersonReport], advance: Advance | None = None, *, chunk: int = 20_000
) -> pa.Table:
    """`feature_rows` as an Arrow table, built a chunk at a time: a million rows as Python
    dicts would hold several gigabytes at once."""
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


def dedupe(
    rows: Sequence[Features] | pa.Table,
    *,
    model: LinkageModel | None = None,
    threshold: float = CLUSTER_THRESHOLD,
    step: Step | None = None,
) -> Clusters:
    """Cluster reports that are probably one person. Every record gets a cluster; a record
    alone is its own."""
    from splink import DuckDBAPI, Linker

    say = step or (lambda _message: None)
    rows = as_table(rows)
    if model is None:
        model = train(rows, step=lambda part: say(f"training: {part}"))
    quiet_splink()
    db_api = DuckDBAPI()
    table = db_api.register(rows)
    # Blocking belongs to this code's keys (features.py), not to the file's training day.
    settings = dict(model.splink, **_current_blocking())
    linker = Linker(table, settings, log_level=None)
    say("scoring candidate pairs")
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    pairs = predictions.as_duckdbpyrelation().count("*").fetchall()
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
    return Clusters(cluster_of, model, int(pairs[0][0]))
