"""Batch dedupe on Spark: the same model file, the same rows and the same blocking as the
DuckDB batch (batch.py), scored by Splink's SparkAPI, for a registry beyond one machine.

pyspark is the optional extra `spark` (`make install-spark`); this module imports without it
and says which extra to install when it is used without it. `local_session` runs Spark on
this machine (local mode, bound to the loopback address); on a cluster, pass its session."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]

from homeward.core.errors import BadInput
from homeward.linkage.batch import (
    BINS,
    CLUSTER_THRESHOLD,
    KEY_CAP,
    SUMMARY_FLOOR,
    Clusters,
    Step,
    prepared,
)
from homeward.linkage.features import Features
from homeward.linkage.model import LinkageModel, splink_settings
from homeward.linkage.training import as_table, quiet_splink, train

EXTRA = "spark"
INSTALL = "make install-spark, or pip install -r requirements-spark.lock"
PARTITIONS = 4
"""Shuffle partitions in local mode: Spark's 200 would make hundreds of tiny tasks per step
on two cores (the test's sample takes minutes with them, seconds with these)."""


def require_pyspark() -> None:
    """Refuse, naming the extra, when pyspark is not installed."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise BadInput(
            "engine", f"spark needs pyspark, in Homeward's optional extra {EXTRA!r}: {INSTALL}"
        ) from exc


@contextmanager
def local_session(
    *, cores: int = 2, partitions: int = PARTITIONS, memory: str = "4g"
) -> Iterator[Any]:
    """A Spark session on this machine with Splink's similarity functions (jaro_winkler and
    the rest, from the jar Splink ships), its scratch files in a folder removed at the end.
    A session already running in this process (a test's) is used as it is, and left running."""
    require_pyspark()
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    with tempfile.TemporaryDirectory(prefix="homeward-spark-") as scratch:
        spark = (
            SparkSession.builder.master(f"local[{cores}]")
            .appName("homeward-identity")
            .config("spark.jars", similarity_jar_location())
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", str(partitions))
            .config("spark.default.parallelism", str(partitions))
            .config("spark.local.dir", scratch)
            .config("spark.sql.warehouse.dir", str(Path(scratch) / "warehouse"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        try:
            yield spark
        finally:
            spark.stop()


def _linker(spark: Any, rows: pa.Table, model: LinkageModel, scratch: Path, cap: int) -> Any:
    """A Splink linker on Spark over the rows as the DuckDB batch scores them (the same key
    cap), read from Parquet as a cluster reads `homeward identity features`."""
    from pyarrow import parquet
    from splink import Linker, SparkAPI

    quiet_splink()
    logging.getLogger("py4j").setLevel(logging.ERROR)
    path = scratch / "rows.parquet"
    parquet.write_table(prepared(rows, model, cap), path)
    # Splink breaks each step's lineage by writing it as Parquet to the checkpoint folder:
    # `persist` keeps the plans, which grow with every clustering round until the driver runs
    # out of memory (seen on 400 reports with 2 GiB).
    spark.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    api = SparkAPI(spark_session=spark, break_lineage_method="parquet")  # type: ignore[no-untyped-call]
    blocking = splink_settings()["blocking_rules_to_generate_predictions"]
    settings = dict(model.splink_for("spark"), blocking_rules_to_generate_predictions=blocking)
    return Linker(api.register(spark.read.parquet(str(path))), settings, log_level=None)


@contextmanager
def _session(spark: Any | None) -> Iterator[Any]:
    if spark is not None:
        yield spark
    else:
        with local_session() as session:
            yield session


def scored_pairs(
    rows: Sequence[Features] | pa.Table,
    model: LinkageModel,
    *,
    spark: Any | None = None,
    cap: int = KEY_CAP,
) -> list[tuple[str, str, float]]:
    """Every candidate pair Spark scores, with its match probability (`batch.scored_pairs`
    on Spark: tests/identity/test_spark.py holds the two to 1e-6)."""
    rows = as_table(rows)
    with _session(spark) as session, tempfile.TemporaryDirectory() as scratch:
        linker = _linker(session, rows, model, Path(scratch), cap)
        found = (
            linker.inference.predict()
            .as_spark_dataframe()
            .select("record_id_l", "record_id_r", "match_probability")
            .collect()
        )
    return [(str(left), str(right), float(p)) for left, right, p in found]


def dedupe(
    rows: Sequence[Features] | pa.Table,
    *,
    model: LinkageModel | None = None,
    threshold: float = CLUSTER_THRESHOLD,
    step: Step | None = None,
    spark: Any | None = None,
    cap: int = KEY_CAP,
) -> Clusters:
    """`batch.dedupe` on Spark: the same clusters from the same model. Without a model, one
    is trained on the input first, with DuckDB as in the batch (training samples pairs, so
    it needs no cluster)."""
    from pyspark.sql import functions

    say = step or (lambda _message: None)
    rows = as_table(rows)
    if model is None:
        model = train(rows, step=lambda part: say(f"training: {part}"))
    say("starting Spark")
    with _session(spark) as session, tempfile.TemporaryDirectory() as scratch:
        linker = _linker(session, rows, model, Path(scratch), cap)
        say("scoring candidate pairs on Spark")
        scored = linker.inference.compute_blocked_pairs_for_predict().as_spark_dataframe().count()
        floor = min(threshold, SUMMARY_FLOOR)
        predictions = linker.inference.predict(threshold_match_probability=floor)
        probability = functions.col("match_probability")
        counts = (
            predictions.as_spark_dataframe()
            .agg(
                *(
                    functions.count(functions.when(probability >= edge, 1))
                    for edge in (*BINS, threshold)
                )
            )
            .first()
        )
        *at_least, joined = (int(value) for value in counts)
        kept = [int(scored), *at_least]
        bins = (*(high - low for high, low in pairwise(kept)), kept[-1])
        say("clustering on Spark")
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        found = clusters.as_spark_dataframe().select("record_id", "cluster_id").toArrow()
    cluster_of = dict(
        zip(
            (str(value) for value in found.column("record_id").to_pylist()),
            (str(value) for value in found.column("cluster_id").to_pylist()),
            strict=True,
        )
    )
    return Clusters(cluster_of, model, joined, int(scored), bins)
