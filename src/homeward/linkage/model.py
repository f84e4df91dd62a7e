"""The linkage model: Splink's Fellegi-Sunter model over the normalised keys, trained without
labels (EM), saved as a versioned file, and scored in process for online queries.

The file holds Splink's own settings (comparisons with their m and u probabilities, blocking
rules), so `splink.Linker(table, model["splink"])` runs it on DuckDB or Spark as it stands,
and beside them what the in-process scorer needs: each level's match weight and the term
frequencies of the adjusted columns."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from homeward.core.errors import BadInput
from homeward.linkage.comparisons import COMPARISONS, TF_COLUMNS, Comparison, in_dialect
from homeward.linkage.features import (
    BATCH_KEYS,
    BATCH_LIST_KEYS,
    LIST_KEYS,
    Features,
    features,
    uncommon,
)
from homeward.linkage.normalise import NormalisedReport

MODEL_FORMAT = "homeward-identity-model"
MODEL_VERSION = 3  # 2: full names compared word by word (within, alike), name_words
# 3: the common name words of its reports (`common_words`), levels of uncommon words
DEFAULT_MODEL = "default_model.json"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One comparison's say on a pair: the level reached and its match weight (log2 Bayes
    factor, term-frequency adjustment included)."""

    comparison: str
    level: str
    weight: float


@dataclass(frozen=True, slots=True)
class PairScore:
    """A scored pair: the prior, the evidence field by field, their sum and its probability."""

    prior_weight: float
    evidence: tuple[Evidence, ...]
    match_weight: float
    probability: float


def splink_settings() -> dict[str, Any]:
    """Untrained Splink settings: our comparisons, blocking on the batch's key columns."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "record_id",
        "comparisons": [comparison.splink() for comparison in COMPARISONS],
        "blocking_rules_to_generate_predictions": [
            *(f"l.{column} = r.{column}" for column in BATCH_KEYS),
            *(
                {"blocking_rule": f"l.{column} = r.{column}", "arrays_to_explode": [column]}
                for column in (*LIST_KEYS, *BATCH_LIST_KEYS)
            ),
        ],
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
    }


def probability_of(weight: float) -> float:
    """Match probability of a match weight (log2 odds)."""
    if weight > 60:
        return 1.0
    odds: float = 2.0**weight
    return odds / (1.0 + odds)


@dataclass(frozen=True, slots=True)
class _ScoredComparison:
    comparison: Comparison
    weights: tuple[float, ...]  # one per level, "else" last
    tf_column: tuple[str, ...]  # per level: the column whose frequency adjusts it, or ""
    tf_base: tuple[float, ...]  # per level: log2 u of the column's exact level
    tf_weight: tuple[float, ...]  # per level: the share of the adjustment applied


class LinkageModel:
    """A trained model. Build one with `training.train`, or load a saved file."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        _check_document(document)
        self.document = dict(document)
        self.prior_weight = float(document["prior_weight"])
        self.term_frequencies: dict[str, dict[str, float]] = {
            column: dict(table) for column, table in document["term_frequencies"].items()
        }
        scored = []
        for comparison, saved in zip(COMPARISONS, document["comparisons"], strict=True):
            scored.append(
                _ScoredComparison(
                    comparison,
                    tuple(float(level["weight"]) for level in saved["levels"]),
                    tuple(level.get("tf_column", "") for level in saved["levels"]),
                    tuple(float(level.get("tf_base", 0.0)) for level in saved["levels"]),
                    tuple(float(level.get("tf_weight", 1.0)) for level in saved["levels"]),
                )
            )
        self._comparisons = tuple(scored)
        self.common_words = frozenset(document["common_words"])

    @property
    def version(self) -> str:
        """`format/version, trained <when> on <how many> reports`, for logs and the page."""
        trained = self.document.get("trained", {})
        return (
            f"{MODEL_FORMAT}/{MODEL_VERSION}, trained {trained.get('at', '?')} "
            f"on {trained.get('reports', '?')} reports"
        )

    @property
    def splink(self) -> dict[str, Any]:
        """Splink's own settings, trained: what `splink.Linker` takes (DuckDB or Spark)."""
        settings: dict[str, Any] = self.document["splink"]
        return settings

    def splink_for(self, dialect: str) -> dict[str, Any]:
        """The trained settings with every condition in `dialect` ("duckdb" or "spark"):
        `splink.Linker(SparkAPI(...).register(rows), model.splink_for("spark"))` runs this
        model on Spark, on the rows `homeward identity features` writes."""
        settings = copy.deepcopy(self.splink)
        for comparison in settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                level["sql_condition"] = in_dialect(level["sql_condition"], dialect)
        settings["sql_dialect"] = dialect
        return settings

    @classmethod
    def load(cls, path: Path) -> LinkageModel:
        """Read a model file; a file of another format or version is refused by name."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadInput("model", f"cannot read {path.name}: {exc}") from exc
        return cls(document)

    @classmethod
    def default(cls) -> LinkageModel:
        """The model shipped with Homeward, trained on synthetic reports."""
        return _default_model()

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.document, ensure_ascii=False, indent=1), encoding="utf-8")

    def score(self, left: NormalisedReport, right: NormalisedReport) -> PairScore:
        """Score one pair in process, exactly as Splink's prediction would."""
        return self.score_rows(features(left), features(right))

    def score_rows(self, left: Features, right: Features) -> PairScore:
        """`score` on rows already built by `features`."""
        left = dict(left, name_rare=uncommon(left["name_words"], self.common_words))
        right = dict(right, name_rare=uncommon(right["name_words"], self.common_words))
        evidence = []
        total = self.prior_weight
        for scored in self._comparisons:
            index = scored.comparison.level_of(left, right)
            weight = scored.weights[index] + self._tf_adjustment(scored, index, left, right)
            total += weight
            evidence.append(
                Evidence(scored.comparison.name, scored.comparison.labels()[index], weight)
            )
        return PairScore(self.prior_weight, tuple(evidence), total, probability_of(total))

    def _tf_adjustment(
        self, scored: _ScoredComparison, index: int, left: Features, right: Features
    ) -> float:
        column = scored.tf_column[index]
        if not column:
            return 0.0
        table = self.term_frequencies.get(column, {})
        floor = table.get("", 0.0)  # the share of a value seen once (see training)
        frequencies = [
            table.get(value, floor)
            for value in (left[column], right[column])
            if isinstance(value, str) and value
        ]
        if not frequencies or max(frequencies) <= 0:
            return 0.0
        return scored.tf_weight[index] * (scored.tf_base[index] - math.log2(max(frequencies)))


def _check_document(document: Mapping[str, Any]) -> None:
    if not isinstance(document, Mapping) or document.get("format") != MODEL_FORMAT:
        raise BadInput("model", f"is not a {MODEL_FORMAT} file")
    if document.get("version") != MODEL_VERSION:
        raise BadInput(
            "model",
            f"is version {document.get('version')!r}; this Homeward reads version {MODEL_VERSION}",
        )
    if not isinstance(document.get("common_words"), list):
        raise BadInput("model", "lists no common name words")
    saved = [c.get("name") for c in document.get("comparisons", [])]
    expected = [c.name for c in COMPARISONS]
    if saved != expected:
        raise BadInput("model", f"compares {saved}, this Homeward compares {expected}")
    for comparison, entry in zip(COMPARISONS, document["comparisons"], strict=True):
        if len(entry.get("levels", [])) != len(comparison.levels) + 1:
            raise BadInput("model", f"has other levels for {comparison.name}")


@lru_cache(maxsize=1)
def _default_model() -> LinkageModel:
    text = resources.files("homeward.linkage").joinpath(DEFAULT_MODEL).read_text("utf-8")
    return LinkageModel(json.loads(text))


def document_from_splink(
    settings: Mapping[str, Any],
    term_frequencies: Mapping[str, Mapping[str, float]],
    *,
    reports: int,
    level_weights: Sequence[Sequence[float]],
    tf_bases: Sequence[Sequence[float]],
    prior_weight: float,
    common_words: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The model file's content from a trained Splink model."""
    comparisons = []
    for comparison, weights, bases in zip(COMPARISONS, level_weights, tf_bases, strict=True):
        levels = []
        for index, label in enumerate(comparison.labels()):
            level: dict[str, Any] = {"label": label, "weight": weights[index]}
            ours = comparison.levels[index] if index < len(comparison.levels) else None
            if ours is not None and ours.tf:
                level["tf_column"] = ours.tf
                level["tf_base"] = bases[index]
                if ours.tf_weight != 1.0:
                    level["tf_weight"] = ours.tf_weight
            levels.append(level)
        comparisons.append({"name": comparison.name, "levels": levels})
    return {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "trained": {"at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "reports": reports},
        "prior_weight": prior_weight,
        "comparisons": comparisons,
        "term_frequencies": {
            column: dict(term_frequencies.get(column, {})) for column in TF_COLUMNS
        },
        "common_words": sorted(common_words),
        "splink": dict(settings),
    }
