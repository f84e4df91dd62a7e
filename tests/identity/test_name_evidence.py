"""Stronger name evidence for reports that give a full name alone (issue 14): words weighed
by how common they are in the reports a model was trained on, transliterations that differ
on a first vowel (same consonants), words compared in pairs, a batch key on consonants, and
two names in Arabic script alone compared as full names."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from bench.identity import variants

from homeward.linkage.batch import dedupe, feature_table
from homeward.linkage.comparisons import COMPARISONS
from homeward.linkage.features import Features, features, uncommon
from homeward.linkage.model import splink_settings
from homeward.linkage.names import fold_word, skeleton
from homeward.linkage.normalise import normalise
from homeward.linkage.reports import PersonReport, read_reports, write_reports
from homeward.linkage.training import common_words, train

NAMES = next(c for c in COMPARISONS if c.name == "other_names")
GIVEN = next(c for c in COMPARISONS if c.name == "given_name")
COMMON = frozenset({"muhmd", "ali", "ahmd", "xan", "mahdi", "hasn"})

# Made-up people written as real lists write them; each pair is one man.
MUST_JOIN = (
    ("Nasrin Sotoudeh", "Nasrin Sotoudeh Langroudi"),  # a name more, both words uncommon
    ("Eslam Abdelrazek Hegazy", "Islam Abdel-Razek Higazi"),  # first vowels, spelling
    ("Golnar Tavakkoli Dastjerdi", "Golnar Tavakoli Dastgerdi"),  # every word close
)
# Strangers of common names, and a man and his brother's son: never one cluster.
MUST_NOT_JOIN = (
    ("Muhammad Khan", "Ameer Muhammad Khan"),
    ("Ali Hassan", "Ali Hassan Mahmoud"),
    ("Tariq bin Yasser Dabbagh", "Yasser bin Tariq Dabbagh"),
)


def _row(name: str, common: frozenset[str] = COMMON) -> Features:
    row = features(normalise(PersonReport(name, full_name=name)))
    return dict(row, name_rare=uncommon(row["name_words"], common))


def _level(left: str, right: str) -> str:
    a, b = _row(left), _row(right)
    found = {NAMES.labels()[NAMES.level_of(a, b)], NAMES.labels()[NAMES.level_of(b, a)]}
    assert len(found) == 1, found
    return found.pop()


def test_a_skeleton_keeps_the_consonants() -> None:
    assert fold_word("Hesin") != fold_word("Hussein")
    assert skeleton(fold_word("Hesin")) == skeleton(fold_word("Hussein")) == "hsn"
    assert skeleton(fold_word("Eslam")) == skeleton(fold_word("Islam")) == "slm"


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("Nasrin Sotoudeh", "Nasrin Sotoudeh Langroudi", "shorter name within the longer, 2+"),
        ("Muhammad Khan", "Ameer Muhammad Khan", "shorter name within the longer"),
        # "bin Saud" names his father: his brothers carry it too, so it is not his own.
        ("Khalid bin Saud", "Faisal Khalid bin Saud", "shorter name within the longer"),
        ("Eslam Abdelrazek Hegazy", "Islam Abdel-Razek Higazi", "unshared words alike in pairs"),
        ("Eslam Awad", "ISLAM AWAD", "unshared words alike in pairs"),
        # Both words of the shorter are like one word of the longer: not in pairs.
        ("Mahdi Mahdizadeh", "Mahdi Karimi Piri", "every word alike"),
        # Amal ends like Kamal, but begins otherwise.
        ("Amal Yousef", "Kamal Youssef Nasser", "every word alike"),
        ("Hesin Elsherbini", "Hussein Sherbini", "every word alike"),
    ],
)
def test_word_levels_weigh_uncommon_words(left: str, right: str, level: str) -> None:
    found = _level(left, right)
    assert found.startswith(level), found
    if level == "shorter name within the longer":
        assert "uncommon" not in found


def test_without_a_model_no_word_is_uncommon() -> None:
    """Rows as `features` writes them (no model): the uncommon levels never speak."""
    a, b = (features(normalise(PersonReport(n, full_name=n))) for n in MUST_JOIN[0])
    assert "uncommon" not in NAMES.labels()[NAMES.level_of(a, b)]


def test_common_words_are_those_of_many_reports() -> None:
    reports = [
        PersonReport(f"c{i}", full_name=f"Muhammad Zed{chr(97 + i % 26)}") for i in range(60)
    ]
    common = common_words(feature_table(reports))
    assert "muhmd" in common
    assert not {"zeda", "zdb"} & common


def test_consonant_keys_block_first_vowel_spellings() -> None:
    a, b = _row("Eslam Awad"), _row("ISLAM AWAD")
    assert not set(a["bk_words"] or []) & set(b["bk_words"] or [])
    assert set(a["bk_skeletons"]) & set(b["bk_skeletons"])


def test_consonants_are_made_once_per_report_not_per_pair() -> None:
    """Each word's skeleton is a column of the report's row, in the words' order, and the
    comparisons' SQL reads it: worked out per pair (a regular expression per two words,
    for each of Splink's millions of training pairs) it made training six times slower."""
    row = _row("Eslam Abdelrazek Hegazy")
    assert row["name_bones"] == [skeleton(word) for word in row["name_words"] or []]
    assert _row("")["name_bones"] is None
    conditions = [
        level["sql_condition"]
        for comparison in splink_settings()["comparisons"]
        for level in comparison["comparison_levels"]
    ]
    assert any("name_bones_l[i]" in sql for sql in conditions)
    assert not any("regexp" in sql for sql in conditions)


def test_two_names_in_arabic_script_alone_are_compared_as_full_names() -> None:
    a = features(normalise(PersonReport("a", full_name="حسين الشربيني")))
    b = features(normalise(PersonReport("b", name_arabic="حسين الشربيني")))
    assert a["name_guessed"]
    assert b["name_guessed"]
    assert NAMES.labels()[NAMES.level_of(a, b)] == "same full name"
    assert GIVEN.labels()[GIVEN.level_of(a, b)] == "null"
    latin = features(normalise(PersonReport("c", given_name="Hussein", family_name="Sherbini")))
    assert GIVEN.labels()[GIVEN.level_of(a, latin)] != "null"  # the guess still speaks


@pytest.fixture(scope="module")
def crowd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """About 1,800 reports of real variants (bench/identity/variants.py, smaller), with the
    made-up pairs above among them."""
    folder = tmp_path_factory.mktemp("name-evidence")
    reports = read_reports(variants.build(folder, seed=11, linked=300, others=600))
    for number, (left, right) in enumerate((*MUST_JOIN, *MUST_NOT_JOIN)):
        for side, name in enumerate((left, right)):
            person = f"p{number}" if number < len(MUST_JOIN) else f"p{number}-{side}"
            reports.append(
                replace(PersonReport(f"x{number}-{side}", full_name=name), person_id=person)
            )
    path = folder / "crowd.csv"
    write_reports(path, reports)
    return path, {report.record_id: report.person_id for report in reports}


def test_variant_pairs_join_and_common_name_strangers_do_not(
    crowd: tuple[Path, dict[str, str]],
) -> None:
    """Trained on the crowd: the made-up variants score high (the first joins at the
    threshold; on a crowd this small the u of the in-pairs level rests on few strangers, so
    those are held to 0.8), the strangers of common names low and apart."""
    table = feature_table(read_reports(crowd[0]))
    model = train(table)
    result = dedupe(table, model=model)
    cluster = result.cluster_of
    assert cluster["x0-0"] == cluster["x0-1"]
    for number, (left, right) in enumerate((*MUST_JOIN, *MUST_NOT_JOIN)):
        score = model.score_rows(_row(left, frozenset()), _row(right, frozenset()))
        if number < len(MUST_JOIN):
            assert score.probability >= 0.8, (left, right)
        else:
            assert score.probability <= 0.5, (left, right)
            assert cluster[f"x{number}-0"] != cluster[f"x{number}-1"], (left, right)
