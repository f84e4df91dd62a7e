"""`identity dedupe` and `match` end by saying what the threshold did: pairs scored, pairs
joined, and how their match probabilities fell; `--threshold` says what it gave on the
project's evaluation. On a small synthetic registry."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from homeward.cli.main import app
from homeward.linkage.reports import write_reports
from homeward.linkage.synthetic import generator as synth

runner = CliRunner()


@pytest.fixture(scope="module")
def crowd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("summary") / "reports.csv"
    reports = synth.generate(300, 9)
    write_reports(path, reports)
    return path, {report.record_id: report.person_id for report in reports}


def test_dedupe_and_match_end_with_what_the_threshold_did(
    crowd: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    path, _ = crowd
    out = tmp_path / "clusters.csv"
    result = runner.invoke(app, ["identity", "dedupe", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    scored, joined, bins = _summary(result.output)
    assert scored > joined > 0
    assert sum(bins.values()) == scored
    assert list(bins) == ["0–0.01", "0.01–0.5", "0.5–0.9", "0.9–0.99", "0.99–1"]
    assert bins["0.9–0.99"] + bins["0.99–1"] == joined
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    registry, queries = tmp_path / "registry.csv", tmp_path / "queries.csv"
    for target, part in ((registry, rows[100:]), (queries, rows[:100])):
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(part)
    matches = tmp_path / "matches.csv"
    result = runner.invoke(
        app,
        ["identity", "match", "--registry", str(registry), "--query", str(queries),
         "--out", str(matches)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    scored, joined, bins = _summary(result.output)
    assert scored >= joined > 0
    assert sum(bins.values()) == scored


def _summary(output: str) -> tuple[int, int, dict[str, int]]:
    """The closing summary: pairs scored, pairs at or above the threshold, pairs per bin."""
    head = re.search(r"([\d,]+) pairs scored, ([\d,]+) at or above 0\.9", output)
    assert head, output
    rows = re.findall(r"│ ([\d.]+–[\d.]+) +│ +([\d,]+) │", output)
    bins = {label: int(count.replace(",", "")) for label, count in rows}
    return int(head[1].replace(",", "")), int(head[2].replace(",", "")), bins


def test_threshold_help_gives_the_evaluation_figures() -> None:
    result = runner.invoke(app, ["identity", "dedupe", "--help"])
    assert "real name" in result.output
    assert "precision" in result.output
