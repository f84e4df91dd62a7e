"""Training the linkage model with Splink on DuckDB, without labels.

The prior (how likely two random reports are one person) comes from deterministic rules,
the u probabilities from random pairs, and the m probabilities from two rounds of
expectation maximisation: one on pairs that share both names (it learns everything but the
names), one on pairs born the same day (it learns the names)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from homeward.core.errors import BadInput
from homeward.linkage.comparisons import COMPARISONS, TF_COLUMNS
from homeward.linkage.connection import capped_connection
from homeward.linkage.features import (
    BATCH_LIST_KEYS,
    BLOCKING_KEYS,
    FILIATION_LONGER_THAN,
    FILIATION_PREFIX,
    LIST_KEYS,
    Features,
)
from homeward.linkage.model import LinkageModel, document_from_splink, splink_settings

_TEXT = pa.string()
_TEXT_LIST = pa.list_(pa.string())
SCHEMA = pa.schema(
    [
        ("record_id", _TEXT),
        ("given_key", _TEXT),
        ("family_key", _TEXT),
        ("full_key", _TEXT),
        ("given_phonetic", _TEXT),
        ("family_phonetic", _TEXT),
        ("father_key", _TEXT),
        ("name_tokens", _TEXT_LIST),
        ("name_words", _TEXT_LIST),
        ("name_bones", _TEXT_LIST),
        ("kunya", _TEXT),
        ("nisba_nation", _TEXT),
        ("sex", _TEXT),
        ("dob_key", _TEXT),
        ("dob_year", pa.int32()),
        ("dob_month", pa.int32()),
        ("dob_day", pa.int32()),
        ("dob_approx", pa.bool_()),
        ("dob_swapped", _TEXT),
        ("place_key", _TEXT),
        ("nationalities", _TEXT_LIST),
        ("document_key", _TEXT),
        ("address_key", _TEXT),
        ("name_guessed", pa.bool_()),
        ("nations", _TEXT_LIST),
        ("dob_date", _TEXT),
        *((name, _TEXT) for name in BLOCKING_KEYS),
        *((name, _TEXT_LIST) for name in LIST_KEYS),
        *((name, _TEXT_LIST) for name in BATCH_LIST_KEYS),
        ("name_rare", _TEXT_LIST),
    ]
)

# A name word carried by more than this share of the reports (and by `COMMON_FLOOR` or
# more) is common: Muhammad, Ali, Khan. The others say who a man is (`features.uncommon`).
COMMON_SHARE = 0.01
COMMON_FLOOR = 20

# A same-person pair can disagree on anything (a clerk's slip, a lie): no level's m is
# taken as 0, nor any u, so no single field outweighs all the others.
M_FLOOR = 0.002
U_FLOOR = 1e-7
MIN_REPORTS = 50
# Fields most reports lack (see `_with_priors_for_sparse_fields`): m per non-null level,
# from the exact level to "else". A document number is copied with a slip now and then;
# an address is often an old one; a nom de guerre is mostly reported as he uses it.
SPARSE_SHARE = 0.5
SPARSE_FIELD_PRIORS: dict[str, tuple[str, tuple[float, ...]]] = {
    "document": ("document_key", (0.85, 0.05, 0.10)),
    "address": ("address_key", (0.55, 0.15, 0.10, 0.20)),
    "kunya": ("kunya", (0.85, 0.15)),
}  # below this EM has too few pairs to learn from
EM_MAX_PAIRS = 3e6
# EM settles within a few rounds here; more only drive the m of levels no true pair
# reaches (a place of birth that differs, in clean data) towards 0.
EM_MAX_ITERATIONS = 12
U_MAX_PAIRS = 3e6
# Rules that admit almost no false matches, and the share of true matches they are
# thought to find: together they estimate how likely two random reports match.
DETERMINISTIC_RULES = (
    "l.bk_full = r.bk_full AND l.dob_date = r.dob_date",
    "l.document_key = r.document_key",
    # Files of full names alone have neither: three words or more, the same once folded.
    "l.full_key = r.full_key AND len(l.name_words) >= 3",
)
# Family and partner reports rarely carry a full date or a document, so these rules find
# few of the true pairs: 0.155 of them on the synthetic set (bench/identity).
DETERMINISTIC_RECALL = 0.2
# Each round learns the comparisons its rule does not use, on pairs that are mostly one
# person at any scale: in a million reports, "same names" alone pairs thousands of namesakes
# for each man, and EM then learns namesakes as matches.
# Each round has a looser rule to fall back on when its own pairs nothing (a registry with
# no places of birth): better looser pairs than levels never learnt.
_NAMES = "l.given_key = r.given_key AND l.family_key = r.family_key"
EM_RULES = (
    (f"{_NAMES} AND l.dob_date = r.dob_date", _NAMES),
    ("l.dob_date = r.dob_date AND l.place_key = r.place_key", "l.dob_date = r.dob_date"),
    (f"{_NAMES} AND l.place_key = r.place_key", _NAMES),
)

Step = Callable[[str], None]


def arrow_table(rows: Sequence[Features]) -> pa.Table:
    """Rows as an Arrow table with fixed types, so empty columns keep their type."""
    # Column by column: several times faster than `Table.from_pylist` on a million rows.
    return pa.Table.from_arrays(
        [pa.array([row[f.name] for row in rows], type=f.type) for f in SCHEMA], schema=SCHEMA
    )


def quiet_splink() -> None:
    """Splink logs every step and warns of levels EM saw no pairs for; the progress bar
    and the model file say what matters."""
    logging.getLogger("splink").setLevel(logging.ERROR)


def remember_exact_match_checks() -> None:
    """Make Splink remember, per SQL text, whether a comparison level is an exact match.

    Splink asks it of every level at every EM round, and answers by parsing and normalising
    the level's SQL with sqlglot each time: 450 questions (3 rounds, 150 levels) and about 10 s
    of CPU in every training, at any size, for an answer that depends on the text alone
    (`_is_exact_match` reads nothing else). Splink has no setting for this, so its property
    is wrapped once; the wrapper asks Splink itself the first time it sees a text."""
    from splink.internals.comparison_level import ComparisonLevel

    asked: Callable[[Any], bool] = vars(ComparisonLevel)["_is_exact_match"].fget
    if getattr(asked, "remembered", False):
        return
    answers: dict[tuple[str, str, bool], bool] = {}

    def remembered(level: Any) -> bool:
        key = (level.sql_condition, level.sqlglot_dialect, bool(level._is_else_level))
        if key not in answers:
            answers[key] = bool(asked(level))
        return answers[key]

    remembered.remembered = True  # type: ignore[attr-defined]
    remembered.asked = asked  # type: ignore[attr-defined]  # Splink's own, for the tests
    ComparisonLevel._is_exact_match = property(remembered)  # type: ignore[method-assign,assignment]


def as_table(rows: Sequence[Features] | pa.Table) -> pa.Table:
    """Rows as built by `features`, or a table already made of them."""
    return rows if isinstance(rows, pa.Table) else arrow_table(rows)


def train(
    rows: Sequence[Features] | pa.Table, *, step: Step | None = None, seed: int = 1
) -> LinkageModel:
    """Train a model on these reports' rows (unlabelled)."""
    rows = as_table(rows)
    if rows.num_rows < MIN_REPORTS:
        raise BadInput(
            "reports", f"{rows.num_rows} are too few to train on; at least {MIN_REPORTS}"
        )
    from splink import DuckDBAPI, Linker

    quiet_splink()
    remember_exact_match_checks()
    say = step or (lambda _message: None)
    common = common_words(rows)
    rows = with_uncommon(rows, common)
    db_api = DuckDBAPI(connection=capped_connection())
    table = db_api.register(rows)
    settings = _with_priors_for_sparse_fields(splink_settings(), rows)
    settings["max_iterations"] = EM_MAX_ITERATIONS
    linker = Linker(table, settings, log_level=None)
    say("prior")
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=DETERMINISTIC_RECALL
    )
    say("u probabilities")
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
    linker = _names_u_among_strangers(linker, table, rows, seed=seed)
    for rule, fallback in EM_RULES:
        say("m probabilities")
        big = rows.num_rows > 200_000
        linker, learnt = _expectation_maximisation(linker, table, rule, big=big)
        if not learnt:
            linker, _ = _expectation_maximisation(linker, table, fallback, big=big)
    return model_from_linker(linker, rows, common)


def common_words(rows: pa.Table) -> frozenset[str]:
    """Name words more than `COMMON_SHARE` of these reports carry (and `COMMON_FLOOR` at
    least, so a small file does not find every word common)."""
    counts = pc.value_counts(pc.list_flatten(rows.column("name_words"))).to_pylist()
    least = max(COMMON_SHARE * rows.num_rows, COMMON_FLOOR)
    return frozenset(str(entry["values"]) for entry in counts if entry["counts"] > least)


def with_uncommon(rows: pa.Table, common: frozenset[str]) -> pa.Table:
    """The table with `name_rare` filled: each report's name words that are not common
    (`features.uncommon`, here on the whole column at once)."""
    common_words = pa.array(sorted(common), type=_TEXT)

    def rare(words: pa.Array) -> pa.Array:
        filiation = pc.and_(
            pc.starts_with(words, FILIATION_PREFIX),
            pc.greater(pc.utf8_length(words), FILIATION_LONGER_THAN),
        )
        return pc.invert(pc.or_(pc.is_in(words, value_set=common_words), filiation))

    kept = keep_in_lists(rows.column("name_words"), rare)
    return rows.set_column(rows.schema.get_field_index("name_rare"), "name_rare", kept)


def keep_in_lists(values: pa.ChunkedArray, keep: Callable[[pa.Array], pa.Array]) -> pa.Array:
    """Each list with only the elements `keep` marks true, an emptied list made null.

    Column-wise with Arrow: a Python loop over a million lists took 10 to 15 s of a
    million-report run; this takes well under one."""
    lists = values.combine_chunks()
    flat = pc.list_flatten(lists)
    parents = pc.list_parent_indices(lists)
    mask = pc.fill_null(keep(flat), False)
    kept, owners = pc.filter(flat, mask), pc.filter(parents, mask).to_numpy()
    counts = np.bincount(owners, minlength=len(lists))
    offsets = np.zeros(len(lists) + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    return pa.ListArray.from_arrays(
        pa.array(offsets), kept, type=values.type, mask=pa.array(counts == 0)
    )


# Comparisons whose u is measured on pairs that cannot be one man (births years apart).
STRANGERS_U = ("other_names",)
STRANGERS_YEARS = 5
STRANGERS_SAMPLE = 2500  # reports with a year: about 3M pairs


def _names_u_among_strangers(linker: Any, table: Any, rows: pa.Table, *, seed: int) -> Any:
    """u of the full-name comparison from pairs born years apart, not from random pairs.

    Splink measures u on random pairs, taking them all for two people. That holds for a
    given or family name; but in a file of full names alone, with several reports a man,
    the random pairs that agree on a whole name are mostly one man twice, and u then says
    a rare full name is shared by strangers as often as by one man's reports (bench/identity's
    real name variants: 3.3e-4 for "same full name" from random pairs, 6.5e-6 from pairs born
    5 years apart or more). Files with too few dated reports keep Splink's u. A
    frequency-only comparison (`name_frequency`) gets each level's m set to its u here."""
    import duckdb
    from splink import Linker

    settings = linker.misc.save_model_to_json()
    by_name = {comparison.name: comparison for comparison in COMPARISONS}
    dated = rows.filter(pc.is_valid(rows.column("dob_year")))
    if dated.num_rows < MIN_REPORTS:
        dated = dated.slice(0, 0)
    connection = duckdb.connect()
    connection.register("dated", dated)
    columns = [name for name in dated.column_names if name != "record_id"]
    # Every name in these statements is our own (schema columns, comparison SQL, constants).
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    pairs_sql = (
        f"SELECT {sides} FROM sample AS l JOIN sample AS r ON l.record_id < r.record_id"  # noqa: S608
        f" AND abs(l.dob_year - r.dob_year) >= {STRANGERS_YEARS}"
    )
    sample = f"reservoir({STRANGERS_SAMPLE} ROWS) REPEATABLE ({int(seed)})"
    connection.execute(f"CREATE TABLE sample AS SELECT * FROM dated USING SAMPLE {sample}")  # noqa: S608
    for saved in settings["comparisons"]:
        comparison = by_name[saved["output_column_name"]]
        if comparison.name not in STRANGERS_U:
            continue
        cases = " ".join(
            f"WHEN {level.when.sql()} THEN {index}" for index, level in enumerate(comparison.levels)
        )
        level_sql = f"CASE {cases} ELSE {len(comparison.levels)} END"
        found = connection.execute(
            f"SELECT {level_sql} AS level, count(*) FROM ({pairs_sql}) GROUP BY level"  # noqa: S608
        ).fetchall()
        counts = dict(found)
        nulls = {i for i, level in enumerate(comparison.levels) if level.null}
        total = sum(n for level, n in counts.items() if level not in nulls)
        if total < 1000:
            continue
        for index, level in enumerate(saved["comparison_levels"]):
            if index in nulls:
                continue
            level["u_probability"] = max(counts.get(index, 0), 0.5) / total
    connection.close()
    for saved in settings["comparisons"]:
        if by_name[saved["output_column_name"]].frequency_only:
            for level in saved["comparison_levels"]:
                if "u_probability" in level:
                    level["m_probability"] = level["u_probability"]
    return Linker(table, settings, log_level=None)


def _expectation_maximisation(linker: Any, table: Any, rule: str, *, big: bool) -> tuple[Any, bool]:
    """One EM round on pairs blocked by `rule`. Where a level no true pair reaches sees its
    m fall to 0 (Splink refuses it, and leaves the model half-changed), the round starts
    again from the model as it was, with fewer iterations, and is skipped at worst; so is a
    round whose rule pairs nothing (a registry without places of birth)."""
    from splink import Linker
    from splink.internals.exceptions import EMTrainingException

    before = linker.misc.save_model_to_json()
    pairs = EM_MAX_PAIRS if big else None
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=pairs)
    except (ValueError, EMTrainingException):
        pass
    else:
        return linker, True  # the same linker: Splink keeps the median of the rounds' estimates
    retry = Linker(table, dict(before, max_iterations=EM_MAX_ITERATIONS // 3), log_level=None)
    try:
        retry.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=pairs)
    except (ValueError, EMTrainingException):
        return Linker(table, before, log_level=None), False
    return retry, True


def _with_priors_for_sparse_fields(settings: dict[str, Any], rows: pa.Table) -> dict[str, Any]:
    """Fix the m probabilities of fields that most reports lack.

    A document number or an address usually comes from one source (the registry), and a
    person has one registry entry: EM then sees such fields compared almost only between
    different people, and their m collapses to 0 (Splink refuses it). For those fields we
    set m from experience instead of learning it; u is still measured."""
    for comparison in settings["comparisons"]:
        priors = SPARSE_FIELD_PRIORS.get(comparison["output_column_name"])
        if priors is None:
            continue
        column, levels = priors
        present = rows.num_rows - rows.column(column).null_count
        if present >= SPARSE_SHARE * rows.num_rows:
            continue
        others = [
            level for level in comparison["comparison_levels"] if not level.get("is_null_level")
        ]
        for level, m in zip(others, levels, strict=True):
            level["m_probability"] = m
            level["fix_m_probability"] = True
    return settings


def model_from_linker(
    linker: Any, rows: pa.Table, common: frozenset[str] = frozenset()
) -> LinkageModel:
    """Our model file from a trained Splink linker: its settings with every m and u written
    out and kept off 0 and 1, each level's weight from them, and term frequencies."""
    settings = linker.misc.save_model_to_json()
    trained = linker._settings_obj  # Splink keeps defaults for untrained levels here
    weights: list[list[float]] = []
    bases: list[list[float]] = []
    for ours, saved, theirs in zip(
        COMPARISONS, settings["comparisons"], trained.comparisons, strict=True
    ):
        if saved["output_column_name"] != ours.name:
            raise RuntimeError(f"Splink's comparison {saved['output_column_name']} is not ours")
        level_weights = []
        for level, level_obj in zip(
            saved["comparison_levels"], theirs.comparison_levels, strict=True
        ):
            if level.get("is_null_level"):
                level_weights.append(0.0)
                continue
            u = min(max(level_obj.u_probability, U_FLOOR), 1.0)
            # A frequency-only comparison's m is its u (weight 0 before the adjustment).
            m = u if ours.frequency_only else min(max(level_obj.m_probability, M_FLOOR), 1.0)
            level["m_probability"], level["u_probability"] = m, u
            level_weights.append(math.log2(m / u))
        weights.append(level_weights)
        bases.append(_tf_bases(saved["comparison_levels"]))
    prior = trained._probability_two_random_records_match
    document = document_from_splink(
        settings,
        term_frequencies(rows),
        reports=rows.num_rows,
        level_weights=weights,
        tf_bases=bases,
        prior_weight=math.log2(prior / (1 - prior)),
        common_words=common,
    )
    return LinkageModel(document)


def _tf_bases(levels: list[dict[str, Any]]) -> list[float]:
    """For each level adjusted by a column's term frequency, log2 of the u probability of
    that column's exact level (what Splink's adjustment is measured from)."""
    exact = {
        level["sql_condition"]: level["u_probability"]
        for level in levels
        if "u_probability" in level
    }
    bases = []
    for level in levels:
        column = level.get("tf_adjustment_column")
        if level.get("disable_tf_exact_match_detection"):
            u = level.get("u_probability")
        else:
            u = exact.get(f"{column}_l = {column}_r") if column else None
        bases.append(math.log2(u) if u else 0.0)
    return bases


def term_frequencies(rows: pa.Table) -> dict[str, dict[str, float]]:
    """Share of each value among the non-empty values of each adjusted column, as Splink
    computes it. Values seen once are left out and read back as the column's floor (1/n):
    the same number, in a file a hundred times smaller."""
    tables: dict[str, dict[str, float]] = {}
    for column in TF_COLUMNS:
        counts = pc.value_counts(rows.column(column).drop_null()).to_pylist()
        total = sum(entry["counts"] for entry in counts)
        table = {
            str(entry["values"]): entry["counts"] / total for entry in counts if entry["counts"] > 1
        }
        table[""] = 1 / total if total else 1.0  # the floor, under the empty key
        tables[column] = table
    return tables
