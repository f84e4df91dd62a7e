"""The linkage model: trained by Splink, saved as a versioned file, and scored in process
exactly as Splink scores the same pairs."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from splink import DuckDBAPI, Linker

from homeward.core.errors import BadInput
from homeward.linkage.batch import feature_rows
from homeward.linkage.comparisons import COMPARISONS
from homeward.linkage.features import Features, blocking_keys, features
from homeward.linkage.model import MODEL_VERSION, LinkageModel
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import PersonReport
from homeward.linkage.synthetic import generator as synth
from homeward.linkage.training import arrow_table, train, with_uncommon


@pytest.fixture(scope="module")
def reports() -> list[PersonReport]:
    return synth.generate(1500, 21)


@pytest.fixture(scope="module")
def rows(reports: list[PersonReport]) -> list[Features]:
    return feature_rows(reports)


@pytest.fixture(scope="module")
def model(rows: list[Features]) -> LinkageModel:
    return train(rows)


def test_in_process_score_equals_splink_on_every_pair(
    rows: list[Features], model: LinkageModel
) -> None:
    """Each pair Splink's prediction scores, the in-process scorer scores the same, level by
    level and to the last digit: the online index and the batch agree."""
    settings = dict(
        model.splink, retain_intermediate_calculation_columns=True, retain_matching_columns=True
    )
    table = with_uncommon(arrow_table(rows), model.common_words)
    linker = Linker(DuckDBAPI().register(table), settings, log_level=None)
    relation = linker.inference.predict().as_duckdbpyrelation()
    columns = relation.columns
    by_id = {row["record_id"]: row for row in rows}
    predictions = [dict(zip(columns, values, strict=True)) for values in relation.fetchall()]
    assert len(predictions) > 1000
    for predicted in predictions:
        scored = model.score_rows(by_id[predicted["record_id_l"]], by_id[predicted["record_id_r"]])
        for comparison, evidence in zip(COMPARISONS, scored.evidence, strict=True):
            level = predicted[f"gamma_{comparison.name}"]
            labels = [level.label for level in comparison.levels if not level.null] + ["else"]
            assert evidence.level == ("null" if level == -1 else labels[::-1][level])
            splink_weight = predicted[f"mw_{comparison.name}"] + (
                predicted.get(f"mw_tf_adj_{comparison.name}") or 0.0
            )
            assert evidence.weight == pytest.approx(splink_weight, abs=1e-9)
        assert scored.match_weight == pytest.approx(predicted["match_weight"], abs=1e-9)
        assert scored.probability == pytest.approx(predicted["match_probability"], abs=1e-9)


def test_saved_model_loads_and_scores_the_same(tmp_path: Path, model: LinkageModel) -> None:
    path = tmp_path / "model.json"
    model.save(path)
    loaded = LinkageModel.load(path)
    left = normalise(PersonReport("a", given_name="Mohamed", family_name="Benali", dob="1994"))
    right = normalise(PersonReport("b", given_name="Muhammad", family_name="Ben Ali", dob="1994"))
    assert loaded.score(left, right) == model.score(left, right)
    assert json.loads(path.read_text())["version"] == MODEL_VERSION
    assert loaded.splink["comparisons"][0]["output_column_name"] == "given_name"


def test_model_of_another_version_or_shape_is_refused(tmp_path: Path, model: LinkageModel) -> None:
    document = dict(model.document, version=MODEL_VERSION + 1)
    path = tmp_path / "future.json"
    path.write_text(json.dumps(document))
    with pytest.raises(BadInput, match=f"version {MODEL_VERSION + 1}"):
        LinkageModel.load(path)
    document = dict(model.document, comparisons=model.document["comparisons"][:-1])
    path.write_text(json.dumps(document))
    with pytest.raises(BadInput, match="compares"):
        LinkageModel.load(path)
    path.write_text("{not json")
    with pytest.raises(BadInput, match="cannot read"):
        LinkageModel.load(path)


def test_shared_rare_name_weighs_more_than_shared_common_name(model: LinkageModel) -> None:
    """Term-frequency adjustment: the same exact level, more evidence for a rarer value."""
    frequencies = model.term_frequencies["family_key"]
    common = max((key for key in frequencies if key), key=lambda key: frequencies[key])
    rare_key = "cuspert"
    assert rare_key not in frequencies
    common_pair = model.score_rows(_family_only(common), _family_only(common))
    rare_pair = model.score_rows(_family_only(rare_key), _family_only(rare_key))
    assert _weight(rare_pair.evidence, "family_name") > _weight(common_pair.evidence, "family_name")


def _family_only(key: str) -> Features:
    row = features(normalise(PersonReport("x")))
    return {**row, "family_key": key, "full_key": key, "name_tokens": [key]}


def _weight(evidence: tuple[object, ...], name: str) -> float:
    return next(e.weight for e in evidence if e.comparison == name)  # type: ignore[attr-defined]


def test_spellings_of_one_man_score_high_and_a_namesake_low(model: LinkageModel) -> None:
    registry = normalise(
        PersonReport(
            "r", full_name="BEN ALI Mohammed", dob="1994-08-16", place_of_birth="Roubaix",
            nationality=("FRA",),
        )
    )  # fmt: skip
    mother = normalise(PersonReport("m", given_name="Mohamed", family_name="Benali", dob="1994"))
    himself = normalise(
        PersonReport("s", name_arabic="محمد بن علي", aliases=("Abu Mariam al-Faransi",))
    )
    namesake = normalise(
        PersonReport("n", given_name="Mohammed", family_name="Benali", dob="1971-02-03")
    )
    assert model.score(registry, mother).probability > model.score(registry, namesake).probability
    assert model.score(registry, namesake).probability < 0.5
    assert model.score(registry, himself).match_weight > model.score(mother, namesake).match_weight


def test_reports_of_one_person_mostly_share_a_blocking_key(reports: list[PersonReport]) -> None:
    """Blocking is where recall is lost: same-person pairs that both name the man must
    share a key. (A partner's note with only "Abu X, about 30" can share nothing with his
    registry entry; it meets his own letter through the nom de guerre.)"""
    keys = {report.record_id: blocking_keys(normalise(report)) for report in reports}
    named = {r.record_id for r in reports if r.given_name or r.family_name or r.name_arabic}
    people: dict[str, list[str]] = defaultdict(list)
    for report in reports:
        people[report.person_id].append(report.record_id)
    pairs = [(a, b) for ids in people.values() for i, a in enumerate(ids) for b in ids[i + 1 :]]
    named_pairs = [(a, b) for a, b in pairs if a in named and b in named]
    shared = sum(1 for a, b in named_pairs if keys[a] & keys[b])
    assert shared / len(named_pairs) > 0.9
    kunya_only = {
        r.record_id for r in reports if r.dob.startswith("~") and r.record_id not in named
    }
    with_kunya = {
        r.record_id
        for r in reports
        if any(a.startswith(("Abu", "Abou", "Umm", "أ")) for a in r.aliases)
    }
    kunya_pairs = [(a, b) for a, b in pairs if {a, b} & kunya_only and {a, b} & with_kunya]
    assert sum(1 for a, b in kunya_pairs if keys[a] & keys[b]) / len(kunya_pairs) > 0.6


def test_too_few_reports_to_train_is_refused(rows: list[Features]) -> None:
    with pytest.raises(BadInput, match="too few"):
        train(rows[:10])


def test_table_built_in_chunks_equals_the_rows(reports: list[PersonReport]) -> None:
    from homeward.linkage.batch import feature_table

    whole = arrow_table(feature_rows(reports))
    assert feature_table(reports, chunk=977).equals(whole)
    assert feature_table([]).num_rows == 0
