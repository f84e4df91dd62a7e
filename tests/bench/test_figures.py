"""bench/figures runs at a tiny size on both engines: the programme is inserted with its stage
events and letters, every phase is timed (service, export, HTTP page and workbook), and the
export writes a CSV per table and the workbook."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.figures import run

from tests import helpers

TINY = run.Sizes(cases=300, service_calls=2, http_calls=2, export_calls=1, warm_up=1)


def test_the_bench_runs_at_a_tiny_size(
    engine_name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if engine_name == "postgresql":
        url = helpers.postgres_url()
        assert url is not None
        monkeypatch.setattr(run, "POSTGRES_URL", url)
    result = run.run_engine(engine_name, TINY, quick=True, results=tmp_path, quiet_seconds=0)
    assert result["data"]["cases"] == 300
    assert result["data"]["case_events"] > 300 * 2  # the opening and most cases' moves
    assert result["data"]["letters"] == 300
    assert {key: f["count"] for key, f in result["service"].items()} == {
        "FRA fresh": 2,
        "FRA same": 2,
        "coalition fresh": 2,
        "coalition same": 2,
    }
    assert set(result["http"]) == {
        "page FRA fresh",
        "page FRA same",
        "page coalition fresh",
        "page coalition same",
        "workbook coalition",
    }
    assert all(figures["p99_ms"] > 0 for figures in result["http"].values())
    assert result["export"]["files"] > 5
    assert (tmp_path / f"figures-{engine_name}.json").exists()
