"""Pairwise precision, recall and F1 of a clustering against the true one.

A pair is an unordered pair of records. Predicted pairs are the pairs inside a predicted
cluster, true pairs those inside a true cluster; counts come from cluster sizes
(n·(n-1)/2 per cluster and per intersection), so a giant cluster is never enumerated."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


def _pairs(size: int) -> int:
    return size * (size - 1) // 2


@dataclass(frozen=True)
class PairwiseScore:
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def pairwise(truth: Mapping[str, str], predicted: Mapping[str, str]) -> PairwiseScore:
    """Score `predicted` (record id → cluster id) against `truth` (record id → true id).

    Both must cover the same records: a record missing from the clusters is an error of the
    tool measured, not something to skip.

    >>> truth = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2", "f": "3"}
    >>> found = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y", "f": "z"}
    >>> score = pairwise(truth, found)
    >>> (score.true_pairs, score.predicted_pairs, score.correct_pairs)
    (4, 4, 2)
    >>> (score.precision, score.recall, score.f1)
    (0.5, 0.5, 0.5)
    >>> pairwise(truth, {key: "all" for key in truth}).as_dict()["precision"]
    0.2667
    >>> pairwise(truth, {key: key for key in truth}).recall
    0.0
    """
    missing = truth.keys() - predicted.keys()
    extra = predicted.keys() - truth.keys()
    if missing or extra:
        raise ValueError(
            f"clusters and truth differ: {len(missing)} records without a cluster "
            f"(e.g. {sorted(missing)[:3]}), {len(extra)} unknown (e.g. {sorted(extra)[:3]})"
        )
    true_sizes = Counter(truth.values())
    predicted_sizes = Counter(predicted.values())
    both = Counter((truth[key], predicted[key]) for key in truth)
    return PairwiseScore(
        records=len(truth),
        true_pairs=sum(_pairs(size) for size in true_sizes.values()),
        predicted_pairs=sum(_pairs(size) for size in predicted_sizes.values()),
        correct_pairs=sum(_pairs(size) for size in both.values()),
    )
