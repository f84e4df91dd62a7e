"""The Spark path, run for real: the same model file on Spark (local mode, one session for
the module) gives the same pairs, probabilities and clusters as on DuckDB.

Needs the optional extra `spark` (pyspark) and Java. Skipped with the reason where they are
missing, except in CI (`CI=true`), which installs both (.ci/run): there it fails instead."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
import pytest
from typer.testing import CliRunner

from homeward.cli.main import app
from homeward.linkage import batch, spark
from homeward.linkage.model import LinkageModel
from homeward.linkage.reports import write_reports
from homeward.linkage.synthetic import generator as synth
from homeward.linkage.training import train

IN_CI = os.environ.get("CI") == "true"
MISSING = [
    what
    for what, present in (
        (
            "pyspark (the optional extra 'spark': make install-spark)",
            importlib.util.find_spec("pyspark"),
        ),
        ("java (Java 17 or newer)", shutil.which("java")),
    )
    if not present
]
if MISSING and not IN_CI:
    pytest.skip(f"the Spark path needs {' and '.join(MISSING)}", allow_module_level=True)

pytestmark = pytest.mark.slow
TOLERANCE = 1e-6


def test_ci_has_what_the_spark_path_needs() -> None:
    """In CI a missing pyspark or Java is a failure, not a skip."""
    assert not MISSING, f"CI must install {' and '.join(MISSING)} (.ci/run)"


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    """One local Spark session (two cores, two shuffle partitions) for the module. Each of
    Splink's steps costs Spark seconds of planning whatever the rows: hence two tests."""
    with spark.local_session(cores=2, partitions=2, memory="2g") as running:
        yield running


@pytest.fixture(scope="module")
def sample() -> tuple[list[Any], pa.Table, LinkageModel]:
    """About 400 synthetic reports, their rows, and a model trained on them (on DuckDB)."""
    reports = synth.generate(170, 17)
    rows = batch.feature_table(reports)
    return reports, rows, train(rows)


def _partition(cluster_of: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for record, cluster in cluster_of.items():
        groups.setdefault(cluster, set()).add(record)
    return {frozenset(group) for group in groups.values()}


def test_spark_scores_the_same_pairs_with_the_same_probabilities(
    session: Any, sample: tuple[list[Any], pa.Table, LinkageModel]
) -> None:
    _, rows, model = sample
    on_duckdb = {(left, right): p for left, right, p in batch.scored_pairs(rows, model)}
    on_spark = {
        (left, right): p for left, right, p in spark.scored_pairs(rows, model, spark=session)
    }
    assert len(on_duckdb) > 100
    assert set(on_spark) == set(on_duckdb)
    worst = max(abs(on_spark[pair] - on_duckdb[pair]) for pair in on_duckdb)
    assert worst <= TOLERANCE
    assert any(p >= batch.CLUSTER_THRESHOLD for p in on_duckdb.values())


def test_cli_engine_spark_writes_what_duckdb_writes(
    session: Any, sample: tuple[list[Any], pa.Table, LinkageModel], tmp_path: Path
) -> None:
    """`homeward identity dedupe --engine spark` (blocking, scoring and clustering on Spark):
    what a registry team runs, no code; the same clusters as on DuckDB."""
    reports, _, model = sample
    source, model_file = tmp_path / "reports.csv", tmp_path / "model.json"
    write_reports(source, reports)
    model.save(model_file)
    written = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.csv"
        args = ["identity", "dedupe", str(source), "--out", str(out), "--model", str(model_file)]
        result = CliRunner().invoke(app, [*args, "--engine", engine])
        assert result.exit_code == 0, result.output
        lines = out.read_text().splitlines()
        written[engine] = _partition(dict(line.split(",") for line in lines[1:]))
        assert len(lines) == len(reports) + 1
    assert written["spark"] == written["duckdb"]


@pytest.mark.xfail(
    strict=True,
    reason="Splink's Spark jaro_winkler (the Scala UDF in its jar) is not DuckDB's "
    "jaro_winkler_similarity on some strings: at a million reports a few hundred of 32.5M "
    "pairs score differently (bench/README.md). To do: a Spark UDF computing DuckDB's.",
)
def test_spark_jaro_winkler_equals_duckdbs(session: Any) -> None:
    import duckdb
    from splink import SparkAPI

    SparkAPI(spark_session=session)  # registers Splink's UDFs on the session
    words = ("hamza yabri", "hamza trabldi")
    on_spark = session.sql(f"SELECT jaro_winkler('{words[0]}', '{words[1]}')").first()[0]
    on_duckdb = duckdb.sql(f"SELECT jaro_winkler_similarity('{words[0]}', '{words[1]}')")
    assert abs(on_spark - on_duckdb.fetchone()[0]) <= TOLERANCE
