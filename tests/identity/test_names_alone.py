"""Reports that give a full name and nothing else: split into words the comparisons use,
blocked together without a date (with a cap on common words), linked by the batch, and the
threshold explained at the end of `dedupe` and `match`.

The crowd is built at test time from real spellings of real names (Wikidata labels, CC0 1.0,
as shipped in arabic-name-romanizer's names.sqlite3, a dependency): bench/identity/variants.py,
smaller. Nothing of it is stored in this repository."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from bench.identity import metrics, variants
from typer.testing import CliRunner

from homeward.core.runtime import Runtime
from homeward.identity import imports, search
from homeward.identity import service as identity
from homeward.linkage.batch import capped, dedupe, feature_table, scored_pairs
from homeward.linkage.comparisons import COMPARISONS
from homeward.linkage.features import blocking_keys, features
from homeward.linkage.model import LinkageModel
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import PersonReport, read_reports, write_reports
from homeward.linkage.training import train
from tests import helpers
from tests.identity.online_world import principal, using_real_model

# Pairs missed on the issue's held-out real set (issue 14): one person each.
MUST_MATCH = (
    (PersonReport("k1", full_name="KIM YONG CHOL"), PersonReport("k2", full_name="Kim Yong-Chol")),
    (
        PersonReport("h1", full_name="Husayn Muhamad Husayn al-Juaythini"),
        PersonReport("h2", full_name="Husayn Muhammad Husayn al-Juaythini"),
    ),
    (
        PersonReport("h3", full_name="Husayn Muhammad Husayn al-Juaythini", dob="1977-05-03"),
        PersonReport("h4", full_name="Hussein Mohammed Hussein Aljeithni", dob="1977-05-03"),
    ),
)
runner = CliRunner()


@pytest.fixture(scope="module")
def crowd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """About 1,800 full-name reports of real variants, the issue's pairs among them."""
    folder = tmp_path_factory.mktemp("names-alone")
    labelled = variants.build(folder, seed=3, linked=300, others=600)
    reports = read_reports(labelled)
    for number, pair in enumerate(MUST_MATCH):
        reports += [replace(report, person_id=f"issue-{number}") for report in pair]
    path = folder / "crowd.csv"
    write_reports(path, reports)
    return path, {report.record_id: report.person_id for report in reports}


def _word(number: int) -> str:
    """A made-up word per number whose key is its own ("babada", "babafa", ...)."""
    return "".join("bdfglmnprt"[int(digit)] + "a" for digit in f"{number:03d}").title()


@pytest.fixture(scope="module")
def model(crowd: tuple[Path, dict[str, str]]) -> LinkageModel:
    return train(feature_table(read_reports(crowd[0])))


def test_a_full_name_alone_is_split_into_words_not_a_guessed_family_name() -> None:
    keys = normalise(PersonReport("x", full_name="Husayn Muhammad Husayn al-Juaythini"))
    assert (keys.given_key, keys.family_key) == ("", "")
    assert keys.name_words == sorted({"husn", "muhmd", "yutni"})
    registry = normalise(PersonReport("r", full_name="BEN ALI Mohammed"))
    assert (registry.given_key, registry.family_key) == ("muhmd", "banali")


@pytest.mark.parametrize(("left", "right"), MUST_MATCH)
def test_full_names_without_a_date_share_a_blocking_key(
    left: PersonReport, right: PersonReport
) -> None:
    undated = [
        normalise(PersonReport(report.record_id, full_name=report.full_name))
        for report in (left, right)
    ]
    assert blocking_keys(undated[0]) & blocking_keys(undated[1])


def test_the_batch_scores_undated_full_names_together(model: LinkageModel) -> None:
    rows = [features(normalise(report)) for pair in MUST_MATCH for report in pair]
    filler = [
        features(normalise(PersonReport(f"f{i}", full_name=f"Zed {_word(i)}"))) for i in range(60)
    ]
    pairs = {(a, b) for a, b, _ in scored_pairs([*rows, *filler], model)}
    for left, right in MUST_MATCH:
        assert (left.record_id, right.record_id) in pairs or (
            right.record_id,
            left.record_id,
        ) in pairs


def test_a_common_word_is_capped_a_rare_one_kept() -> None:
    common = [PersonReport(f"c{i}", full_name=f"Muhammad {_word(i)}") for i in range(150)]
    rare = [
        PersonReport("r1", full_name="Yusuf Juaythini"),
        PersonReport("r2", full_name="Juaythini Y."),
    ]
    table = feature_table([*common, *rare])
    before = table.column("bk_words").to_pylist()
    assert "muhmd" in before[0]
    after = capped(table, cap=100).column("bk_words").to_pylist()
    assert all("muhmd" not in (words or []) for words in after)
    assert "yutni" in after[-1]
    assert "yutni" in after[-2]
    assert capped(table, cap=200).column("bk_words").to_pylist() == before


def test_a_common_word_alone_does_not_pair_every_report(model: LinkageModel) -> None:
    """150 reports sharing only "Muhammad": capped, they are not 11,175 candidate pairs."""
    common = [PersonReport(f"c{i}", full_name=f"Muhammad {_word(i)}") for i in range(150)]
    assert len(scored_pairs(feature_table(common), model)) < 500


def test_the_issue_pairs_are_linked_and_the_crowd_mostly_right(
    crowd: tuple[Path, dict[str, str]], model: LinkageModel
) -> None:
    path, truth = crowd
    result = dedupe(feature_table(read_reports(path)), model=model)
    cluster = {key: result.cluster_of.get(key, key) for key in truth}
    for left, right in MUST_MATCH:
        assert cluster[left.record_id] == cluster[right.record_id], (left, right)
    score = metrics.pairwise(truth, cluster)
    assert score.precision >= 0.95
    assert score.recall >= 0.5
    assert result.scored > result.pairs > 0
    assert sum(result.bins) == result.scored


def test_in_process_scores_equal_splink_on_full_names(
    crowd: tuple[Path, dict[str, str]], model: LinkageModel
) -> None:
    """The word-by-word levels (within, alike, initials) read the same in SQL and Python."""
    rows = {row["record_id"]: row for row in map(features, map(normalise, read_reports(crowd[0])))}
    pairs = scored_pairs(list(rows.values()), model)
    assert len(pairs) > 1000
    levels: set[str] = set()
    for left, right, probability in pairs:
        scored = model.score_rows(rows[left], rows[right])
        assert scored.probability == pytest.approx(probability, abs=1e-9)
        levels.update(e.level for e in scored.evidence if e.comparison == "other_names")
    names = next(c for c in COMPARISONS if c.name == "other_names")
    assert {level.label for level in names.levels if not level.null} <= levels


@pytest.fixture
def identity_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkageModel]:
    with using_real_model(tmp_path_factory.mktemp("model")) as model:
        yield model


def test_who_might_this_be_finds_a_full_name_alone_without_a_date(
    runtime: Runtime, personas: helpers.Personas, identity_model: LinkageModel
) -> None:
    """Online, the same keys: a report giving only "Kim Yong-Chol" is found for "KIM YONG
    CHOL", and "Husayn Muhammad Husayn al-Juaythini" for another spelling, no date on either
    side, among 150 reports that share "Muhammad" (a key past the cap)."""
    fra = principal(runtime, personas["fra_officer"])
    stored = [
        PersonReport("K1", full_name="Kim Yong-Chol"),
        PersonReport("H1", full_name="Husayn Muhammad Husayn al-Juaythini"),
        *(PersonReport(f"M{i}", full_name=f"Muhammad {_word(i)}") for i in range(150)),
    ]
    with runtime.db.transaction() as session:
        imports.import_reports(
            session=session,
            secrets=runtime.secrets,
            settings=runtime.settings,
            principal=fra,
            reports=stored,
            protection=identity.Protection(),
            workers=1,
        )
    for query, wanted in (
        (PersonReport("q1", full_name="KIM YONG CHOL"), "K1"),
        (PersonReport("q2", full_name="Hussein Muhamad Husayn Al-Juaythini"), "H1"),
    ):
        with runtime.db.transaction() as session:
            found = search.who_might_this_be(
                session=session, secrets=runtime.secrets, principal=fra, report=query
            )
        assert found.candidates[0].report.report.record_id == wanted


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Kim Yong-Chol", "KIM YONG CHOL", "same full name"),
        ("Husayn Muhammad Husayn", "Husayn Muhammad Husayn al-Juaythini", "shorter name within"),
        ("Husayn al-Juaythini", "Husayn Muhammad Husayn al-Juaythini", "shorter name within"),
        ("M. Husayn al-Juaythini", "Muhammad Husayn al-Juaythini", "every word alike"),
        ("Husayn M. Juaythini", "Hussein Muhammad Juaythini", "every word alike"),
        ("Husayn Juaythini", "Husayn Bakri", "1 word shared"),
    ],
)
def test_full_names_meet_at_their_word_levels(left: str, right: str, level: str) -> None:
    """Filiation (a middle name more or fewer), initials and spelling: each pair reaches its
    level of `other_names`, the same in either order."""
    names = next(c for c in COMPARISONS if c.name == "other_names")
    rows = [features(normalise(PersonReport(side, full_name=side))) for side in (left, right)]
    for a, b in (rows, rows[::-1]):
        assert names.labels()[names.level_of(a, b)].startswith(level)
