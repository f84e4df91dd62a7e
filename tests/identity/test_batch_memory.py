"""The DuckDB that trains and scores a batch is capped in memory and threads
(HOMEWARD_IDENTITY_MEMORY, _THREADS): a tight cap gives the same pairs, probabilities and
clusters as the default one, on a synthetic file of a few thousand reports, and a bad
setting is refused by name."""

from __future__ import annotations

import pytest

from homeward.core.errors import BadInput
from homeward.linkage import connection
from homeward.linkage.batch import dedupe, feature_table, scored_pairs
from homeward.linkage.model import LinkageModel
from homeward.linkage.reports import PersonReport, read_reports, write_reports
from homeward.linkage.synthetic import generator as synth


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> list[PersonReport]:
    # Through the file, as the command reads it (aliases and nationalities as tuples).
    path = tmp_path_factory.mktemp("speed") / "reports.csv"
    write_reports(path, synth.generate(1500, 33))
    return read_reports(path)


def _settings(monkeypatch: pytest.MonkeyPatch, memory: str | None, threads: str | None) -> None:
    for name, value in (("MEMORY", memory), ("THREADS", threads)):
        if value is None:
            monkeypatch.delenv(f"HOMEWARD_IDENTITY_{name}", raising=False)
        else:
            monkeypatch.setenv(f"HOMEWARD_IDENTITY_{name}", value)
    connection.batch_settings.cache_clear()


def test_a_capped_duckdb_gives_the_same_pairs_probabilities_and_clusters(
    reports: list[PersonReport], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(reports) > 3000
    assert any(r.full_name and not r.given_name for r in reports)  # names alone are in it
    table = feature_table(reports, chunk=700)
    model = LinkageModel.default()
    found = {}
    try:
        for memory, threads in ((None, None), ("200MB", "1")):
            _settings(monkeypatch, memory, threads)
            found[memory] = (sorted(scored_pairs(table, model)), dedupe(table, model=model))
    finally:
        connection.batch_settings.cache_clear()
    (pairs, clusters), (capped_pairs, capped_clusters) = found[None], found["200MB"]
    assert len(capped_pairs) == len(pairs) > 1000
    for (a1, b1, p1), (a2, b2, p2) in zip(pairs, capped_pairs, strict=True):
        assert (a1, b1) == (a2, b2)
        assert p1 == pytest.approx(p2, abs=1e-12)
    assert capped_clusters.cluster_of == clusters.cluster_of
    assert (capped_clusters.scored, capped_clusters.pairs, capped_clusters.bins) == (
        clusters.scored,
        clusters.pairs,
        clusters.bins,
    )


def test_duckdb_takes_the_memory_and_threads_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOMEWARD_IDENTITY_MEMORY", "1GB")
    monkeypatch.setenv("HOMEWARD_IDENTITY_THREADS", "1")
    connection.batch_settings.cache_clear()
    try:
        found = (
            connection.capped_connection()
            .sql("SELECT current_setting('memory_limit'), current_setting('threads')")
            .fetchall()[0]
        )
        assert found[1] == 1
        assert found[0].endswith(("MiB", "GiB"))
        assert float(found[0].split()[0]) < 1000
    finally:
        connection.batch_settings.cache_clear()


@pytest.mark.parametrize(("name", "value"), [("MEMORY", "lots"), ("THREADS", "0")])
def test_a_bad_memory_or_thread_setting_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"HOMEWARD_IDENTITY_{name}", value)
    connection.batch_settings.cache_clear()
    try:
        with pytest.raises(BadInput) as refused:
            connection.capped_connection()
        assert "HOMEWARD_IDENTITY_MEMORY" in refused.value.field
    finally:
        connection.batch_settings.cache_clear()


def test_the_default_cap_is_two_gigabytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOMEWARD_IDENTITY_MEMORY", raising=False)
    connection.batch_settings.cache_clear()
    try:
        assert connection.batch_settings().memory == "2GB"
    finally:
        connection.batch_settings.cache_clear()


def test_a_forked_half_gives_the_same_table_as_one_process(reports: list[PersonReport]) -> None:
    """A long list is normalised half here, half in a forked child: the table is the same,
    row for row, and the progress counts every report once."""
    alone = feature_table(reports, chunk=700, fork_from=len(reports) + 1)
    done: list[int] = []
    split = feature_table(reports, done.append, chunk=700, fork_from=1000)
    assert split.num_rows == len(reports)
    assert split.equals(alone)
    assert sum(done) == len(reports)


def test_remembered_exact_match_checks_are_splinks_own_answers() -> None:
    """Training asks Splink, for each level and EM round, whether a level is an exact match;
    the remembered answer (`remember_exact_match_checks`) is the one Splink gives."""
    from splink import DuckDBAPI, Linker
    from splink.internals.comparison_level import ComparisonLevel

    from homeward.linkage.model import splink_settings
    from homeward.linkage.training import SCHEMA, remember_exact_match_checks

    remember_exact_match_checks()
    remember_exact_match_checks()  # twice: still one wrapper, over Splink's own
    wrapper = ComparisonLevel._is_exact_match.fget
    asked = wrapper.asked  # type: ignore[attr-defined]
    assert not getattr(asked, "remembered", False)
    linker = Linker(DuckDBAPI().register(SCHEMA.empty_table()), splink_settings())
    answers = [
        (level._is_exact_match, asked(level))
        for comparison in linker._settings_obj.comparisons
        for level in comparison.comparison_levels
    ]
    assert all(remembered == own for remembered, own in answers)
    assert {own for _, own in answers} == {True, False}
