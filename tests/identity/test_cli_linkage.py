"""`homeward identity dedupe / match / train` as a user runs them: files in, files out,
offline, training on the input when no model is given."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homeward.cli.main import app
from homeward.linkage.reports import COLUMNS, write_reports
from homeward.linkage.synthetic import generator as synth

runner = CliRunner()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A labelled synthetic registry split into registry and queries."""
    path = tmp_path_factory.mktemp("linkage")
    reports = synth.generate(1200, 5)
    write_reports(path / "all.csv", reports, truth=True)
    write_reports(path / "registry.csv", reports[200:])
    write_reports(path / "queries.csv", reports[:200])
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _pairs(groups: dict[str, str]) -> set[tuple[str, str]]:
    members: dict[str, list[str]] = {}
    for record, group in groups.items():
        members.setdefault(group, []).append(record)
    return {(a, b) for ids in members.values() for a in ids for b in ids if a < b}


def test_dedupe_writes_a_cluster_for_every_row_and_finds_people(folder: Path) -> None:
    out = folder / "clusters.csv"
    model = folder / "model.json"
    result = runner.invoke(
        app,
        ["identity", "dedupe", str(folder / "all.csv"), "--out", str(out),
         "--save-model", str(model)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    written = _rows(out)
    truth = {row["record_id"]: row["person_id"] for row in _rows(folder / "all.csv")}
    assert list(written[0]) == ["record_id", "cluster_id"]
    assert [row["record_id"] for row in written] == list(truth)
    predicted = _pairs({row["record_id"]: row["cluster_id"] for row in written})
    true_pairs = _pairs(truth)
    correct = len(predicted & true_pairs)
    assert correct / len(predicted) > 0.9, "precision"
    assert correct / len(true_pairs) > 0.45, "recall"
    assert Counter(row["cluster_id"] for row in written).most_common(1)[0][1] < 15
    assert model.exists()


def test_dedupe_with_a_saved_model_gives_the_same_clusters(folder: Path) -> None:
    model = folder / "model.json"
    if not model.exists():
        test_dedupe_writes_a_cluster_for_every_row_and_finds_people(folder)
    first, second = folder / "first.csv", folder / "second.csv"
    for out in (first, second):
        result = runner.invoke(
            app,
            ["identity", "dedupe", str(folder / "all.csv"), "--out", str(out),
             "--model", str(model)],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    assert first.read_text() == second.read_text()


def test_match_ranks_candidates_per_query(folder: Path) -> None:
    out = folder / "matches.csv"
    result = runner.invoke(
        app,
        [
            "identity", "match", "--registry", str(folder / "registry.csv"),
            "--query", str(folder / "queries.csv"), "--out", str(out), "--top", "3",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows[0]) == ["query_id", "record_id", "probability", "rank"]
    per_query: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        per_query.setdefault(row["query_id"], []).append(row)
    for found in per_query.values():
        assert [int(row["rank"]) for row in found] == list(range(1, len(found) + 1))
        probabilities = [float(row["probability"]) for row in found]
        assert probabilities == sorted(probabilities, reverse=True)
        assert all(0.0 <= p <= 1.0 for p in probabilities)
    truth = {row["record_id"]: row["person_id"] for row in _rows(folder / "all.csv")}
    firsts = [found[0] for found in per_query.values() if float(found[0]["probability"]) > 0.9]
    right = sum(truth[row["query_id"]] == truth[row["record_id"]] for row in firsts)
    assert len(firsts) > 40
    assert right / len(firsts) > 0.9


def test_bad_file_is_refused_with_line_and_field_and_nothing_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(",".join(COLUMNS) + "\nr1,,,,,,,31/02/1990,,,,,\n", encoding="utf-8")
    out = tmp_path / "clusters.csv"
    result = runner.invoke(app, ["identity", "dedupe", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert "line 2" in result.output
    assert "dob" in result.output
    assert not out.exists()


def test_too_small_a_file_to_train_on_says_so(tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    write_reports(small, synth.generate(5, 1))
    result = runner.invoke(
        app, ["identity", "dedupe", str(small), "--out", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 2
    assert "too few" in result.output


def test_train_writes_a_model_that_dedupe_reads(folder: Path, tmp_path: Path) -> None:
    model = tmp_path / "trained.json"
    result = runner.invoke(
        app, ["identity", "train", str(folder / "registry.csv"), "--out", str(model)]
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "clusters.csv"
    result = runner.invoke(
        app,
        ["identity", "dedupe", str(folder / "queries.csv"), "--out", str(out),
         "--model", str(model)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(_rows(out)) == 200


def test_features_and_spark_settings_for_a_registry_beyond_one_machine(
    folder: Path, tmp_path: Path
) -> None:
    """The Spark path: model rows as Parquet, and the model's conditions in Spark SQL."""
    import json

    import sqlglot
    from pyarrow import parquet  # type: ignore[import-untyped]

    rows_file = tmp_path / "rows.parquet"
    result = runner.invoke(
        app, ["identity", "features", str(folder / "queries.csv"), "--out", str(rows_file)]
    )
    assert result.exit_code == 0, result.output
    table = parquet.read_table(rows_file)
    assert table.num_rows == 200
    assert {"record_id", "given_key", "name_tokens", "bk_full"} <= set(table.column_names)
    settings_file = tmp_path / "spark.json"
    result = runner.invoke(app, ["identity", "splink-settings", "--out", str(settings_file)])
    assert result.exit_code == 0, result.output
    settings = json.loads(settings_file.read_text())
    assert settings["sql_dialect"] == "spark"
    conditions = [
        level["sql_condition"]
        for comparison in settings["comparisons"]
        for level in comparison["comparison_levels"]
        if level["sql_condition"] != "ELSE"
    ]
    for condition in conditions:
        sqlglot.parse_one(condition, read="spark")
        assert "list_contains" not in condition
        assert "jaro_winkler_similarity" not in condition
    assert any("jaro_winkler(" in condition for condition in conditions)
    refused = runner.invoke(
        app, ["identity", "splink-settings", "--out", str(settings_file), "--dialect", "oracle"]
    )
    assert refused.exit_code == 2
    assert "dialect" in refused.output


def _dirty(folder: Path, tmp_path: Path) -> tuple[Path, Path, list[list[str]]]:
    """The query file with three invalid cells as registries have them (month 90, 31
    February, a nation by name), and the same file with those cells empty."""
    rows = _rows(folder / "queries.csv")
    bad = {(1, "dob"): "1918-90-11", (4, "dob"): "1948-02-31", (6, "nationality"): "FRANCE"}
    dirty, clean = tmp_path / "dirty.csv", tmp_path / "clean.csv"
    expected = []
    for path, blank in ((dirty, False), (clean, True)):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
            writer.writeheader()
            for index, row in enumerate(rows):
                cells = dict(row)
                for (at, name), value in bad.items():
                    if at == index:
                        cells[name] = "" if blank else value
                        if not blank:
                            expected.append(["dirty.csv", str(index + 2), name, value])
                writer.writerow(cells)
    return dirty, clean, expected


def test_dirty_file_refused_by_default_and_read_with_invalid_blank(
    folder: Path, tmp_path: Path
) -> None:
    dirty, clean, expected = _dirty(folder, tmp_path)
    out = tmp_path / "clusters.csv"
    report = tmp_path / "clusters.csv.invalid.csv"
    refused = runner.invoke(app, ["identity", "dedupe", str(dirty), "--out", str(out)])
    assert refused.exit_code == 2
    for line in ("line 3, dob", "line 6, dob", "line 8, nationality"):
        assert line in refused.output
    assert not out.exists()
    assert not report.exists()

    model = tmp_path / "model.json"
    result = runner.invoke(
        app,
        ["identity", "dedupe", str(dirty), "--out", str(out), "--invalid", "blank",
         "--save-model", str(model)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 invalid cell(s) blanked (dob 2, nationality 1)" in " ".join(result.output.split())
    listed = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert listed[0] == ["file", "line", "field", "value", "why"]
    assert [row[:4] for row in listed[1:]] == expected
    assert [len(_rows(out))] == [200]

    # Nothing else changes: the dirty file blanked clusters as the file cleaned by hand.
    blanked, cleaned = tmp_path / "blanked.csv", tmp_path / "cleaned.csv"
    for source, target, extra in ((dirty, blanked, ["--invalid", "blank"]), (clean, cleaned, [])):
        args = ["identity", "dedupe", str(source), "--out", str(target), "--model", str(model)]
        result = runner.invoke(app, [*args, *extra])
        assert result.exit_code == 0, result.output
    assert blanked.read_text() == cleaned.read_text()


def test_invalid_blank_on_match_and_features_reports_beside_the_output(
    folder: Path, tmp_path: Path
) -> None:
    dirty, _, expected = _dirty(folder, tmp_path)
    out = tmp_path / "matches.csv"
    result = runner.invoke(
        app,
        ["identity", "match", "--registry", str(folder / "registry.csv"), "--query", str(dirty),
         "--out", str(out), "--invalid", "blank"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = (tmp_path / "matches.csv.invalid.csv").read_text(encoding="utf-8-sig")
    assert [row[:4] for row in csv.reader(report.splitlines())][1:] == expected
    rows_file = tmp_path / "rows.parquet"
    result = runner.invoke(
        app, ["identity", "features", str(dirty), "--out", str(rows_file), "--invalid", "blank"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rows.parquet.invalid.csv").exists()


def test_invalid_blank_still_refuses_a_bad_record_id(tmp_path: Path) -> None:
    """A record_id cannot be blanked (the output is keyed by it): the file is refused,
    naming the line, and nothing is written."""
    path = tmp_path / "ids.csv"
    path.write_text(
        ",".join(COLUMNS) + "\nr1,,,,,,,1918-90-11,,,,,\nr 2,,,,,,,,,,,,\nr1,,,,,,,,,,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "rows.parquet"
    result = runner.invoke(
        app, ["identity", "features", str(path), "--out", str(out), "--invalid", "blank"]
    )
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "blanking cannot mend" in output
    assert "line 3, record_id" in output
    assert "line 4, record_id: 'r1' already on line 2" in output
    assert "line 2, dob" not in output
    assert not out.exists()
    assert not (tmp_path / "rows.parquet.invalid.csv").exists()


def test_spark_engine_without_pyspark_names_the_extra(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if the extra were not installed
    out = tmp_path / "clusters.csv"
    result = runner.invoke(
        app, ["identity", "dedupe", str(folder / "queries.csv"), "--out", str(out),
              "--engine", "spark"],
    )  # fmt: skip
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "engine: spark needs pyspark, in Homeward's optional extra 'spark'" in output
    assert "make install-spark" in output
    assert not out.exists()
