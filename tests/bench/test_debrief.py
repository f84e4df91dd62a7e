"""bench/debrief runs at a tiny size on both engines: the world is written through the
services, every phase is timed (services and HTTP), and the exported bundles hold 200 objects
(the run stops otherwise) and import into the partner installation."""

from __future__ import annotations

import pytest
from bench.debrief import run

from tests import helpers

TINY = run.Sizes(
    reports=60, cases=6, list_calls=4, open_calls=4, export_calls=3, http_calls=3, warm_up=1
)


def test_the_bench_runs_at_a_tiny_size(engine_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if engine_name == "postgresql":
        url = helpers.postgres_url()
        assert url is not None
        monkeypatch.setattr(run, "POSTGRES_URL", url)
    result = run.run_engine(engine_name, TINY, quick=True)
    assert result["data"]["seeded"]["reports"] == 60
    assert result["data"]["seeded"]["big"] == TINY.export_calls + TINY.warm_up
    calls = {"list": 4, "open": 4, "export": 3, "import": 3}
    assert {phase: figures["count"] for phase, figures in result["services"].items()} == calls
    assert {phase: figures["count"] for phase, figures in result["http"].items()} == {
        "list": 3,
        "open": 3,
        "export": 3,
    }
    assert all(figures["p99_ms"] > 0 for figures in result["services"].values())
    seen = result["data"]["visible"]
    # The compartment rule shows in the lists: the FRA desk officer (no caveat) sees fewer.
    assert 0 < seen["bench.fra.officer"] < seen["bench.fra.debriefer"] <= 60
    assert result["services"]["export"]["bundle_bytes"] > 20_000
