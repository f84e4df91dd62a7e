"""The baseline: plain Splink 5 on DuckDB, configured as a typical user would on the raw
columns of the exchange format, trained without labels.

Comparisons: Jaro-Winkler on given and family name (the full name when the family name is
empty), place of birth and address; Levenshtein on the date of birth as written; exact match
on nationality, sex and document number. Blocking: equal full date of birth, or equal given
and family names. Training: the prior from a deterministic rule, u by random sampling, m by
EM on the two blocking rules. Clusters: connected components at match probability 0.95."""

from __future__ import annotations

import csv
import json
import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from homeward.linkage.reports import COLUMNS

THRESHOLD = 0.95
SEED = 42
U_MAX_PAIRS = 5e6
RECALL_OF_DETERMINISTIC_RULE = 0.7
DOB_FULL = "length(l.dob) = 10 and l.dob = r.dob"
"""Equal date of birth, full dates only. Plain `block_on("dob")` also pairs every two
records born in the same year when only the year is known (a third of the synthetic reports),
about 1.3 billion pairs at 1M reports; Splink's own `count_comparisons_from_blocking_rules`
shows it and a user would narrow the rule this way."""
NAMES = "l.family_name = r.family_name AND coalesce(l.given_name, '') = coalesce(r.given_name, '')"
"""Equal given and family names, where two reports without a given name (a full name alone,
which `load` puts in the family name) count as equal on it: `block_on("given_name",
"family_name")` never pairs them (NULL = NULL is not true), and a file of full names alone
would have no blocked pairs but equal full dates, and no prior at all."""
BLOCKING = (DOB_FULL, NAMES)
DETERMINISTIC = (f"{NAMES} AND l.dob = r.dob",)


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.JaroWinklerAtThresholds("given_name", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("family_name", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("dob", [1, 2]),
            cl.ExactMatch("nationality"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("document_number"),
            cl.JaroWinklerAtThresholds("place_of_birth", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
        ],
        blocking_rules_to_generate_predictions=list(BLOCKING),
        retain_intermediate_calculation_columns=False,
    )


def load(path: Path) -> pd.DataFrame:
    """The exchange CSV as Splink sees it: raw text, empty cells as nulls, the full name
    standing in for an empty family name."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=list(COLUMNS))
    frame["family_name"] = frame["family_name"].where(
        frame["family_name"] != "", frame["full_name"]
    )
    used = [
        "record_id",
        "given_name",
        "family_name",
        "dob",
        "nationality",
        "sex",
        "document_number",
        "place_of_birth",
        "address",
    ]
    frame = frame[used].replace("", None)
    return frame


def train(frame: pd.DataFrame) -> tuple[Linker, dict[str, float]]:
    """A fresh DuckDB, the frame registered, the model trained; seconds per step."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), settings(), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC), recall=RECALL_OF_DETERMINISTIC_RULE
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in BLOCKING:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    seconds["train"] = time.perf_counter() - started
    return linker, seconds


def dedupe(source: Path, out: Path, model_out: Path | None = None) -> dict[str, Any]:
    """Train on `source`, predict, cluster at THRESHOLD and write record_id,cluster_id."""
    started = time.perf_counter()
    frame = load(source)
    loaded = time.perf_counter()
    linker, seconds = train(frame)
    predicted_at = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    pairs = predictions.as_duckdbpyrelation().aggregate("count(*)").fetchall()[0][0]
    clustered_at = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    )
    rows = clusters.as_duckdbpyrelation().select("record_id, cluster_id").fetchall()
    written_at = time.perf_counter()
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["record_id", "cluster_id"])
        writer.writerows(rows)
    if model_out is not None:
        linker.misc.save_model_to_json(str(model_out), overwrite=True)
    done = time.perf_counter()
    return {
        "records": len(frame),
        "pairs_above_threshold": pairs,
        "seconds": {
            "load": round(loaded - started, 2),
            "train": round(seconds["train"], 2),
            "predict": round(clustered_at - predicted_at, 2),
            "cluster": round(written_at - clustered_at, 2),
            "write": round(done - written_at, 2),
        },
    }


def blocking_counts(source: Path) -> dict[str, int]:
    """How many pairs each blocking rule makes, plain `block_on("dob")` included."""
    db_api = DuckDBAPI()
    table = db_api.register(load(source))
    rules = {"dob (any form)": block_on("dob"), "dob (full dates)": DOB_FULL}
    rules["given_name and family_name"] = BLOCKING[1]
    return {
        name: int(
            count_comparisons_from_blocking_rules(
                table,
                blocking_rules=rule,
                link_type="dedupe_only",
                unique_id_column_name="record_id",
            )[0]["cumulative_comparison_count"]
        )
        for name, rule in rules.items()
    }


def main(source: str, out: str, model_out: str | None = None) -> None:
    """`python -m bench.identity baseline-dedupe IN.csv OUT.csv [MODEL.json]`: its own
    process, so its peak memory is measured as Homeward's is."""
    facts = dedupe(Path(source), Path(out), Path(model_out) if model_out else None)
    print(json.dumps(facts))


# A second configuration, for files of names alone (the real variants): what a user would
# write seeing that most reports give a full name and nothing else (measured on the
# precision-recall curve, at every threshold). One lower-cased name
# column (the full name, else given and family, else the Arabic script), Jaro-Winkler on it;
# blocking on its first three letters; the prior from "the same name" at recall 0.5.
NAME = (
    "lower(coalesce(nullif(full_name, ''), nullif(trim(concat_ws(' ', given_name,"
    " family_name)), ''), name_arabic))"
)
NAMES_BLOCKING = ("substr(l.name, 1, 3) = substr(r.name, 1, 3)",)
NAMES_DETERMINISTIC = ("l.name = r.name",)
NAMES_RECALL = 0.5


def names_settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.95, 0.9, 0.8]),
            cl.ExactMatch("dob"),
            cl.ExactMatch("nationality"),
            cl.JaroWinklerAtThresholds("place_of_birth", [0.9]),
        ],
        blocking_rules_to_generate_predictions=list(NAMES_BLOCKING),
        retain_intermediate_calculation_columns=False,
    )


def load_names(path: Path) -> pd.DataFrame:
    """The exchange CSV with one lower-cased name column."""
    import duckdb

    connection = duckdb.connect()
    connection.register(
        "frame", pd.read_csv(path, dtype=str, keep_default_na=False, usecols=list(COLUMNS))
    )
    table = connection.sql(
        f"SELECT record_id, {NAME} AS name, dob, nationality, place_of_birth FROM frame"  # noqa: S608
    ).df()
    return table.replace("", None)


def train_names(frame: pd.DataFrame) -> Linker:
    linker = Linker(DuckDBAPI().register(frame), names_settings(), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        list(NAMES_DETERMINISTIC), recall=NAMES_RECALL
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=SEED)
    for rule in (*NAMES_BLOCKING, "l.dob = r.dob"):  # the second learns the name's m
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    return linker
